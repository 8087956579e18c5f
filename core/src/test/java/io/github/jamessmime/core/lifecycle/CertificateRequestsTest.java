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
package io.github.jamessmime.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.OtherName;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.health.StoreHealth;
import io.github.jamessmime.core.signing.DigestAlgorithm;
import io.github.jamessmime.core.signing.SmimeSigner;
import io.github.jamessmime.core.store.CertificateInstallation;
import io.github.jamessmime.core.store.CertificateRule;
import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.KeyType;
import io.github.jamessmime.core.store.PendingKeys;
import io.github.jamessmime.core.store.Pkcs11Token;
import io.github.jamessmime.core.store.RevocationChecker;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.core.store.StoreException;
import io.github.jamessmime.testing.MutableClock;
import io.github.jamessmime.testing.OpensslCa;
import io.github.jamessmime.testing.SoftHsm;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

/** Request, a real CA (openssl) signs, install: the key never leaves the store, and a renewal takes over without a gap. */
class CertificateRequestsTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final char[] PASSWORD = "store-secret".toCharArray();
    static final String SENDER = "billing@shop.example";

    @TempDir
    Path work;
    Path store;
    TestPki pki;
    OpensslCa ca;
    MutableClock clock;
    CertificateStore opened;
    CertificateRequests requests;

    @BeforeEach
    void setUp() throws Exception {
        pki = TestPki.create(NOW);
        store = Files.createDirectories(work.resolve("store"));
        ca = new OpensslCa(pki, work.resolve("ca"));
        clock = new MutableClock(NOW);
        opened = CertificateStore.open(store, PASSWORD, clock, Optional.empty(), RevocationChecker.none(), pki.rules());
        requests = new CertificateRequests(opened, clock);
    }

    private static PKCS10CertificationRequest csr(String pem) throws Exception {
        try (PEMParser parser = new PEMParser(new java.io.StringReader(pem))) {
            return (PKCS10CertificationRequest) parser.readObject();
        }
    }

    private List<String> storeFiles() throws Exception {
        try (Stream<Path> files = Files.walk(store)) {
            return files.filter(Files::isRegularFile).map(file -> store.relativize(file).toString()).sorted().collect(Collectors.toList());
        }
    }

    private byte[] signedBy(SigningIdentity identity) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(TestMessages.withAttachment(SENDER)));
        return Verifiers.serialize(new SmimeSigner(DigestAlgorithm.SHA_256, clock).sign(message, identity));
    }

    @Test
    void aRequestSignedByARealCaShouldBeInstalledAndSignMailThatOpensslAndBouncyCastleVerify() throws Exception {
        CertificateRequests.Request request = requests.request(SENDER, KeyType.DEFAULT, false);

        PKCS10CertificationRequest csr = csr(request.pem());
        assertThat(ca.verifies(request.pem())).as("openssl req -verify").isTrue();
        assertThat(csr.getSubject().toString()).isEqualTo("CN=" + SENDER);
        Extensions extensions = Extensions.getInstance(csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)[0].getAttrValues()
            .getObjectAt(0));
        assertThat(GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName).getNames())
            .containsExactly(new GeneralName(GeneralName.rfc822Name, SENDER));
        assertThat(request.pending().keyType()).isEqualTo(KeyType.RSA_2048);
        assertThat(storeFiles()).containsExactly(".pending/" + SENDER + ".p12");
        assertThat(Files.getPosixFilePermissions(store.resolve(".pending/" + SENDER + ".p12")))
            .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(opened.reload()).as("a pending key is no store file").isEmpty();
        assertThat(opened.find(SENDER)).isEmpty();

        X509Certificate issued = ca.sign(request.pem(), OpensslCa.Profile.sender(SENDER, NOW.minus(Duration.ofHours(1))));
        CertificateInstallation.Installed installed = requests.install(ca.chainPem(issued), Optional.empty());

        assertThat(installed.address()).isEqualTo(SENDER);
        assertThat(installed.staged()).isFalse();
        assertThat(storeFiles()).containsExactly(SENDER + ".p12");
        SigningIdentity identity = opened.find(SENDER).orElseThrow();
        assertThat(identity.certificate()).isEqualTo(issued);
        byte[] signed = signedBy(identity);
        Verifiers.OpensslResult openssl = Verifiers.openssl(signed, pki.root(), NOW);
        assertThat(openssl.ok()).as(openssl.toString()).isTrue();
        assertThat(Verifiers.bouncyCastle(signed).signatureValid).isTrue();
        assertThat(requests.pending()).isEmpty();
    }

    @Test
    void aRequestForANonAsciiSenderShouldAskForAnSmtpUtf8MailboxThatARealCaIssuesAndTheStoreUses() throws Exception {
        CertificateRequests.Request request = requests.request("jörg@müller.example", KeyType.DEFAULT, false);

        Extensions extensions = Extensions.getInstance(csr(request.pem()).getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)[0]
            .getAttrValues().getObjectAt(0));
        GeneralName name = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName).getNames()[0];
        assertThat(name.getTagNo()).isEqualTo(GeneralName.otherName);
        OtherName other = OtherName.getInstance(name.getName());
        assertThat(other.getTypeID().getId()).isEqualTo("1.3.6.1.5.5.7.8.9");
        assertThat(DERUTF8String.getInstance(other.getValue()).getString()).isEqualTo("jörg@xn--mller-kva.example");
        assertThat(ca.verifies(request.pem())).as("openssl req -verify").isTrue();
        assertThat(storeFiles()).containsExactly(".pending/(utf-8)j%C3%B6rg@xn--mller-kva.example.p12");
        assertThat(requests.pending()).extracting(PendingKeys.Pending::address).containsExactly("jörg@xn--mller-kva.example");

        X509Certificate issued = ca.sign(request.pem(), OpensslCa.Profile.sender("jörg@xn--mller-kva.example", NOW.minus(Duration.ofHours(1))));
        requests.install(ca.chainPem(issued), Optional.empty());

        assertThat(storeFiles()).containsExactly("(utf-8)j%C3%B6rg@xn--mller-kva.example.p12");
        SigningIdentity identity = opened.find("jörg@müller.example").orElseThrow();
        assertThat(identity.certificate()).isEqualTo(issued);
        byte[] signed = signedBy(identity);
        Verifiers.OpensslResult openssl = Verifiers.openssl(signed, pki.root(), NOW);
        // openssl verifies; Thunderbird does not read an SmtpUTF8Mailbox (ThunderbirdClientTest shows its status 1040)
        assertThat(openssl.exitCode).as(openssl.toString()).isZero();
        assertThat(openssl.thunderbird.toString()).contains("VERIFY_CERT_WITHOUT_ADDRESS");
        assertThat(Verifiers.bouncyCastle(signed).signatureValid).isTrue();
    }

    @Test
    void aRequestMadeOnOneNodeShouldBeInstalledOnAnotherSharingTheStore() throws Exception {
        CertificateStore otherNode = CertificateStore.open(store, PASSWORD, clock, Optional.empty(), RevocationChecker.none(), pki.rules());
        CertificateRequests onOtherNode = new CertificateRequests(otherNode, clock);

        CertificateRequests.Request request = requests.request(SENDER, KeyType.DEFAULT, false);

        assertThat(onOtherNode.pending()).extracting(PendingKeys.Pending::address).containsExactly(SENDER);
        X509Certificate issued = ca.sign(request.pem(), OpensslCa.Profile.sender(SENDER, NOW.minus(Duration.ofHours(1))));
        onOtherNode.install(ca.chainPem(issued), Optional.of(SENDER));
        opened.reload();

        assertThat(opened.find(SENDER).map(SigningIdentity::certificate)).contains(issued);
        assertThat(otherNode.find(SENDER).map(SigningIdentity::certificate)).contains(issued);
    }

    @Test
    void aStoreWherePendingKeysCannotBeWrittenShouldRefuseTheRequestInOneLine() throws Exception {
        // as a read-only store (a Kubernetes Secret) refuses it; the tests run as root, who may write anywhere
        Files.writeString(store.resolve(".pending"), "not a directory");

        assertThatThrownBy(() -> requests.request(SENDER, KeyType.DEFAULT, false)).isInstanceOf(StoreException.class)
            .satisfies(e -> {
                assertThat(((StoreException) e).kind()).isEqualTo(FailureKind.IO);
                assertThat(e.getMessage()).startsWith("cannot make the pending key for " + SENDER)
                    .contains("the store directory must be writable where requests are made").doesNotContain("\n");
            });
        assertThat(storeFiles()).containsExactly(".pending");
    }

    @Test
    void noPrivateKeyShouldLieOutsideTheStoreAtAnyStep() throws Exception {
        CertificateRequests.Request request = requests.request(SENDER, KeyType.EC_P256, false);
        requests.install(ca.chainPem(ca.sign(request.pem(), OpensslCa.Profile.sender(SENDER, NOW.minus(Duration.ofHours(1))))),
            Optional.of(SENDER));

        try (Stream<Path> files = Files.walk(work)) {
            List<Path> outside = files.filter(Files::isRegularFile).filter(file -> !file.startsWith(store) && !file.startsWith(work.resolve("ca")))
                .collect(Collectors.toList());
            for (Path file : outside) {
                String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                assertThat(text).as(file.toString()).doesNotContain("PRIVATE KEY");
            }
        }
        KeyStore file = KeyStore.getInstance("PKCS12");
        try (java.io.InputStream in = Files.newInputStream(store.resolve(SENDER + ".p12"))) {
            file.load(in, PASSWORD);
        }
        assertThat(file.isKeyEntry(SENDER)).as("the key, encrypted under the store password, in the sender's file").isTrue();
    }

    @Test
    void aSecondRequestShouldSayOneIsPendingAndChangeNothingUnlessReplaced() throws Exception {
        CertificateRequests.Request first = requests.request(SENDER, KeyType.DEFAULT, false);

        assertThatThrownBy(() -> requests.request(SENDER, KeyType.DEFAULT, false)).isInstanceOf(StoreException.class)
            .hasMessageStartingWith("a request for " + SENDER + " is pending since " + NOW)
            .extracting(e -> ((StoreException) e).kind()).isEqualTo(FailureKind.PENDING);
        assertThat(requests.pending()).singleElement().extracting(PendingKeys.Pending::publicKey).isEqualTo(first.pending().publicKey());

        CertificateRequests.Request replaced = requests.request(SENDER, KeyType.EC_P384, true);

        assertThat(replaced.pending().publicKey()).isNotEqualTo(first.pending().publicKey());
        assertThat(requests.pending()).singleElement().extracting(PendingKeys.Pending::keyType).isEqualTo(KeyType.EC_P384);
        assertThat(requests.pendingRequest(SENDER).orElseThrow().pem()).startsWith("-----BEGIN CERTIFICATE REQUEST-----");
        assertThat(requests.delete(SENDER)).isTrue();
        assertThat(requests.pending()).isEmpty();
        assertThat(requests.delete(SENDER)).isFalse();
    }

    @Test
    void aRenewalStagedBeforeExpiryShouldTakeOverAtItsNotBeforeWithNoGap() throws Exception {
        TestPki.Issued current = pki.sender(SENDER).validity(NOW.minus(Duration.ofDays(300)), NOW.plus(Duration.ofDays(10))).issue();
        current.writePkcs12(store.resolve(SENDER + ".p12"), PASSWORD);
        opened.reload();
        assertThat(requests.expiringWithoutRenewal(Duration.ofDays(30))).containsExactly(SENDER);
        assertThat(StoreHealth.evaluate(opened, NOW, Duration.ofDays(30)).problems()).singleElement().asString()
            .startsWith(SENDER + ": certificate expires on ").contains("no renewal is pending: request one");

        List<CertificateRequests.Request> renewals = requests.renew(Duration.ofDays(30), KeyType.DEFAULT);

        assertThat(renewals).extracting(request -> request.pending().address()).containsExactly(SENDER);
        assertThat(requests.expiringWithoutRenewal(Duration.ofDays(30))).as("pending now").isEmpty();
        assertThat(StoreHealth.evaluate(opened, NOW, Duration.ofDays(30)).problems()).singleElement().asString()
            .endsWith("(in 10 days), its renewal is requested");
        assertThat(requests.renew(Duration.ofDays(30), KeyType.DEFAULT)).as("not twice").isEmpty();
        Instant takeOver = NOW.plus(Duration.ofDays(5));
        X509Certificate renewed = ca.sign(renewals.get(0).pem(), OpensslCa.Profile.sender(SENDER, takeOver));
        CertificateInstallation.Installed installed = requests.install(ca.chainPem(renewed), Optional.empty());

        assertThat(installed.staged()).isTrue();
        assertThat(storeFiles()).hasSize(2).contains(SENDER + ".p12");
        for (Instant at = NOW; at.isBefore(NOW.plus(Duration.ofDays(12))); at = at.plus(Duration.ofHours(1))) {
            clock.set(at);
            X509Certificate used = opened.find(SENDER).map(SigningIdentity::certificate).orElse(null);
            assertThat(used).as("the certificate used at " + at).isEqualTo(at.isBefore(renewed.getNotBefore().toInstant())
                ? current.certificate() : renewed);
        }
    }

    @Test
    void everyBadCertificateShouldBeRefusedInOneLineWithNothingWritten() throws Exception {
        CertificateRequests.Request request = requests.request(SENDER, KeyType.DEFAULT, false);
        CertificateRequests.Request other = requests.request("orders@shop.example", KeyType.DEFAULT, false);
        TestPki foreign = TestPki.createOther(NOW, "Foreign Root CA");
        OpensslCa foreignCa = new OpensslCa(foreign, work.resolve("foreign-ca"));
        Instant hourAgo = NOW.minus(Duration.ofHours(1));
        List<String> before = storeFiles();

        assertRefused(requests, "garbage".getBytes(StandardCharsets.US_ASCII), Optional.empty(), FailureKind.BAD_INPUT,
            "the certificate input is neither PEM nor DER certificates nor a PKCS#7 bundle");
        assertRefused(requests, pemOf(pki.sender("ceo@shop.example").issue().certificate()), Optional.empty(), FailureKind.NOT_FOUND,
            "none of the 1 certificates given is for a pending key");
        assertRefused(requests, ca.chainPem(ca.sign(request.pem(), OpensslCa.Profile.sender("ceo@shop.example", hourAgo))),
            Optional.empty(), FailureKind.BAD_INPUT, "the certificate names [ceo@shop.example], not " + SENDER);
        assertRefused(requests, ca.chainPem(ca.sign(request.pem(), OpensslCa.Profile.sender(SENDER, hourAgo).ca())), Optional.empty(),
            FailureKind.RULE, "is a CA certificate");
        assertRefused(requests, pemOf(foreignCa.sign(request.pem(), OpensslCa.Profile.sender(SENDER, hourAgo))), Optional.empty(),
            FailureKind.NOT_TRUSTED, "the certificate does not chain to a trusted root");
        assertRefused(requests, ca.chainPem(ca.sign(request.pem(), OpensslCa.Profile.sender(SENDER, NOW.minus(Duration.ofDays(40)))
            .validity(Duration.ofDays(30)))), Optional.empty(), FailureKind.EXPIRED, "the certificate for " + SENDER + " expired on");
        assertRefused(requests, ca.chainPem(ca.sign(other.pem(), OpensslCa.Profile.sender("orders@shop.example", hourAgo))),
            Optional.of(SENDER), FailureKind.RULE, "none of the 2 certificates given is for the key requested for " + SENDER);
        assertRefused(requests, pemOf(pki.sender(SENDER).issue().certificate()), Optional.of("nobody@shop.example"), FailureKind.NOT_FOUND,
            "no request is pending for nobody@shop.example");

        assertThat(storeFiles()).isEqualTo(before);
        assertThat(requests.pending()).hasSize(2);
    }

    private static void assertRefused(CertificateRequests requests, byte[] input, Optional<String> address, FailureKind kind, String reason) {
        assertThatThrownBy(() -> requests.install(input, address)).isInstanceOf(StoreException.class)
            .satisfies(e -> {
                assertThat(((StoreException) e).kind()).as(e.getMessage()).isEqualTo(kind);
                assertThat(e.getMessage()).contains(reason).doesNotContain("\n");
            });
    }

    private static byte[] pemOf(X509Certificate certificate) throws Exception {
        return ("-----BEGIN CERTIFICATE-----\n" + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(certificate.getEncoded())
            + "\n-----END CERTIFICATE-----\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aRuleRefusalShouldNameItsRule() throws Exception {
        CertificateRequests.Request request = requests.request(SENDER, KeyType.DEFAULT, false);

        assertThatThrownBy(() -> requests.install(ca.chainPem(ca.sign(request.pem(), OpensslCa.Profile.sender(SENDER,
            NOW.minus(Duration.ofHours(1))).ca())), Optional.empty()))
            .extracting(e -> ((StoreException) e).rule()).isEqualTo(Optional.of(CertificateRule.CA_CERTIFICATE));
        assertThat(Set.copyOf(requests.pending().stream().map(PendingKeys.Pending::address).collect(Collectors.toList())))
            .containsExactly(SENDER);
    }

    @Test
    void inATokenTheKeyShouldBeMadeRequestedAndCertifiedThereAsInTheStore() throws Exception {
        SoftHsm.Token token = SoftHsm.shared().token(1);
        token.clear();
        CertificateStore withToken = CertificateStore.open(store, PASSWORD, clock, Optional.empty(), RevocationChecker.none(), pki.rules(),
            Optional.of(Pkcs11Token.of(new Pkcs11Token.Settings("hsm", SoftHsm.LIBRARY, Optional.of(token.slot()), 0,
                token.pin().toCharArray()))));
        CertificateRequests inToken = new CertificateRequests(withToken, clock);

        CertificateRequests.Request request = inToken.request(SENDER, KeyType.EC_P256, false);

        assertThat(request.pending().source()).isEqualTo("pkcs11:hsm/" + SENDER);
        assertThat(ca.verifies(request.pem())).isTrue();
        assertThat(storeFiles()).as("nothing in the store: the key is in the token").isEmpty();
        withToken.reload();
        assertThat(withToken.pendingAddresses()).containsExactly(SENDER);
        assertThat(inToken.pending()).extracting(PendingKeys.Pending::address).containsExactly(SENDER);
        assertThat(withToken.find(SENDER)).isEmpty();

        X509Certificate issued = ca.sign(request.pem(), OpensslCa.Profile.sender(SENDER, NOW.minus(Duration.ofHours(1))));
        CertificateInstallation.Installed installed = inToken.install(ca.chainPem(issued), Optional.of(SENDER));

        assertThat(installed.source()).isEqualTo("pkcs11:hsm/" + SENDER);
        SigningIdentity identity = withToken.find(SENDER).orElseThrow();
        assertThat(identity.certificate()).isEqualTo(issued);
        byte[] signed = signedBy(identity);
        assertThat(Verifiers.openssl(signed, pki.root(), NOW).ok()).isTrue();
        assertThat(Verifiers.bouncyCastle(signed).signatureValid).isTrue();
        assertThat(inToken.pending()).isEmpty();
        assertThat(storeFiles()).isEmpty();
        token.clear();
    }
}
