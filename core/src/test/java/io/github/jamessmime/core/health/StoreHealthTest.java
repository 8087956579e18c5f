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
package io.github.jamessmime.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.RevocationChecker;
import io.github.jamessmime.testing.MutableClock;
import io.github.jamessmime.testing.TestPki;

class StoreHealthTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final Duration WARNING = Duration.ofDays(30);
    static final char[] PASSWORD = "pw".toCharArray();
    static TestPki pki;

    @TempDir
    Path directory;
    MutableClock clock;

    @BeforeAll
    static void createPki() {
        pki = TestPki.create(NOW);
    }

    @BeforeEach
    void setUp() {
        clock = new MutableClock(NOW);
    }

    private StoreHealth health() throws Exception {
        return StoreHealth.evaluate(CertificateStore.open(directory, PASSWORD, clock, Optional.of(directory.resolve(".index")), RevocationChecker.none(), pki.rules()),
            clock.instant(), WARNING);
    }

    private void issue(String address, int keyIndex, Instant notBefore, Instant notAfter) throws Exception {
        pki.sender(address).keyIndex(keyIndex).validity(notBefore, notAfter).issue()
            .writePkcs12(directory.resolve(address + "-" + keyIndex + ".p12"), PASSWORD);
    }

    @Test
    void healthShouldBeHealthyWhenEveryCertificateLastsLongerThanTheWarning() throws Exception {
        issue("billing@shop.example", 0, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(200)));

        StoreHealth health = health();

        assertThat(health.status()).isEqualTo(StoreHealth.Status.HEALTHY);
        assertThat(health.daysToFirstExpiry()).contains(200L);
    }

    @Test
    void healthShouldBeDegradedForACertificateTenDaysFromExpiry() throws Exception {
        issue("billing@shop.example", 0, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(200)));
        issue("parcels@shop.example", 1, NOW.minus(Duration.ofDays(300)), NOW.plus(Duration.ofDays(10)));

        StoreHealth health = health();

        assertThat(health.status()).isEqualTo(StoreHealth.Status.DEGRADED);
        assertThat(health.problems()).singleElement().asString().startsWith("parcels@shop.example: certificate expires on")
            .contains("(in 10 days) and no renewal is pending: request one");
        assertThat(health.expiringWithoutRenewal()).containsExactly("parcels@shop.example");
        assertThat(health.daysToFirstExpiry()).contains(10L);
    }

    @Test
    void healthShouldStayHealthyWhenARenewalIsAlreadyInTheStore() throws Exception {
        issue("billing@shop.example", 0, NOW.minus(Duration.ofDays(300)), NOW.plus(Duration.ofDays(10)));
        issue("billing@shop.example", 1, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(365)));

        assertThat(health().status()).isEqualTo(StoreHealth.Status.HEALTHY);
    }

    @Test
    void healthShouldBeUnhealthyWhenASendersOnlyCertificateExpired() throws Exception {
        issue("billing@shop.example", 0, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(200)));
        issue("parcels@shop.example", 1, NOW.minus(Duration.ofDays(300)), NOW.minus(Duration.ofDays(2)));

        StoreHealth health = health();

        assertThat(health.status()).isEqualTo(StoreHealth.Status.UNHEALTHY);
        assertThat(health.summary()).startsWith("parcels@shop.example: no usable certificate, certificate for [parcels@shop.example] expired on");
    }

    @Test
    void healthShouldTurnUnhealthyWhenACertificateExpiresWhileLoadedAndAfterARestart() throws Exception {
        issue("parcels@shop.example", 0, NOW.minus(Duration.ofDays(300)), NOW.plus(Duration.ofDays(1)));
        CertificateStore store = CertificateStore.open(directory, PASSWORD, clock, Optional.of(directory.resolve(".index")), RevocationChecker.none(), pki.rules());
        clock.advance(Duration.ofDays(2));

        assertThat(StoreHealth.evaluate(store, clock.instant(), WARNING).status()).isEqualTo(StoreHealth.Status.UNHEALTHY);
        assertThat(health().status()).as("after a restart from the index").isEqualTo(StoreHealth.Status.UNHEALTHY);
    }

    @Test
    void healthShouldBeUnhealthyWhenTheStorePasswordOpensNothing() throws Exception {
        issue("billing@shop.example", 0, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(200)));
        issue("parcels@shop.example", 1, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(200)));
        health();

        StoreHealth wrongPassword = StoreHealth.evaluate(CertificateStore.open(directory, "not the password".toCharArray(), clock,
            Optional.of(directory.resolve(".index")), RevocationChecker.none(), pki.rules()), clock.instant(), WARNING);

        assertThat(wrongPassword.status()).isEqualTo(StoreHealth.Status.UNHEALTHY);
        assertThat(wrongPassword.summary()).startsWith("the store password (store.password) opens none of the 2 certificate files nor"
            + " the store index; correct it").contains("no restart needed").doesNotContain("wrong password");
    }

    @Test
    void healthShouldBeUnhealthyWhenNoFileIsUsableAndDegradedWhenOneIsRefused() throws Exception {
        Files.write(directory.resolve("corrupt.p12"), new byte[] {1, 2, 3});

        StoreHealth nothingUsable = health();
        issue("billing@shop.example", 0, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(200)));
        StoreHealth oneRefused = health();

        assertThat(nothingUsable.status()).isEqualTo(StoreHealth.Status.UNHEALTHY);
        assertThat(nothingUsable.summary()).startsWith("none of the 1 certificate files is usable, so nothing is signed")
            .contains("corrupt.p12 refused: not a readable PKCS#12 file");
        assertThat(oneRefused.status()).isEqualTo(StoreHealth.Status.DEGRADED);
        assertThat(oneRefused.problems()).singleElement().asString().startsWith("corrupt.p12 refused: not a readable PKCS#12 file");
    }

    @Test
    void thePublicSummaryOfAStoreOfManyBadFilesShouldNameTheFirstFewAndCountTheRest() throws Exception {
        issue("billing@shop.example", 0, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(200)));
        for (int i = 0; i < 2000; i++) {
            java.nio.file.Files.writeString(directory.resolve("junk-" + i + "@shop.example.p12"), "junk");
        }

        StoreHealth health = health();

        assertThat(health.status()).isEqualTo(StoreHealth.Status.DEGRADED);
        assertThat(health.problems()).hasSize(2000);
        assertThat(health.summary()).hasSizeLessThan(2000)
            .endsWith("; and 1995 more problems (2000 in all: GET /smime/certificates lists them, and the log)");
    }

    @Test
    void anEmptyStoreShouldBeDegradedNotHealthy() throws Exception {
        StoreHealth health = health();

        assertThat(health.status()).isEqualTo(StoreHealth.Status.DEGRADED);
        assertThat(health.summary()).startsWith("the store holds no certificate (" + directory).contains("nothing is signed");
    }
}
