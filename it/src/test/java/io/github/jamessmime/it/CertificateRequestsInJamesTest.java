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

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.jamessmime.it.SmtpSink.ReceivedMail;
import io.github.jamessmime.testing.OpensslCa;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

/**
 * A certificate obtained and renewed as an operator does, against a real James: the drop-in jar makes the key in the
 * store James runs on and prints its request, a real CA (openssl) signs it, the jar installs the certificate, and James
 * signs with it; a renewal installed before the certificate in use expires takes over at its notBefore, every mail
 * between signed. No private key is ever written outside the store.
 */
class CertificateRequestsInJamesTest {
    private static final String DOMAIN = "shop.example";
    private static final String BILLING = "billing@" + DOMAIN;
    private static final String PARCELS = "parcels@" + DOMAIN;
    private static final String ORDERS = "orders@" + DOMAIN;
    private static final String USER_PASSWORD = "user-secret";
    private static final String RECIPIENT = "customer@remote.example";
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(60);

    private static Path run;
    private static ItStore store;
    private static OpensslCa ca;
    private static SmtpSink sink;
    private static JamesServerProcess james;

    @RegisterExtension
    static final PrintJamesLogOnFailure PRINT_LOG = new PrintJamesLogOnFailure(() -> james, 150);

    @BeforeAll
    static void startJames() throws Exception {
        run = ItEnvironment.newRunDirectory(CertificateRequestsInJamesTest.class.getSimpleName());
        store = ItStore.create(run.resolve("pki"));
        ca = new OpensslCa(store.pki(), run.resolve("ca"));
        Files.createDirectories(run.resolve("received"));
        sink = SmtpSink.start();
        james = JamesServerProcess.builder("james")
            .workingDirectory(run.resolve("james"))
            .relayGateway(sink.host(), sink.port())
            .smimeStore(store)
            .env("SMIME_STORE_RELOAD_SECONDS", "1")
            .start();
        WebAdminClient webAdmin = james.webAdmin();
        webAdmin.createDomain(DOMAIN);
        webAdmin.createUser(BILLING, USER_PASSWORD);
        webAdmin.createUser(PARCELS, USER_PASSWORD);
    }

    @AfterAll
    static void stopJames() throws Exception {
        ItEnvironment.closeAll(james, sink);
    }

