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

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

/**
 * The local part of a sender address. An ASCII local part is compared exactly as written (RFC 5321 leaves its case to
 * the receiving domain). A non-ASCII one (RFC 6531) is compared exactly too, as RFC 9598 section 3 asks, so its form
 * is checked instead of mapped: Unicode normalisation form C, letters, marks and digits besides the ASCII dot-atom
 * characters, one script (see {@link Scripts}), no format, control, space or private-use character (a bidi override
 * or a zero-width joiner cannot hide in it), nothing that stands for another character (Unicode normalisation form KC:
 * no full-width or styled letters) and none of the characters {@link Characters} refuses, at most 64 octets. A local part that looks like an RFC 2047 encoded word
 * ({@code =?utf-8?q?...?=}) is refused in either form: some clients show it decoded, as another address.
 */
final class LocalParts {
    static final int MAX_OCTETS = 64;
    private static final String ATEXT_SYMBOLS = "!#$%&'*+-/=?^_`{|}~";

    private LocalParts() {
    }

    /**
     * A local part as a From header may hold it: ASCII text without control characters but an encoded word, or a
     * well-formed non-ASCII one.
     */
    static String lenient(String local) throws InvalidAddressException {
        checkNotEncodedWord(local);
        if (DomainNames.isAscii(local)) {
            for (int i = 0; i < local.length(); i++) {
                char c = local.charAt(i);
                if (c < 0x20 || c == 0x7F) {
                    throw new InvalidAddressException("the local part '" + Addresses.printable(local) + "' holds a control character");
                }
            }
            return local;
        }
        return unicode(local);
    }

    /** A dot-atom of ASCII letters, digits and the symbols RFC 5322 allows (no {@code /}: it names a store file), at most 64 characters. */
    static String dotAtom(String local) throws InvalidAddressException {
        checkNotEncodedWord(local);
        checkDots(local);
        if (local.length() > MAX_OCTETS) {
            throw new InvalidAddressException("the local part '" + Addresses.printable(local) + "' is longer than " + MAX_OCTETS + " characters");
        }
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (!isAtext(c) || c == '/') {
                throw new InvalidAddressException("the local part '" + Addresses.printable(local) + "' holds '" + Addresses.printable(String.valueOf(c))
                    + "', which a plain mail address does not (letters, digits and . _ + - and the like)");
            }
        }
        return local;
    }

    /** A non-ASCII local part by the rules of this class; ASCII characters in it as in a dot-atom. */
    static String unicode(String local) throws InvalidAddressException {
        String shown = Addresses.printable(local);
        checkNotEncodedWord(local);
        checkDots(local);
        if (local.getBytes(StandardCharsets.UTF_8).length > MAX_OCTETS) {
            throw new InvalidAddressException("the local part '" + shown + "' is longer than " + MAX_OCTETS + " octets in UTF-8");
        }
        if (!Normalizer.isNormalized(local, Normalizer.Form.NFC)) {
            throw new InvalidAddressException("the local part '" + shown + "' is not in Unicode normalisation form C");
        }
        if (!Normalizer.isNormalized(local, Normalizer.Form.NFKC)) {
            throw new InvalidAddressException("the local part '" + shown + "' holds a compatibility character (full-width, a ligature,"
                + " a styled letter) that stands for another: it is not in Unicode normalisation form KC");
        }
        if (Characters.isMark(local.codePointAt(0))) {
            throw new InvalidAddressException("the local part '" + shown + "' starts with a combining mark");
        }
        for (int i = 0; i < local.length(); ) {
            int c = local.codePointAt(i);
            i += Character.charCount(c);
            boolean allowed = c < 0x80 ? isAtext((char) c) && c != '/' : Characters.isLetterMarkOrDigit(c) && !Characters.isRefused(c);
            if (!allowed) {
                throw new InvalidAddressException("the local part '" + shown + "' holds " + Addresses.codePoint(c) + ", which a"
                    + " sender address may not hold (letters, marks and digits besides . _ + - and the like)");
            }
        }
        Scripts.checkSingle(local, "the local part '" + shown + "'");
        return local;
    }

    private static void checkDots(String local) throws InvalidAddressException {
        if (local.isEmpty() || local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            throw new InvalidAddressException("the local part '" + Addresses.printable(local) + "' is empty, starts or ends with a dot,"
                + " or has two dots in a row");
        }
    }

    private static void checkNotEncodedWord(String local) throws InvalidAddressException {
        int start = local.indexOf("=?");
        if (start >= 0 && local.indexOf("?=", start + 2) >= 0) {
            throw new InvalidAddressException("the local part '" + Addresses.printable(local) + "' looks like an RFC 2047 encoded word,"
                + " which some clients show decoded as another address");
        }
    }

    private static boolean isAtext(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || ATEXT_SYMBOLS.indexOf(c) >= 0;
    }
}
