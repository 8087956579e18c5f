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

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.jamessmime.core.health.StoreHealth;
import io.github.jamessmime.core.net.AddressPolicy;
import io.github.jamessmime.testing.MutableClock;
import io.github.jamessmime.testing.TestPki;

class RevocationTest {
    /** The test's distribution points listen on loopback, asked only when named, as an operator names an internal CA. */
    static final AddressPolicy LOOPBACK_CA = AddressPolicy.allowing(List.of("127.0.0.1"));
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final char[] PASSWORD = "pw".toCharArray();
    static final String SENDER = "billing@shop.example";

    @TempDir
    Path work;
    MutableClock clock = new MutableClock(NOW);
    TestPki pki = TestPki.create(NOW);
    HttpServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    private CertificateStore open(RevocationChecker checker) throws Exception {
        return CertificateStore.open(work.resolve("store"), PASSWORD, clock, Optional.of(work.resolve("store/.index")), checker, pki.rules());
    }

    @Test
    void certificateRevokedByACrlInTheDirectoryShouldNotBeUsedAndShouldMakeTheStoreUnhealthy() throws Exception {
        TestPki.Issued issued = pki.sender(SENDER).issue();
        issued.writePkcs12(Files.createDirectories(work.resolve("store")).resolve("billing.p12"), PASSWORD);
        Files.write(Files.createDirectories(work.resolve("crls")).resolve("intermediate.crl"), pki.crl(issued.certificate()));

        CertificateStore store = open(new RevocationChecker(Optional.of(work.resolve("crls")), false, Duration.ofSeconds(2), clock));

        assertThat(store.find(SENDER)).isEmpty();
        assertThat(store.reports().get(0).refusal()).get().asString().contains("was revoked on").contains("KEY_COMPROMISE");
        StoreHealth health = StoreHealth.evaluate(store, NOW, Duration.ofDays(30));
        assertThat(health.status()).isEqualTo(StoreHealth.Status.UNHEALTHY);
        assertThat(health.summary()).startsWith("none of the 1 certificate files is usable, so nothing is signed; ")
            .contains(SENDER + ": no usable certificate, certificate for [" + SENDER + "]");
    }

    @Test
    void crlThatDoesNotRevokeTheCertificateShouldLeaveItUsable() throws Exception {
        TestPki.Issued issued = pki.sender(SENDER).keyIndex(0).issue();
        TestPki.Issued other = pki.sender("other@shop.example").keyIndex(1).issue();
        issued.writePkcs12(Files.createDirectories(work.resolve("store")).resolve("billing.p12"), PASSWORD);
        Files.write(Files.createDirectories(work.resolve("crls")).resolve("intermediate.crl"), pki.crl(other.certificate()));

        assertThat(open(new RevocationChecker(Optional.of(work.resolve("crls")), false, Duration.ofSeconds(2), clock)).find(SENDER)).isPresent();
    }

    @Test
    void crlNotSignedByTheIssuerShouldBeIgnored() throws Exception {
        TestPki.Issued issued = pki.sender(SENDER).issue();
        issued.writePkcs12(Files.createDirectories(work.resolve("store")).resolve("billing.p12"), PASSWORD);
        Files.write(Files.createDirectories(work.resolve("crls")).resolve("forged.crl"), pki.forgedCrl(issued.certificate()));

        assertThat(open(new RevocationChecker(Optional.of(work.resolve("crls")), false, Duration.ofSeconds(2), clock)).find(SENDER)).isPresent();
    }

    @Test
    void certificateRevokedAtItsDistributionPointShouldNotBeUsedAndTheCrlShouldBeCached() throws Exception {
        AtomicInteger fetches = new AtomicInteger();
        byte[][] served = new byte[1][];
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/intermediate.crl", exchange -> {
            fetches.incrementAndGet();
            exchange.sendResponseHeaders(200, served[0].length);
            exchange.getResponseBody().write(served[0]);
            exchange.close();
        });
        server.start();
        String uri = "http://127.0.0.1:" + server.getAddress().getPort() + "/intermediate.crl";
        TestPki.Issued issued = pki.sender(SENDER).crlDistributionPoint(uri).issue();
        served[0] = pki.crl(issued.certificate());
        issued.writePkcs12(Files.createDirectories(work.resolve("store")).resolve("billing.p12"), PASSWORD);

        CertificateStore store = open(new RevocationChecker(Optional.empty(), true, Duration.ofSeconds(2), clock, OcspChecker.disabled(), LOOPBACK_CA));
        store.reload();

        assertThat(store.find(SENDER)).isEmpty();
        assertThat(store.reports().get(0).refusal()).get().asString().contains("was revoked on");
        assertThat(fetches.get()).as("fetched once, then cached until nextUpdate").isEqualTo(1);
        clock.advance(Duration.ofDays(8));
        store.reload();
        // the load uses the copy it has and fetches the new one in the background, without holding the store
        assertThat(store.find(SENDER)).as("still revoked by the stale copy meanwhile").isEmpty();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (fetches.get() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(fetches.get()).as("fetched again after nextUpdate").isEqualTo(2);
    }

    @Test
    void unreachableDistributionPointShouldLeaveTheCertificateUsable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        TestPki.Issued issued = pki.sender(SENDER).crlDistributionPoint("http://127.0.0.1:" + closedPort + "/intermediate.crl").issue();
        issued.writePkcs12(Files.createDirectories(work.resolve("store")).resolve("billing.p12"), PASSWORD);

        assertThat(open(new RevocationChecker(Optional.empty(), true, Duration.ofSeconds(2), clock, OcspChecker.disabled(), LOOPBACK_CA)).find(SENDER)).isPresent();
    }
}
