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

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.jamessmime.core.net.AddressPolicy;
import io.github.jamessmime.testing.TestPki;

/**
 * A revocation service that answers a byte at a time (whoever runs a CA's responder, or its network, can do this): the
 * store's work goes on meanwhile, and what an operator deletes stops signing at once.
 */
class RevocationStallTest {
    static final char[] PASSWORD = "store-secret".toCharArray();
    static final Duration TIMEOUT = Duration.ofSeconds(3);
    static final String BILLING = "billing@shop.example";
    static final String PARCELS = "parcels@shop.example";

    @TempDir
    Path store;
    final TestPki pki = TestPki.create(Instant.now());
    final AtomicInteger connections = new AtomicInteger();
    ServerSocket trickling;

    @BeforeEach
    void startTricklingService() throws IOException {
        trickling = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!trickling.isClosed()) {
                try {
                    Socket socket = trickling.accept();
                    connections.incrementAndGet();
                    Thread answer = new Thread(() -> trickle(socket), "trickling-answer");
                    answer.setDaemon(true);
                    answer.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "trickling-service");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private static void trickle(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            in.read(new byte[4096]);
            for (char c : "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".toCharArray()) {
                out.write(c);
                out.flush();
                Thread.sleep(200);
            }
        } catch (IOException | InterruptedException e) {
            // cut off by the client: what the test wants
        }
    }

    @AfterEach
    void stop() throws IOException {
        trickling.close();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + trickling.getLocalPort() + path;
    }

    private CertificateStore open() throws StoreException {
        OcspChecker ocsp = new OcspChecker(new OcspChecker.Settings(true, TIMEOUT, OcspChecker.Unavailable.USE), Duration.ofHours(1),
            Clock.systemUTC(), AddressPolicy.allowing(List.of("127.0.0.1")));
        RevocationChecker revocation = new RevocationChecker(Optional.empty(), true, TIMEOUT, Clock.systemUTC(), ocsp,
            AddressPolicy.allowing(List.of("127.0.0.1")));
        return CertificateStore.open(store, PASSWORD, Clock.systemUTC(), Optional.empty(), revocation, pki.rules());
    }

    private static long millis(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
    }

    @Test
    void theStartShouldWaitForTheFirstAnswersNoLongerThanTheirDeadline() throws Exception {
        pki.sender(BILLING).ocspResponder(url("/ocsp-a")).crlDistributionPoint(url("/a.crl")).issue()
            .writePkcs12(store.resolve("billing.p12"), PASSWORD);

        long start = System.nanoTime();
        CertificateStore opened = open();

        assertThat(millis(start)).as("asked at once, each cut at its deadline").isLessThan(TIMEOUT.toMillis() + 2000);
        assertThat(connections.get()).as("the responder and the distribution point were both asked").isEqualTo(2);
        assertThat(opened.find(BILLING)).as("usable: revocation.ocsp.unavailable=use").isPresent();
    }

    @Test
    void aDeleteDuringAStalledFetchShouldTakeEffectAtOnce() throws Exception {
        TestPki.Issued billing = pki.sender(BILLING).ocspResponder(url("/ocsp-a")).issue();
        billing.writePkcs12(store.resolve("billing.p12"), PASSWORD);
        CertificateStore opened = open();
        String fingerprint = opened.find(BILLING).orElseThrow().fingerprint();
        // a new sender whose responder (another URL, so not backed off) stalls the next fetch
        pki.sender(PARCELS).ocspResponder(url("/ocsp-b")).issue().writePkcs12(store.resolve("parcels.p12"), PASSWORD);
        int before = connections.get();

        long reload = System.nanoTime();
        opened.reload();
        assertThat(millis(reload)).as("a reload never waits on a responder").isLessThan(1000);
        long waitForStall = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (connections.get() == before && System.nanoTime() < waitForStall) {
            Thread.sleep(10);
        }
        assertThat(connections.get()).as("the stalled question is on its way").isGreaterThan(before);

        long delete = System.nanoTime();
        assertThat(opened.delete(fingerprint)).contains(store.resolve("billing.p12"));

        assertThat(millis(delete)).as("a delete never waits on a responder").isLessThan(1000);
        assertThat(opened.find(BILLING)).as("the deleted certificate signs nothing more").isEmpty();
        assertThat(opened.find(PARCELS)).isPresent();
        assertThat(Files.exists(store.resolve("billing.p12"))).isFalse();
    }
}
