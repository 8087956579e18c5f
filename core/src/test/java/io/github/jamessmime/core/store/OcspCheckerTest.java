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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.jamessmime.core.health.StoreHealth;
import io.github.jamessmime.core.net.AddressPolicy;
import io.github.jamessmime.testing.OcspResponder;
import io.github.jamessmime.testing.TestPki;

/**
 * The OCSP checker against a real responder ({@code openssl ocsp}) on loopback. The responder dates its answers by
 * the real clock, so the PKI and the checker use the time the test started.
 */
class OcspCheckerTest {
    /** The test responders listen on loopback, which is asked only when named, as an operator names an internal CA. */
    static final AddressPolicy LOOPBACK_CA = AddressPolicy.allowing(List.of("127.0.0.1"));
    static final char[] PASSWORD = "pw".toCharArray();
    static final String SENDER = "billing@shop.example";

    @TempDir
    Path work;
    final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    final TestPki pki = TestPki.create(now);
    OcspResponder responder;
    TestPki.Issued delegated;

    @BeforeEach
    void startResponder() throws Exception {
        delegated = pki.ocspResponder(5);
        responder = OcspResponder.start(work.resolve("responder"), pki.intermediate(), delegated.certificate(), delegated.privateKey(), 60);
    }

    @AfterEach
    void stopResponder() {
        responder.close();
    }

    private static OcspChecker checker(OcspChecker.Unavailable unavailable, Duration maxAge) {
        return new OcspChecker(new OcspChecker.Settings(true, Duration.ofSeconds(3), unavailable), maxAge, Clock.systemUTC(), LOOPBACK_CA);
    }

    /** As a load of the store and the fetch after it: the load notes the question, the fetch asks it, the next load answers. */
    private Optional<String> refusal(OcspChecker checker, X509Certificate certificate) throws Exception {
        checker.refusal(certificate, pki.intermediate(), "[" + SENDER + "]");
        for (Callable<Boolean> question : checker.questions()) {
            question.call();
        }
        return checker.refusal(certificate, pki.intermediate(), "[" + SENDER + "]");
    }

    private X509Certificate certificate(String responderUrl) {
        return pki.sender(SENDER).ocspResponder(responderUrl).issue().certificate();
    }

    @Test
    void goodCertificateShouldStayUsableAndRevokedOneShouldNot() throws Exception {
        X509Certificate good = certificate(responder.url());
        X509Certificate revoked = certificate(responder.url());
        responder.index(List.of(OcspResponder.entry(good, null), OcspResponder.entry(revoked, now.minus(Duration.ofDays(2)))));
        OcspChecker checker = checker(OcspChecker.Unavailable.REFUSE, Duration.ofHours(1));

        assertThat(refusal(checker, good)).isEmpty();
        assertThat(refusal(checker, revoked)).get().asString()
            .startsWith("certificate for [" + SENDER + "] (serial " + revoked.getSerialNumber().toString(16) + ") was revoked on "
                + now.minus(Duration.ofDays(2)))
            .contains("(keyCompromise) according to its OCSP responder " + responder.url());
    }

    @Test
    void responseSignedByTheIssuerItselfShouldCount() throws Exception {
        responder.close();
        responder = OcspResponder.start(work.resolve("issuer-signed"), pki.intermediate(), pki.intermediate(), pki.intermediateKey(), 0);
        X509Certificate revoked = certificate(responder.url());
        responder.index(List.of(OcspResponder.entry(revoked, now.minus(Duration.ofHours(1)))));

        assertThat(refusal(checker(OcspChecker.Unavailable.USE, Duration.ofHours(1)), revoked)).get().asString().contains("was revoked on");
    }

    @Test
    void unknownCertificateShouldFollowThePolicy() throws Exception {
        X509Certificate unknown = certificate(responder.url());
        responder.index(List.of());

        assertThat(refusal(checker(OcspChecker.Unavailable.USE, Duration.ofHours(1)), unknown)).isEmpty();
        assertThat(refusal(checker(OcspChecker.Unavailable.REFUSE, Duration.ofHours(1)), unknown)).get().asString()
            .contains("the responder does not know the certificate").endsWith("it is not used (revocation.ocsp.unavailable=refuse)");
    }

    @Test
    void forgedResponseShouldNotCountEitherWay() throws Exception {
        responder.close();
        TestPki other = TestPki.createOther(now, "Forger");
        TestPki.Issued forger = other.ocspResponder(5);
        responder = OcspResponder.start(work.resolve("forged"), pki.intermediate(), forger.certificate(), forger.privateKey(), 60);
        X509Certificate saidRevoked = certificate(responder.url());
        X509Certificate saidGood = certificate(responder.url());
        responder.index(List.of(OcspResponder.entry(saidRevoked, now.minus(Duration.ofDays(1))), OcspResponder.entry(saidGood, null)));

        assertThat(refusal(checker(OcspChecker.Unavailable.USE, Duration.ofHours(1)), saidRevoked))
            .as("a forged 'revoked' does not take a certificate away").isEmpty();
        assertThat(refusal(checker(OcspChecker.Unavailable.REFUSE, Duration.ofHours(1)), saidGood))
            .as("a forged 'good' does not vouch for one").get().asString()
            .contains("the response is not signed by the issuer nor by a responder it authorised");
    }

