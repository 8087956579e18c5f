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

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.github.jamessmime.core.net.Cidr;

class SenderEntitlementTest {
    static final String FROM = "billing@shop.example";

    @Test
    void authenticatedUserShouldBeEntitledToOwnAddress() {
        assertThat(new SenderEntitlement(List.of(), Map.of()).decide(Optional.of("billing@shop.example"), Optional.of("203.0.113.5"), FROM)
            .entitled()).isTrue();
    }

    @Test
    void authenticatedUserShouldNotBeEntitledToOtherAddress() {
        SenderEntitlement.Decision decision = new SenderEntitlement(List.of(), Map.of())
            .decide(Optional.of("mallory@shop.example"), Optional.of("127.0.0.1"), FROM);

        assertThat(decision.entitled()).isFalse();
        assertThat(decision.reason()).contains("mallory@shop.example is neither billing@shop.example nor granted it");
    }

    @Test
    void unauthenticatedClientShouldNotBeEntitledByDefault() {
        assertThat(new SenderEntitlement(List.of(), Map.of()).decide(Optional.empty(), Optional.of("127.0.0.1"), FROM).entitled()).isFalse();
    }

    @Test
    void trustedNetworkShouldEntitleUnauthenticatedClient() {
        SenderEntitlement entitlement = new SenderEntitlement(List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("2001:db8::/32")), Map.of());

        assertThat(entitlement.decide(Optional.empty(), Optional.of("127.0.0.1"), FROM).entitled()).isTrue();
        assertThat(entitlement.decide(Optional.empty(), Optional.of("::ffff:127.0.0.1"), FROM).entitled()).isTrue();
        assertThat(entitlement.decide(Optional.empty(), Optional.of("2001:db8::25"), FROM).entitled()).isTrue();
        assertThat(entitlement.decide(Optional.empty(), Optional.of("192.0.2.1"), FROM).entitled()).isFalse();
        assertThat(entitlement.decide(Optional.empty(), Optional.of("localhost"), FROM).entitled()).isFalse();
        assertThat(entitlement.decide(Optional.empty(), Optional.empty(), FROM).entitled()).isFalse();
    }

    @Test
    void authenticatedSpooferShouldNotBeRescuedByTrustedNetwork() {
        SenderEntitlement entitlement = new SenderEntitlement(List.of(Cidr.parse("127.0.0.0/8")), Map.of());

        assertThat(entitlement.decide(Optional.of("mallory@shop.example"), Optional.of("127.0.0.1"), FROM).entitled()).isFalse();
    }

    @Test
    void grantShouldEntitleAuthenticatedUser() {
        SenderEntitlement entitlement = new SenderEntitlement(List.of(), Map.of("app@shop.example", Set.of("@shop.example")));

        assertThat(entitlement.decide(Optional.of("app@shop.example"), Optional.empty(), FROM).entitled()).isTrue();
        assertThat(entitlement.decide(Optional.of("app@shop.example"), Optional.empty(), "x@other.example").entitled()).isFalse();
    }

    @Test
    void cidrShouldMatchPrefixBits() {
        assertThat(Cidr.parse("192.168.4.0/22").contains("192.168.7.255")).isTrue();
        assertThat(Cidr.parse("192.168.4.0/22").contains("192.168.8.0")).isFalse();
        assertThat(Cidr.parse("10.0.0.1").contains("10.0.0.1")).isTrue();
        assertThat(Cidr.parse("10.0.0.1").contains("10.0.0.2")).isFalse();
    }
}
