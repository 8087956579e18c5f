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
package io.github.jamessmime.core.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import io.github.jamessmime.core.address.Addresses;
import io.github.jamessmime.core.address.DomainNames;
import io.github.jamessmime.core.address.InvalidAddressException;
import io.github.jamessmime.core.policy.SenderEntitlement;

/**
 * The grants file of {@code entitlement.grants.file}: {@code smtpUser = address, @domain, ...}, the extra addresses
 * or whole domains an SMTP user may sign as. Wildcards are refused.
 */
public final class GrantsFile {
    private GrantsFile() {
    }

    /** Per normalised SMTP user, the normalised addresses and {@code @domain}s granted; {@code key} names it in errors. */
    public static Map<String, Set<String>> read(Path file, String key) throws InvalidConfigurationException {
        Map<String, Set<String>> grants = new HashMap<>();
        for (Map.Entry<String, String> entry : PropertiesFile.read(file, key).entrySet()) {
            Set<String> granted = new LinkedHashSet<>();
            for (String item : entry.getValue().split("[,\\s]+")) {
                if (!item.isBlank()) {
                    granted.add(grant(item, entry.getKey(), key));
                }
            }
            // two spellings of one user (müller.example and xn--mller-kva.example) are one user: their grants add up
            grants.merge(SenderEntitlement.normalizeUser(entry.getKey()), granted, (known, more) -> {
                known.addAll(more);
                return known;
            });
        }
        return grants;
    }

    private static String grant(String item, String user, String key) throws InvalidConfigurationException {
        if (item.contains("*")) {
            throw new InvalidConfigurationException(key + ": '" + item + "' granted to " + user
                + " is not a mail address: wildcards are not supported; write @shop.example for a whole domain");
        }
        if (item.startsWith("@")) {
            String domain = item.substring(1);
            if (domain.isEmpty() || domain.contains("@")) {
                throw new InvalidConfigurationException(key + ": '" + item + "' granted to " + user
                    + " is not a domain; write @shop.example or a full address");
            }
            try {
                return "@" + DomainNames.key(domain);
            } catch (InvalidAddressException e) {
                throw new InvalidConfigurationException(key + ": '" + item + "' granted to " + user + " is not a domain ("
                    + e.getMessage() + "); write @shop.example or a full address");
            }
        }
        try {
            return Addresses.key(item);
        } catch (InvalidAddressException e) {
            throw new InvalidConfigurationException(key + ": '" + item + "' granted to " + user + " is not a mail address ("
                + e.getMessage() + "); write billing@shop.example or @shop.example");
        }
    }
}
