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
package io.github.jamessmime.core.policy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.github.jamessmime.core.address.Addresses;
import io.github.jamessmime.core.net.Cidr;

/**
 * Who may have mail signed as a From address. Secure by default: the submitter must have passed SMTP AUTH
 * as that very address, or as a user the operator granted the address (or its whole domain). Clients from
 * explicitly trusted networks (an application server on loopback, say) that did not authenticate may
 * have any address signed that the store holds a certificate for. Anything else is refused, so a spoofed
 * From is never signed.
 */
public final class SenderEntitlement {
    private final List<Cidr> trustedNetworks;
    private final Map<String, Set<String>> grants;

    /**
     * @param trustedNetworks networks whose unauthenticated clients may have any address signed
     * @param grants          per normalised SMTP user, the addresses and {@code @domain}s it may sign as besides its own
     */
    public SenderEntitlement(List<Cidr> trustedNetworks, Map<String, Set<String>> grants) {
        this.trustedNetworks = List.copyOf(trustedNetworks);
        this.grants = Map.copyOf(grants);
    }

    /** The outcome, with the reason for the log. */
    public static final class Decision {
        private final boolean entitled;
        private final String reason;

        private Decision(boolean entitled, String reason) {
            this.entitled = entitled;
            this.reason = reason;
        }

        static Decision refused(String reason) {
            return new Decision(false, reason);
        }

        public boolean entitled() {
            return entitled;
        }

        public String reason() {
            return reason;
        }

        @Override
        public String toString() {
            return (entitled ? "entitled: " : "not entitled: ") + reason;
        }
    }

    /**
     * @param authenticatedUser the SMTP AUTH user, if the submitter authenticated
     * @param remoteAddress     the submitter's IP address as a literal
     * @param fromAddress       the normalised From address
     */
    public Decision decide(Optional<String> authenticatedUser, Optional<String> remoteAddress, String fromAddress) {
        if (authenticatedUser.isPresent()) {
            String user = normalizeUser(authenticatedUser.get());
            if (user.equals(fromAddress)) {
                return new Decision(true, "SMTP AUTH user " + user + " is the From address");
            }
            Set<String> granted = grants.getOrDefault(user, Set.of());
            if (granted.contains(fromAddress) || granted.contains("@" + Addresses.domainOf(fromAddress))) {
                return new Decision(true, "SMTP AUTH user " + user + " is granted " + fromAddress);
            }
            return new Decision(false, "SMTP AUTH user " + user + " is neither " + fromAddress + " nor granted it");
        }
        if (remoteAddress.isPresent()) {
            for (Cidr network : trustedNetworks) {
                if (network.contains(remoteAddress.get())) {
                    return new Decision(true, "unauthenticated client " + remoteAddress.get() + " is in trusted network " + network);
                }
            }
        }
        return new Decision(false, "unauthenticated client " + remoteAddress.orElse("(unknown address)")
            + " is not in a trusted network");
    }

    /** An SMTP user name as the grants are keyed: a mail address normalised, anything else trimmed. */
    public static String normalizeUser(String user) {
        return Addresses.normalize(user).orElse(user.trim());
    }

    @Override
    public String toString() {
        return "SenderEntitlement{trustedNetworks=" + trustedNetworks + ", grants for " + grants.size() + " users}";
    }
}
