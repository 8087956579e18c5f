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
package io.github.jamessmime.core.signing;

import java.io.UnsupportedEncodingException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.mail.MessagingException;
import javax.mail.internet.AddressException;
import javax.mail.internet.ContentType;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeUtility;
import javax.mail.internet.ParameterList;

/**
 * Header protection of signed-only mail (RFC 9788): the message's user-facing header fields are copied into the
 * header of the signed part (the Cryptographic Payload's root), whose Content-Type is marked {@code hp=clear}. A
 * client that knows it shows, and replies to, the signed copies; one that does not shows the outer fields as before
 * (part headers are not displayed).
 *
 * <p>The fields copied are {@link #FIELDS}, in the order the message has them, never the transport ones (Received,
 * Return-Path, DKIM-Signature, …) nor Bcc. They are written in the relay-proof form of every signed line: 7-bit (RFC
 * 2047 words for a display name or a subject with other characters), folded to lines of at most 76 octets. A
 * Message-ID, In-Reply-To or References too long to fold is left out (clients do not show them); any other field that
 * cannot be written so (an address that is not ASCII, a word too long to fold) is named, and the message is then signed
 * without header protection: a client that knows it would not show an outer field the signed part lacks.
 */
final class ProtectedHeaders {
    /** The fields copied into the signed part. */
    static final List<String> FIELDS = List.of("From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To",
        "References");
    /** The Content-Type parameter that marks the signed part (RFC 9788 2.1.1), and its value for signed-only mail. */
    static final String PARAMETER = "hp";
    static final String SIGNED_ONLY = "clear";

    private static final Set<String> NAMES = Set.of("from", "to", "cc", "reply-to", "subject", "date", "message-id", "in-reply-to",
        "references");
    private static final Set<String> ADDRESS_FIELDS = Set.of("from", "to", "cc", "reply-to");
    private static final Set<String> LEFT_OUT_WHEN_LONG = Set.of("message-id", "in-reply-to", "references");

    private ProtectedHeaders() {
    }

    /**
     * The relay-proof lines of the protected fields among the message's header lines, in their order.
     *
     * @throws CanonicalWriter.NotRelayProofException naming a field that cannot be written relay-proof
     */
    static List<String> lines(List<String> headerLines) throws MessagingException {
        List<String> lines = new ArrayList<>();
        for (String line : headerLines) {
            String name = HeaderForm.name(line);
            if (!NAMES.contains(name)) {
                continue;
            }
            String canonical = canonical(line, name);
            if (HeaderForm.keepsLineLimit(canonical)) {
                lines.add(canonical);
            } else if (!LEFT_OUT_WHEN_LONG.contains(name)) {
                throw new CanonicalWriter.NotRelayProofException("the " + fieldName(line) + " field has a line over "
                    + LineRule.MAX_LINE + " octets with no white space to fold it at ('" + HeaderForm.excerpt(line, 60)
                    + "'), which relays would change");
            }
        }
        return lines;
    }

    private static String canonical(String line, String name) throws MessagingException {
        try {
            if (ADDRESS_FIELDS.contains(name) && !HeaderForm.isSevenBit(line)) {
                return addressLine(line);
            }
            if (name.equals("subject") && !HeaderForm.isSevenBit(line)) {
                int colon = line.indexOf(':');
                // the text clients show: the bytes as UTF-8 (else windows-1252), and any encoded word in it decoded
                String raw = HeaderForm.decode(HeaderForm.unfold(line.substring(colon + 1)).trim());
                String text;
                try {
                    text = MimeUtility.decodeText(raw);
                } catch (UnsupportedEncodingException e) {
                    text = raw; // an encoded word of an unknown charset stays as it is, as clients show it
                }
                return encodedWordsLine(line.substring(0, colon).trim(), text);
            }
            return HeaderForm.canonical(line);
        } catch (CanonicalWriter.NotRelayProofException e) {
            throw e;
        } catch (MessagingException e) {
            throw new CanonicalWriter.NotRelayProofException("the " + fieldName(line) + " field cannot be written "
                + "in 7-bit form (" + HeaderForm.excerpt(String.valueOf(e.getMessage()), 120) + ")");
        }
    }

