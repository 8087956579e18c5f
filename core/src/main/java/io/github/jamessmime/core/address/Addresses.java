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

import java.util.Locale;
import java.util.Optional;

/** Address normalisation shared by the store and the policy: the domain is compared case-insensitively. */
public final class Addresses {
    private Addresses() {
    }

    /**
     * {@code Local@Example.COM} becomes {@code Local@example.com}; anything that is not a single
     * {@code local@domain} gives empty.
     */
    public static Optional<String> normalize(String address) {
        if (address == null) {
            return Optional.empty();
        }
        String trimmed = address.trim();
        int at = trimmed.lastIndexOf('@');
        if (at <= 0 || at == trimmed.length() - 1 || trimmed.indexOf('@') != at) {
            return Optional.empty();
        }
        String domain = trimmed.substring(at + 1).toLowerCase(Locale.ROOT);
        if (domain.startsWith(".") || domain.endsWith(".") || domain.contains("..")) {
            return Optional.empty();
        }
        return Optional.of(trimmed.substring(0, at) + "@" + domain);
    }

    /**
     * A certificate's rfc822Name when it is a plain mailbox, normalised: a dot-atom local part of at most 64
     * characters (letters, digits and {@code ! # $ % & ' * + - = ? ^ _ ` { | } ~}, dots only between them; no
     * {@code /}), {@code @}, a domain of letter-digit-hyphen labels; at most 254 characters in all. Such a value
     * is a single file name component (no separator, no {@code ..}, no control character), so it may name a
     * store file. Anything else (quoted local parts, address literals, paths) gives empty.
     */
    public static Optional<String> mailbox(String value) {
        if (value == null || value.length() > MAX_MAILBOX || value.isEmpty()) {
            return Optional.empty();
        }
        int at = value.lastIndexOf('@');
        if (at <= 0 || at > MAX_LOCAL_PART || at == value.length() - 1 || value.indexOf('@') != at) {
            return Optional.empty();
        }
        String local = value.substring(0, at);
        String domain = value.substring(at + 1);
        if (!isDotAtom(local) || !isDomain(domain)) {
            return Optional.empty();
        }
        return Optional.of(local + "@" + domain.toLowerCase(Locale.ROOT));
    }

    private static final int MAX_MAILBOX = 254;
    private static final int MAX_LOCAL_PART = 64;
    private static final String ATEXT_SYMBOLS = "!#$%&'*+-=?^_`{|}~";

    private static boolean isDotAtom(String local) {
        if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            return false;
        }
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (!(isLetterOrDigit(c) || c == '.' || ATEXT_SYMBOLS.indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDomain(String domain) {
        for (String label : domain.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(isLetterOrDigit(c) || c == '-')) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean isLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** The domain of a normalised address. */
    public static String domainOf(String normalizedAddress) {
        return normalizedAddress.substring(normalizedAddress.lastIndexOf('@') + 1);
    }
}