    private static DropInJar.Run jar(String command, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(command, "--store", store.directory().toString(), "--password-file",
            store.passwordFile().toString(), "--trust-anchors", store.rootPem().toString(), "--no-fetch-crls"));
        all.addAll(List.of(args));
        return DropInJar.run(all.toArray(new String[0]));
    }

    private static ReceivedMail send(String from, String subject) throws Exception {
        TestMessage mail = TestMessage.text(from, RECIPIENT, subject);
        mail.sendAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), from, USER_PASSWORD);
        return sink.awaitMessageId(mail.messageId(), DELIVERY_TIMEOUT);
    }

    /** The signer of a delivered message, after openssl and BouncyCastle verified it. */
    private static X509Certificate verifiedSigner(ReceivedMail received, String name) throws Exception {
        Path file = Files.write(run.resolve("received").resolve(name + ".eml"), received.raw());
        OpenSsl.Result openssl = OpenSsl.cmsVerify(file, store.rootPem());
        assertThat(openssl.ok()).as("openssl verification of %s:\n%s", file, openssl).isTrue();
        Verifiers.BcResult bc = Verifiers.bouncyCastle(received.raw());
        assertThat(bc.signatureValid).as("BouncyCastle verification of %s", file).isTrue();
        try (InputStream in = Files.newInputStream(openssl.signerCertificates)) {
            X509Certificate signer = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            assertThat(bc.signer).isEqualTo(signer);
            return signer;
        }
    }

    private static X509Certificate install(X509Certificate issued, String name) throws Exception {
        Path pem = Files.write(run.resolve(name + ".pem"), ca.chainPem(issued));
        DropInJar.Run install = jar("install", pem.toString());
        assertThat(install.exitCode).as(install.output).isZero();
        return issued;
    }

    @Test
    void aCertificateRequestedSignedByARealCaAndInstalledShouldSignInJames() throws Exception {
        Path requests = run.resolve("requests");
        DropInJar.Run request = jar("request", "--out", requests.toString(), BILLING);
        assertThat(request.exitCode).as(request.output).isZero();
        assertThat(request.output).contains(BILLING + ": made a rsa-2048 key in .pending/" + BILLING + ".p12");
        String csr = Files.readString(requests.resolve(BILLING + ".csr.pem"));

        X509Certificate issued = install(ca.sign(csr, OpensslCa.Profile.sender(BILLING, Instant.now().minus(Duration.ofMinutes(5)))),
            "billing");

        ReceivedMail received = awaitSigned(BILLING, "Invoice – first with the requested certificate");
        assertThat(verifiedSigner(received, "requested")).isEqualTo(issued);
        assertNoPrivateKeyOutsideTheStore();
    }

    @Test
    void aCertificateRequestedAndInstalledOverWebAdminShouldSignInJames() throws Exception {
        WebAdminClient webAdmin = james.webAdmin();
        webAdmin.createUser(ORDERS, USER_PASSWORD);

        HttpResponse<byte[]> requested = webAdmin.postJson("/smime/requests", "{\"addresses\":[\"" + ORDERS + "\"],\"keyType\":\"ec-p256\"}");
        assertThat(requested.statusCode()).as(new String(requested.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        java.util.regex.Matcher field = java.util.regex.Pattern.compile("\"csr\"\\s*:\\s*\"([^\"]+)\"")
            .matcher(new String(requested.body(), StandardCharsets.UTF_8));
        assertThat(field.find()).as("the request in the answer").isTrue();
        String csr = field.group(1).replace("\\n", "\n");
        X509Certificate issued = ca.sign(csr, OpensslCa.Profile.sender(ORDERS, Instant.now().minus(Duration.ofMinutes(5))));
        HttpResponse<byte[]> installed = webAdmin.exchange(webAdmin.request("/smime/requests/" + WebAdminClient.encodeSegment(ORDERS)
            + "/certificate").header("Content-Type", "application/pem-certificate-chain")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(ca.chainPem(issued))));

        assertThat(installed.statusCode()).as(new String(installed.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        ReceivedMail received = awaitSigned(ORDERS, "Order confirmation – signed with a certificate requested over WebAdmin");
        assertThat(verifiedSigner(received, "requested-over-webadmin")).isEqualTo(issued);
        assertThat(webAdmin.get("/smime/requests/" + WebAdminClient.encodeSegment(ORDERS)).statusCode()).isEqualTo(404);
        assertNoPrivateKeyOutsideTheStore();
    }

    @Test
    void aRenewalInstalledBeforeExpiryShouldTakeOverAtItsNotBeforeWithEveryMailSigned() throws Exception {
        TestPki.Issued current = store.pki().sender(PARCELS).keyIndex(1)
            .validity(Instant.now().minus(Duration.ofDays(300)), Instant.now().plus(Duration.ofDays(10))).issue();
        store.write(store.directory().resolve("parcels.p12"), current);
        awaitSigned(PARCELS, "Parcel notice – before the renewal");

        Path requests = run.resolve("renewals");
        DropInJar.Run renew = jar("request", "--renew", "--out", requests.toString());
        assertThat(renew.exitCode).as(renew.output).isZero();
        assertThat(renew.output).contains(PARCELS + ": made a rsa-2048 key").doesNotContain(BILLING + ":");
        Instant takeOver = Instant.now().plus(Duration.ofSeconds(20)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        X509Certificate renewed = install(ca.sign(Files.readString(requests.resolve(PARCELS + ".csr.pem")),
            OpensslCa.Profile.sender(PARCELS, takeOver)), "parcels-renewed");
        assertThat(jar("check").output).as("the certificate in use and its renewal, side by side").contains("parcels.p12: " + PARCELS)
            .contains(PARCELS + ".p12: " + PARCELS);

        List<X509Certificate> signers = new ArrayList<>();
        int sent = 0;
        while (Instant.now().isBefore(takeOver.plus(Duration.ofSeconds(6)))) {
            Instant at = Instant.now();
            ReceivedMail received = send(PARCELS, "Parcel notice " + (++sent));
            assertThat(received.contentType()).as("mail %d, sent at %s", sent, at).startsWith("multipart/signed");
            X509Certificate signer = verifiedSigner(received, "renewal-" + sent);
            if (at.isAfter(takeOver.plusSeconds(2))) {
                assertThat(signer).as("signer of mail %d, sent at %s after the take-over at %s", sent, at, takeOver).isEqualTo(renewed);
            } else if (at.isBefore(takeOver.minusSeconds(2))) {
                assertThat(signer).as("signer of mail %d, sent at %s before the take-over at %s", sent, at, takeOver)
                    .isEqualTo(current.certificate());
            }
            signers.add(signer);
            Thread.sleep(1500);
        }
        assertThat(signers).contains(current.certificate(), renewed);
    }

    /** Sends from {@code from} until James signs (its store picks an installed file up within its reload interval). */
    private static ReceivedMail awaitSigned(String from, String subject) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (true) {
            ReceivedMail received = send(from, subject);
            if (received.contentType().startsWith("multipart/signed") || Instant.now().isAfter(deadline)) {
                assertThat(received.contentType()).as("mail from %s", from).startsWith("multipart/signed");
                return received;
            }
            Thread.sleep(1000);
        }
    }

    private static void assertNoPrivateKeyOutsideTheStore() throws Exception {
        try (Stream<Path> files = Files.walk(run)) {
            List<Path> outside = files.filter(Files::isRegularFile)
                .filter(file -> !file.startsWith(store.directory()) && !file.startsWith(run.resolve("ca")) && !file.startsWith(run.resolve("james")))
                .collect(Collectors.toList());
            for (Path file : outside) {
                assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).as(file.toString()).doesNotContain("PRIVATE KEY");
                assertThat(file.getFileName().toString()).as(file.toString()).doesNotEndWith(".p12");
            }
        }
    }
}
