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
package io.github.jamessmime.core.store;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import io.github.jamessmime.core.address.Addresses;

/**
 * The name a sender's file has in the store: its address key, which for an ASCII address is a single file name
 * component of letters, digits, {@code @}, dots and the dot-atom symbols (no separator, no {@code ..}, no control
 * character; {@link CertificateRules} lets nothing else through). A non-ASCII local part is written
 * {@code (utf-8)} and its UTF-8 octets percent-encoded ({@code jörg@shop.example} as
 * {@code (utf-8)j%C3%B6rg@shop.example}): file names stay ASCII whatever the file system's or the JVM's encoding
 * (a container without a UTF-8 locale cannot name a file otherwise), and no ASCII address, which never holds a
 * parenthesis, has the same name.
 */
public final class StoreFileNames {
    private static final String UTF8_MARK = "(utf-8)";

    private StoreFileNames() {
    }

    /** The file name stem of an address key (without {@code .p12}). */
    public static String stem(String key) {
        if (!Addresses.hasUnicodeLocalPart(key)) {
            return key;
        }
        int at = key.lastIndexOf('@');
        StringBuilder stem = new StringBuilder(UTF8_MARK);
        for (byte b : key.substring(0, at).getBytes(StandardCharsets.UTF_8)) {
            int octet = b & 0xFF;
            if (octet < 0x80 && octet != '%' && octet > 0x20) {
                stem.append((char) octet);
            } else {
                stem.append('%').append(Character.toUpperCase(Character.forDigit(octet >> 4, 16)))
                    .append(Character.toUpperCase(Character.forDigit(octet & 0xF, 16)));
            }
        }
        return stem.append(key, at, key.length()).toString();
    }

    /** The address key a stem stands for, when it is one {@link #stem} writes. */
    public static Optional<String> address(String stem) {
        if (!stem.startsWith(UTF8_MARK)) {
            return Addresses.normalize(stem).filter(stem::equals);
        }
        int at = stem.lastIndexOf('@');
        if (at < UTF8_MARK.length()) {
            return Optional.empty();
        }
        String encoded = stem.substring(UTF8_MARK.length(), at);
        byte[] octets = new byte[encoded.length()];
        int length = 0;
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%' && i + 2 < encoded.length()) {
                int value = Character.digit(encoded.charAt(i + 1), 16) << 4 | Character.digit(encoded.charAt(i + 2), 16);
                if (value < 0) {
                    return Optional.empty();
                }
                octets[length++] = (byte) value;
                i += 2;
            } else if (c >= 0x80 || c == '%') {
                return Optional.empty();
            } else {
                octets[length++] = (byte) c;
            }
        }
        String local = new String(octets, 0, length, StandardCharsets.UTF_8);
        return Addresses.normalize(local + stem.substring(at)).filter(key -> stem(key).equals(stem));
    }
}
