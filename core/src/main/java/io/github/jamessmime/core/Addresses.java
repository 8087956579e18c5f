package io.github.jamessmime.core;

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

    /** The domain of a normalised address. */
    public static String domainOf(String normalizedAddress) {
        return normalizedAddress.substring(normalizedAddress.lastIndexOf('@') + 1);
    }
}