    /**
     * An address field with other than ASCII characters, written again address by address: a display name as RFC 2047
     * words where it needs them; the addresses themselves must be ASCII (RFC 2047 words may not stand in an address).
     */
    private static String addressLine(String line) throws MessagingException {
        int colon = line.indexOf(':');
        String name = line.substring(0, colon).trim();
        String value = HeaderForm.decode(HeaderForm.unfold(line.substring(colon + 1)).trim());
        InternetAddress[] addresses;
        try {
            addresses = InternetAddress.parseHeader(value, false);
        } catch (AddressException e) {
            throw new MessagingException("its addresses cannot be read: " + e.getMessage(), e);
        }
        List<String> written = new ArrayList<>();
        for (InternetAddress address : addresses) {
            String mailbox = address.getAddress();
            if (!HeaderForm.isSevenBit(mailbox)) {
                throw new MessagingException("the address " + mailbox + " is not ASCII");
            }
            String personal = address.getPersonal();
            try {
                written.add(personal == null || address.isGroup() ? address.toString()
                    : new InternetAddress(mailbox, personal, "UTF-8").toString());
            } catch (UnsupportedEncodingException e) {
                throw new IllegalStateException(e);
            }
        }
        String folded = name + ": " + MimeUtility.fold(name.length() + 2, String.join(", ", written));
        return HeaderForm.canonical(folded);
    }

    /**
     * An unstructured field as UTF-8 encoded words (RFC 2047), each as long as fits: the first on the field's own line
     * after its name (a line holding only the name would make some readers keep a leading space), each further one on
     * a continuation line, none over 75 characters, no line over 76.
     */
    static String encodedWordsLine(String name, String text) throws MessagingException {
        if (text.isEmpty()) {
            return name + ":";
        }
        StringBuilder line = new StringBuilder(name).append(": ");
        int room = LineRule.MAX_LINE - line.length();
        int start = 0;
        while (start < text.length()) {
            String best = null;
            int bestEnd = start;
            for (int end = start + Character.charCount(text.codePointAt(start)); ; end += Character.charCount(text.codePointAt(end))) {
                String word = encodedWord(text.substring(start, end));
                if (word.length() > Math.min(room, 75)) {
                    break;
                }
                best = word;
                bestEnd = end;
                if (end == text.length()) {
                    break;
                }
            }
            if (best == null) {
                throw new MessagingException("a character of its text cannot be written as an encoded word in a line of " + LineRule.MAX_LINE);
            }
            line.append(start == 0 ? "" : "\r\n ").append(best);
            room = LineRule.MAX_LINE - 1;
            start = bestEnd;
        }
        return line.toString();
    }

    private static String encodedWord(String text) {
        try {
            return MimeUtility.encodeWord(text, "UTF-8", "Q");
        } catch (UnsupportedEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String fieldName(String line) {
        int colon = line.indexOf(':');
        return colon < 0 ? line : line.substring(0, colon).trim();
    }

    /** {@code type} with the signed-only mark, any {@code hp} it had replaced. */
    static ContentType marked(ContentType type) {
        ParameterList parameters = new ParameterList();
        ParameterList original = type.getParameterList();
        if (original != null) {
            for (Enumeration<String> names = original.getNames(); names.hasMoreElements(); ) {
                String name = names.nextElement();
                if (!name.equalsIgnoreCase(PARAMETER)) {
                    parameters.set(name, original.get(name));
                }
            }
        }
        parameters.set(PARAMETER, SIGNED_ONLY);
        return new ContentType(type.getPrimaryType(), type.getSubType(), parameters);
    }

    /** Whether a field name (any case) is one that header protection copies. */
    static boolean isProtected(String name) {
        return NAMES.contains(name.toLowerCase(Locale.ROOT));
    }
}