    @Test
    void responderCertificateWithoutTheOcspSigningPurposeShouldNotCount() throws Exception {
        responder.close();
        TestPki.Issued noPurpose = pki.sender("responder").sanEmails().subject("CN=Not A Responder,O=james-smime tests").keyIndex(6)
            .extendedKeyUsage(KeyPurposeId.id_kp_emailProtection).keyUsage(KeyUsage.digitalSignature).issue();
        responder = OcspResponder.start(work.resolve("no-purpose"), pki.intermediate(), noPurpose.certificate(), noPurpose.privateKey(), 60);
        X509Certificate certificate = certificate(responder.url());
        responder.index(List.of(OcspResponder.entry(certificate, null)));

        assertThat(refusal(checker(OcspChecker.Unavailable.REFUSE, Duration.ofHours(1)), certificate)).get().asString()
            .contains("the response is not signed by the issuer nor by a responder it authorised");
    }

    @Test
    void verifiedRevocationShouldStandWhenTheResponderCannotBeAskedAgain() throws Exception {
        X509Certificate certificate = certificate(responder.url());
        responder.index(List.of(OcspResponder.entry(certificate, now.minus(Duration.ofHours(3)))));
        OcspChecker asking = checker(OcspChecker.Unavailable.USE, Duration.ZERO);
        assertThat(refusal(asking, certificate)).get().asString().contains("was revoked on");

        responder.close();

        assertThat(refusal(asking, certificate)).as("after the responder went away").get().asString().contains("was revoked on");
    }

    @Test
    void certificateWhoseIssuerIsNotAtHandShouldFollowThePolicy() {
        X509Certificate certificate = certificate(responder.url());

        assertThat(checker(OcspChecker.Unavailable.USE, Duration.ofHours(1)).refusalWithoutIssuer(certificate, "[" + SENDER + "]")).isEmpty();
        assertThat(checker(OcspChecker.Unavailable.REFUSE, Duration.ofHours(1)).refusalWithoutIssuer(certificate, "[" + SENDER + "]"))
            .get().asString().contains("its issuer's certificate is not in the file's chain");
    }

