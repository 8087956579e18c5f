/*
 * Copyright 2026 the james-smime authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */
package io.github.jamessmime.core.address;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import javax.mail.MessagingException;
import javax.mail.internet.AddressException;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;

/**
 * The signing identity of a message: the key ({@link Addresses}) of the address of its From header. A header in UTF-8
 * (RFC 6532, {@code From: jörg@müller.example}) is read as such: javax.mail hands its octets over as ISO-8859-1
 * characters unless {@code mail.mime.allowutf8} is set, so they are taken back to octets and decoded as UTF-8; octets
 * that are not UTF-8 make the header unreadable rather than guessed at.
 */
public final class FromAddress {
    private FromAddress() {
    }

    /**
     * The key of the From address when there is exactly one header with exactly one address (no group).
     *
     * @throws AddressException when the header does not parse as an address list, or its address has no key (the
     *                          reason says why: an IDNA rule, mixed scripts, an encoded word in the local part)
     */
    public static Optional<String> single(MimeMessage message) throws MessagingException {
        String[] headers = message.getHeader("From");
        if (headers == null || headers.length != 1) {
            return Optional.empty();
        }
        InternetAddress[] addresses = InternetAddress.parseHeader(utf8(headers[0]), false);
        if (addresses.length != 1 || addresses[0].isGroup()) {
            return Optional.empty();
        }
        String address = addresses[0].getAddress();
        try {
            return Optional.of(Addresses.key(address));
        } catch (InvalidAddressException e) {
            // James 3.8.1 stores header lines as US-ASCII: each octet of a UTF-8 From reaches the mailets as '?'
            throw new AddressException(e.getMessage() + (address.indexOf('?') >= 0 && address.indexOf("=?") < 0
                ? " (a '?' is what James 3.8.1 makes of each octet beyond ASCII in a header: write the domain as its A-label)" : ""));
        }
    }

    /**
     * The From address as written, when it holds non-ASCII characters (a U-label domain, a non-ASCII local part): such a
     * header is an RFC 6532 one, and the mail leaves only by SMTPUTF8. Empty for an ASCII address (A-labels included)
     * and whatever {@link #single} gives no address for.
     */
    public static Optional<String> internationalised(MimeMessage message) throws MessagingException {
        String[] headers = message.getHeader("From");
        if (headers == null || headers.length != 1) {
            return Optional.empty();
        }
        InternetAddress[] addresses = InternetAddress.parseHeader(utf8(headers[0]), false);
        if (addresses.length != 1 || addresses[0].isGroup() || addresses[0].getAddress() == null) {
            return Optional.empty();
        }
        String address = addresses[0].getAddress();
        return address.chars().anyMatch(c -> c >= 0x80) ? Optional.of(address) : Optional.empty();
    }

    /** The header's text: as given when javax.mail read it as UTF-8, else its ISO-8859-1 characters' octets as UTF-8. */
    static String utf8(String header) throws AddressException {
        if (Boolean.getBoolean("mail.mime.allowutf8")) {
            return header;
        }
        byte[] octets = new byte[header.length()];
        boolean eightBit = false;
        for (int i = 0; i < header.length(); i++) {
            char c = header.charAt(i);
            if (c > 0xFF) {
                return header;
            }
            eightBit |= c >= 0x80;
            octets[i] = (byte) c;
        }
        if (!eightBit) {
            return header;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(octets)).toString();
        } catch (CharacterCodingException e) {
            throw new AddressException("the From header holds 8-bit octets that are not UTF-8 (RFC 6532 allows only UTF-8 there)");
        }
    }
}
