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
package io.github.jamessmime.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.jamessmime.testing.OcspResponder;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

/**
 * OCSP in a real James: a certificate its loopback responder ({@code openssl ocsp}) revokes stops being used
 * within the revocation refresh interval (1 minute here), while a certificate without a responder is unaffected.
 */
class OcspInJamesTest {

    private static final String BILLING = "billing@shop.example";
    private static final String SUPPORT = "support@shop.example";
    private static final String PASSWORD = "user-secret";
    private static final String RECIPIENT = "customer@remote.example";
    private static final Duration DELIVERY = Duration.ofSeconds(60);

    private static Path run;
    private static ItStore store;
    private static OcspResponder responder;
    private static TestPki.Issued billing;
    private static OutboxSinkProcess sink;
    private static JamesServerProcess james;

    @RegisterExtension
    static final PrintJamesLogOnFailure PRINT_LOG = new PrintJamesLogOnFailure(() -> james, 150);

    @BeforeAll
    static void startJames() throws Exception {
        run = ItEnvironment.newRunDirectory(OcspInJamesTest.class.getSimpleName());
        store = ItStore.create(run.resolve("pki"));
        TestPki pki = store.pki();
        TestPki.Issued delegated = pki.ocspResponder(5);
        responder = OcspResponder.start(run.resolve("ocsp"), pki.intermediate(), delegated.certificate(), delegated.privateKey(), 0);
        billing = pki.sender(BILLING).ocspResponder(responder.url()).issue();
        store.write(store.directory().resolve("billing.p12"), billing);
        store.add("support.p12", pki.sender(SUPPORT).keyIndex(1));
        responder.index(List.of(OcspResponder.entry(billing.certificate(), null)));
        Files.createDirectories(run.resolve("received"));
        sink = OutboxSinkProcess.start(Files.createDirectories(run.resolve("outbox")));
        james = JamesServerProcess.builder("james")
            .workingDirectory(run.resolve("james"))
            .relayGateway(sink.host(), sink.port())
            .smimeStore(store)
            .env("SMIME_REVOCATION_REFRESH_MINUTES", "1")
            // the test's responder listens on loopback, which is asked only when named (as an internal CA's host)
            .env("SMIME_REVOCATION_ALLOWED_HOSTS", "127.0.0.1")
            .start();
        james.webAdmin().createDomain("shop.example");
        james.webAdmin().createUser(BILLING, PASSWORD);
        james.webAdmin().createUser(SUPPORT, PASSWORD);
    }

    @AfterAll
    static void stopJames() throws Exception {
        ItEnvironment.closeAll(james, sink, responder);
    }

    private static byte[] send(String sender) throws Exception {
        String messageId = "<" + UUID.randomUUID() + "@it.james-smime.test>";
        byte[] mail = ("From: " + sender + "\r\nTo: " + RECIPIENT + "\r\nSubject: Invoice\r\nMessage-ID: " + messageId
            + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nYour invoice.\r\n").getBytes(StandardCharsets.US_ASCII);
        TestMessage.sendRawAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), sender, PASSWORD, RECIPIENT, mail);
        return sink.awaitCopies(messageId, 1, DELIVERY).get(0);
    }

    private static boolean signedAndVerified(byte[] mail, String fileName) throws Exception {
        if (!Verifiers.parse(mail).getContentType().toLowerCase(Locale.ROOT).startsWith("multipart/signed")) {
            return false;
        }
        Path file = Files.write(run.resolve("received").resolve(fileName), mail);
        OpenSsl.Result openssl = OpenSsl.cmsVerify(file, store.rootPem());
        assertThat(openssl.ok()).as("openssl verification of %s:\n%s", file, openssl).isTrue();
        assertThat(Verifiers.bouncyCastle(mail).signatureValid).as("BouncyCastle's verification of %s", file).isTrue();
        return true;
    }

    @Test
    void certificateRevokedAtItsResponderShouldStopBeingUsedWithinTheRefreshInterval() throws Exception {
        assertThat(signedAndVerified(send(BILLING), "billing-good.eml")).as("signed while the responder says good").isTrue();

        Instant revokedAt = Instant.now();
        responder.index(List.of(OcspResponder.entry(billing.certificate(), revokedAt)));
        long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
        while (!james.log().contains("according to its OCSP responder " + responder.url())) {
            assertThat(System.nanoTime()).as("James refused the revoked certificate within the refresh interval").isLessThan(deadline);
            Thread.sleep(500);
        }

        assertThat(signedAndVerified(send(BILLING), "billing-revoked.eml")).as("signed after the revocation").isFalse();
        assertThat(signedAndVerified(send(SUPPORT), "support.eml")).as("a certificate without a responder is unaffected").isTrue();
        assertThat(james.log()).contains("left unsigned (From " + BILLING + "): NO_CERTIFICATE");
    }
}