    @Test
    void hostileAnswersShouldFollowThePolicyAndNeverThrow() throws Exception {
        byte[][] served = {"<html>not OCSP</html>".getBytes(StandardCharsets.US_ASCII), new byte[2 * 1024 * 1024],
            {0x30, (byte) 0x84, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}};
        int[] next = {0};
        HttpServer hostile = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hostile.createContext("/", exchange -> {
            byte[] body = served[next[0]];
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        hostile.start();
        try {
            X509Certificate certificate = certificate("http://127.0.0.1:" + hostile.getAddress().getPort() + "/");
            for (next[0] = 0; next[0] < served.length; next[0]++) {
                assertThat(refusal(checker(OcspChecker.Unavailable.USE, Duration.ofHours(1)), certificate)).as("answer %d", next[0]).isEmpty();
                assertThat(refusal(checker(OcspChecker.Unavailable.REFUSE, Duration.ofHours(1)), certificate)).as("answer %d", next[0])
                    .get().asString().contains("is not known");
            }
        } finally {
            hostile.stop(0);
        }
    }

    @Test
    void unreachableResponderShouldFollowThePolicy() throws Exception {
        X509Certificate certificate = certificate("http://127.0.0.1:" + OcspResponder.freePort() + "/");

        assertThat(refusal(checker(OcspChecker.Unavailable.USE, Duration.ofHours(1)), certificate)).isEmpty();
        assertThat(refusal(checker(OcspChecker.Unavailable.REFUSE, Duration.ofHours(1)), certificate)).get().asString()
            .contains("unreachable");
    }

    @Test
    void answerShouldBeKeptUpToItsMaximumAgeThenAskedAgain() throws Exception {
        X509Certificate certificate = certificate(responder.url());
        responder.index(List.of(OcspResponder.entry(certificate, null)));
        OcspChecker keeping = checker(OcspChecker.Unavailable.REFUSE, Duration.ofHours(1));
        OcspChecker asking = checker(OcspChecker.Unavailable.REFUSE, Duration.ZERO);
        assertThat(refusal(keeping, certificate)).isEmpty();
        assertThat(refusal(asking, certificate)).isEmpty();

        responder.index(List.of(OcspResponder.entry(certificate, now)));

        assertThat(refusal(keeping, certificate)).as("cached good answer").isEmpty();
        assertThat(refusal(asking, certificate)).as("asked again").get().asString().contains("was revoked on");
    }

    @Test
    void certificateWithoutResponderShouldNotBeAskedAbout() throws Exception {
        X509Certificate plain = pki.sender(SENDER).issue().certificate();

        assertThat(OcspChecker.responders(plain)).isEmpty();
        assertThat(refusal(checker(OcspChecker.Unavailable.REFUSE, Duration.ofHours(1)), plain)).isEmpty();
    }

    @Test
    void storeShouldAskTheRespondersOfManyCertificatesAtOnce() throws Exception {
        int files = 8;
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        CountDownLatch allAsked = new CountDownLatch(files);
        HttpServer slow = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        slow.setExecutor(Executors.newFixedThreadPool(files));
        slow.createContext("/", exchange -> {
            mostAtOnce.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            allAsked.countDown();
            try {
                // a slow responder: it answers once every question is waiting, or after 3 s
                allAsked.await(3, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        slow.start();
        try {
            String url = "http://127.0.0.1:" + slow.getAddress().getPort() + "/";
            Path directory = Files.createDirectories(work.resolve("many"));
            for (int i = 0; i < files; i++) {
                pki.sender("sender" + i + "@shop.example").ocspResponder(url).issue().writePkcs12(directory.resolve(i + ".p12"), PASSWORD);
            }
            RevocationChecker revocation = new RevocationChecker(Optional.empty(), false, Duration.ofSeconds(2), Clock.systemUTC(),
                checker(OcspChecker.Unavailable.USE, Duration.ofHours(1)), LOOPBACK_CA);

            CertificateStore store = CertificateStore.open(directory, PASSWORD, Clock.systemUTC(), Optional.empty(), revocation, pki.rules());

            assertThat(store.find("sender0@shop.example")).as("usable: the responder's failure follows revocation.ocsp.unavailable=use")
                .isPresent();
            assertThat(mostAtOnce.get()).as("questions in flight at once").isGreaterThanOrEqualTo(4);
        } finally {
            slow.stop(0);
        }
    }

    @Test
    void storeShouldRefuseACertificateItsResponderRevokedAndReportIt() throws Exception {
        TestPki.Issued issued = pki.sender(SENDER).ocspResponder(responder.url()).issue();
        issued.writePkcs12(Files.createDirectories(work.resolve("store")).resolve("billing.p12"), PASSWORD);
        responder.index(List.of(OcspResponder.entry(issued.certificate(), now.minus(Duration.ofDays(1)))));
        RevocationChecker revocation = new RevocationChecker(Optional.empty(), false, Duration.ofSeconds(2), Clock.systemUTC(),
            checker(OcspChecker.Unavailable.USE, Duration.ofHours(1)), LOOPBACK_CA);

        CertificateStore store = CertificateStore.open(work.resolve("store"), PASSWORD, Clock.systemUTC(), Optional.empty(), revocation,
            pki.rules());

        assertThat(store.find(SENDER)).isEmpty();
        assertThat(store.reports().get(0).refusal()).get().asString().contains("according to its OCSP responder");
        assertThat(StoreHealth.evaluate(store, Instant.now(), Duration.ofDays(30)).status()).isEqualTo(StoreHealth.Status.UNHEALTHY);
    }

    @Test
    void aResponderOnThisHostShouldNotBeAskedUnlessNamed() throws Exception {
        X509Certificate revoked = certificate(responder.url());
        responder.index(List.of(OcspResponder.entry(revoked, now.minus(Duration.ofDays(1)))));
        OcspChecker publicOnly = new OcspChecker(new OcspChecker.Settings(true, Duration.ofSeconds(3), OcspChecker.Unavailable.REFUSE),
            Duration.ofHours(1), Clock.systemUTC());

        // the responder would say "revoked": not asked, the certificate follows revocation.ocsp.unavailable instead
        assertThat(refusal(publicOnly, revoked)).get().asString().contains("loopback address: not asked").doesNotContain("was revoked");
        assertThat(refusal(checker(OcspChecker.Unavailable.REFUSE, Duration.ofHours(1)), revoked)).get().asString().contains("was revoked");
    }

    @Test
    void aGoodAnswerPastItsNextUpdateShouldNotCountOnceTheResponderCannotBeAskedAgain() throws Exception {
        X509Certificate certificate = certificate(responder.url());
        responder.index(List.of(OcspResponder.entry(certificate, null)));
        io.github.jamessmime.testing.MutableClock clock = new io.github.jamessmime.testing.MutableClock(Instant.now());
        OcspChecker checker = new OcspChecker(new OcspChecker.Settings(true, Duration.ofSeconds(3), OcspChecker.Unavailable.REFUSE),
            Duration.ofMinutes(30), clock, LOOPBACK_CA);
        assertThat(refusal(checker, certificate)).isEmpty();

        responder.close();
        clock.advance(Duration.ofMinutes(45));
        assertThat(refusal(checker, certificate)).as("stale, but within the nextUpdate (60 min) the responder gave").isEmpty();
        clock.advance(Duration.ofMinutes(30));

        // blocking the responder must not keep an answer alive beyond what it vouched for (it might say "revoked" now)
        assertThat(refusal(checker, certificate)).get().asString().contains("is not known").endsWith("it is not used"
            + " (revocation.ocsp.unavailable=refuse)");
    }
}
