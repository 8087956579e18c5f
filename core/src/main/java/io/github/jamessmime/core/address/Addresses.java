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

import java.util.Optional;

/**
 * The one form in which the store, the grants and the entitlement compare a sender address, its key:
 * {@code local@domain} with the local part as written (ASCII, or non-ASCII in the form {@link LocalParts} checks) and
 * the domain as lower-case A-labels ({@link DomainNames}). {@code Jörg@Müller.example}, {@code Jörg@müller.example}
 * and {@code Jörg@xn--mller-kva.example} have the key {@code Jörg@xn--mller-kva.example}; what IDNA would map or what
 * mixes scripts has none. A key is its own key.
 */
public final class Addresses {
    private static final int MAX_MAILBOX = 254;

    private Addresses() {
    }

    /** The key of an address, or empty when it has none (see {@link #key}). */
    public static Optional<String> normalize(String address) {
        try {
            return Optional.of(key(address));
        } catch (InvalidAddressException e) {
            return Optional.empty();
        }
    }

    /**
     * The key of a single {@code local@domain} (surrounding spaces and tabs ignored): an ASCII local part as written but
     * an encoded word or a control character, a non-ASCII one in the form {@link LocalParts} checks; a domain that has
     * A-labels.
     */
    public static String key(String address) throws InvalidAddressException {
        if (address == null) {
            throw new InvalidAddressException("no address");
        }
        String trimmed = strip(address);
        int at = split(trimmed);
        return LocalParts.lenient(trimmed.substring(0, at)) + "@" + DomainNames.key(trimmed.substring(at + 1));
    }

    /**
     * A certificate's rfc822Name when it is a plain mailbox, as its key: an ASCII dot-atom local part of at most 64
     * characters (letters, digits and {@code ! # $ % & ' * + - = ? ^ _ ` { | } ~}, dots only between them; no
     * {@code /}), {@code @}, a domain of letter-digit-hyphen labels or valid A-labels; at most 254 characters in all.
     * Anything else (quoted local parts, address literals, a U-label, which an IA5String cannot hold) is refused.
     */
    public static String mailboxKey(String value) throws InvalidAddressException {
        if (value == null || value.isEmpty()) {
            throw new InvalidAddressException("the address is empty");
        }
        if (!DomainNames.isAscii(value)) {
            throw new InvalidAddressException("'" + printable(value) + "' is not ASCII, as an rfc822Name must be (RFC 9598: a non-ASCII"
                + " domain as its A-labels, a non-ASCII local part in an SmtpUTF8Mailbox name)");
        }
        if (value.length() > MAX_MAILBOX) {
            throw new InvalidAddressException("'" + printable(value) + "' is longer than " + MAX_MAILBOX + " characters");
        }
        int at = split(value);
        return LocalParts.dotAtom(value.substring(0, at)) + "@" + DomainNames.key(value.substring(at + 1));
    }

    /** {@link #mailboxKey}, or empty. */
    public static Optional<String> mailbox(String value) {
        try {
            return Optional.of(mailboxKey(value));
        } catch (InvalidAddressException e) {
            return Optional.empty();
        }
    }

    /**
     * A certificate's SmtpUTF8Mailbox (RFC 9598) as its key: a non-ASCII local part in the form {@link LocalParts}
     * checks, and a domain as U-labels or A-labels. An ASCII local part is refused: RFC 9598 puts such an address in an
     * rfc822Name, where clients look for it.
     */
    public static String smtpUtf8MailboxKey(String value) throws InvalidAddressException {
        if (value == null || value.isEmpty()) {
            throw new InvalidAddressException("the address is empty");
        }
        int at = split(value);
        String local = value.substring(0, at);
        if (DomainNames.isAscii(local)) {
            throw new InvalidAddressException("the SmtpUTF8Mailbox '" + printable(value) + "' has an ASCII local part, which RFC 9598"
                + " requires in an rfc822Name instead");
        }
        return LocalParts.unicode(local) + "@" + DomainNames.key(value.substring(at + 1));
    }

    /** Whether the local part of a key is non-ASCII: such an address leaves only by SMTPUTF8 (RFC 6531). */
    public static boolean hasUnicodeLocalPart(String key) {
        return !DomainNames.isAscii(key.substring(0, key.lastIndexOf('@')));
    }

    /** The domain of a key. */
    public static String domainOf(String key) {
        return key.substring(key.lastIndexOf('@') + 1);
    }

    /** An address or domain for a log line: characters that do not show (controls, format and space characters) as {@code \\uXXXX}, at most 120 characters. */
    public static String printable(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length() && out.length() < 120; ) {
            int c = value.codePointAt(i);
            i += Character.charCount(c);
            if (shows(c)) {
                out.appendCodePoint(c);
            } else {
                out.append(String.format("\\u%04x", c));
            }
        }
        return out.length() >= 120 ? out + "..." : out.toString();
    }

    /** One code point for a reason: {@code U+0430 (CYRILLIC SMALL LETTER A)}. */
    static String codePoint(int c) {
        String name = Character.getName(c);
        return String.format("U+%04X", c) + (name == null ? "" : " (" + name + ")");
    }

    private static boolean shows(int c) {
        if (c < 0x80) {
            return c >= 0x20 && c < 0x7F;
        }
        switch (Character.getType(c)) {
            case Character.CONTROL:
            case Character.FORMAT:
            case Character.SPACE_SEPARATOR:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
            case Character.UNASSIGNED:
            case Character.PRIVATE_USE:
            case Character.SURROGATE:
                return false;
            default:
                return true;
        }
    }

    /** Without the spaces and tabs around it ({@code String.trim} would also take control characters away). */
    private static String strip(String address) {
        int start = 0;
        int end = address.length();
        while (start < end && (address.charAt(start) == ' ' || address.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (address.charAt(end - 1) == ' ' || address.charAt(end - 1) == '\t')) {
            end--;
        }
        return address.substring(start, end);
    }

    private static int split(String address) throws InvalidAddressException {
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1 || address.indexOf('@') != at) {
            throw new InvalidAddressException("'" + printable(address) + "' is not a single local@domain");
        }
        return at;
    }
}
