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
package io.github.jamessmime.core.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which addresses a revocation request may reach. URLs come from certificates, which whoever issued them chose: by
 * default only public addresses are asked, never this host (loopback, where WebAdmin listens), link-local (cloud
 * metadata services), private, shared (100.64/10) or unique-local ranges. The internal CA's hosts an operator names
 * (by host name as the URL writes it, or by address or CIDR) are allowed as well.
 */
public final class AddressPolicy {
    private final Set<String> hosts;
    private final List<Cidr> networks;

    private AddressPolicy(Set<String> hosts, List<Cidr> networks) {
        this.hosts = hosts;
        this.networks = networks;
    }

    /** Public addresses only. */
    public static AddressPolicy publicOnly() {
        return new AddressPolicy(Set.of(), List.of());
    }

    /**
     * Public addresses, and these internal ones: each entry a host name (compared as the URL writes it, any case), an IP
     * address, or a CIDR.
     *
     * @throws IllegalArgumentException naming an entry that is none of these
     */
    public static AddressPolicy allowing(List<String> entries) {
        Set<String> names = entries.stream().map(String::trim).filter(entry -> !entry.isEmpty())
            .filter(entry -> !looksLikeAddress(entry)).map(entry -> entry.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        for (String name : names) {
            if (!name.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
                throw new IllegalArgumentException("'" + name + "' is neither a host name, an IP address nor a CIDR");
            }
        }
        List<Cidr> cidrs = entries.stream().map(String::trim).filter(AddressPolicy::looksLikeAddress).map(Cidr::parse)
            .collect(Collectors.toList());
        return new AddressPolicy(Set.copyOf(names), List.copyOf(cidrs));
    }

    /** Why a request for {@code host} may not go to {@code address}; empty when it may. */
    public Optional<String> refusal(String host, InetAddress address) {
        if (hosts.contains(host.toLowerCase(Locale.ROOT)) || networks.stream().anyMatch(cidr -> cidr.contains(address.getHostAddress()))) {
            return Optional.empty();
        }
        return internal(address).map(kind -> host + " is " + address.getHostAddress() + ", " + kind
            + ": not asked (name the CA's host in revocation.allowedHosts if it is yours)");
    }

    private static Optional<String> internal(InetAddress address) {
        if (address.isLoopbackAddress()) {
            return Optional.of("a loopback address");
        }
        if (address.isAnyLocalAddress()) {
            return Optional.of("the unspecified address");
        }
        if (address.isLinkLocalAddress()) {
            return Optional.of("a link-local address");
        }
        if (address.isMulticastAddress()) {
            return Optional.of("a multicast address");
        }
        if (address.isSiteLocalAddress()) {
            return Optional.of("a private address");
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = bytes[0] & 0xff;
            int second = bytes[1] & 0xff;
            if (first == 0 || (first == 100 && second >= 64 && second < 128) || first >= 240 || (first == 192 && second == 0 && bytes[2] == 0)
                || (first == 198 && (second == 18 || second == 19))) {
                return Optional.of("a reserved or shared address");
            }
        } else if (address instanceof Inet6Address) {
            if ((bytes[0] & 0xfe) == 0xfc) {
                return Optional.of("a unique-local address");
            }
            // IPv4 carried in IPv6: mapped and compatible (::ffff:a.b.c.d), NAT64 (64:ff9b::/96, 64:ff9b:1::/48) and 6to4
            // (2002:a.b.c.d::/48) reach the IPv4 address they carry
            byte[] v4 = null;
            if (isMappedOrCompatibleV4(bytes) || isNat64(bytes)) {
                v4 = new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]};
            } else if (bytes[0] == 0x20 && bytes[1] == 0x02) {
                v4 = new byte[] {bytes[2], bytes[3], bytes[4], bytes[5]};
            }
            if (v4 != null) {
                try {
                    return internal(InetAddress.getByAddress(v4)).map(kind -> kind + " (IPv4 in IPv6)");
                } catch (java.net.UnknownHostException e) {
                    return Optional.of("an unreadable address");
                }
            }
        }
        return Optional.empty();
    }

    private static boolean looksLikeAddress(String entry) {
        return entry.contains(":") || entry.matches("[0-9./]+");
    }

    private static boolean isNat64(byte[] bytes) {
        boolean wellKnown = bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == (byte) 0xff && bytes[3] == (byte) 0x9b;
        if (!wellKnown) {
            return false;
        }
        // 64:ff9b::/96, or the local-use 64:ff9b:1::/48
        boolean zeros = true;
        for (int i = 4; i < 12; i++) {
            zeros &= bytes[i] == 0;
        }
        return zeros || (bytes[4] == 0 && bytes[5] == 1);
    }

    private static boolean isMappedOrCompatibleV4(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return (bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff) || (bytes[10] == 0 && bytes[11] == 0);
    }

    @Override
    public String toString() {
        return hosts.isEmpty() && networks.isEmpty() ? "public addresses only" : "public addresses and " + hosts + networks;
    }
}
