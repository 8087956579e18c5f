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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.jamessmime.testing.MutableClock;
import io.github.jamessmime.testing.TestPki;

/**
 * One rule set: each kind of certificate the S/MIME profile forbids is refused with its own reason by the store (a
 * hand-copied file) and by import alike, and hostile SubjectAltName addresses never name a file outside the store.
 */
class CertificateRulesTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final char[] PASSWORD = "store-secret".toCharArray();
    static final char[] P12_PASSWORD = "p12-secret".toCharArray();
    static final String SENDER = "billing@shop.example";

    static TestPki pki;
    static TestPki untrusted;

    @TempDir
    Path work;
    Path store;
    Path incoming;

    @BeforeAll
    static void createPki() {
        pki = TestPki.create(NOW);
        untrusted = TestPki.createOther(NOW, "Untrusted");
    }

    @BeforeEach
    void setUp() throws IOException {
        store = Files.createDirectories(work.resolve("outer/store"));
        incoming = Files.createDirectories(work.resolve("incoming"));
    }

    static Stream<Arguments> refusedCertificates() {
        return Stream.of(
            Arguments.of("CA certificate", (Function<TestPki, TestPki.Issued>) p -> p.sender(SENDER).ca().issue(),
                "is a CA certificate (basicConstraints CA:TRUE)"),
            Arguments.of("SHA-1 signature", (Function<TestPki, TestPki.Issued>) p -> p.sender(SENDER).signatureAlgorithm("SHA1withRSA").issue(),
                "is signed with SHA1withRSA"),
            Arguments.of("subject e-mail not in SAN", (Function<TestPki, TestPki.Issued>) p -> p.sender(SENDER)
                .subject("CN=Billing,E=ceo@shop.example,O=james-smime tests").issue(),
                "the subject's e-mail address 'ceo@shop.example' is not among the SubjectAltName addresses"),
            Arguments.of("anyExtendedKeyUsage", (Function<TestPki, TestPki.Issued>) p -> p.sender(SENDER)
                .extendedKeyUsage(KeyPurposeId.id_kp_emailProtection, KeyPurposeId.anyExtendedKeyUsage).issue(),
                "ExtendedKeyUsage has anyExtendedKeyUsage"),
            Arguments.of("untrusted root", (Function<TestPki, TestPki.Issued>) p -> untrusted.sender(SENDER).issue(),
                "does not chain to a trusted root: its root 'O=james-smime tests,CN=Untrusted Root CA' (in the file) is not among the test root"),
            Arguments.of("no emailProtection", (Function<TestPki, TestPki.Issued>) p -> p.sender(SENDER)
                .extendedKeyUsage(KeyPurposeId.id_kp_serverAuth).issue(),
                "ExtendedKeyUsage lacks emailProtection"),
            Arguments.of("too long validity", (Function<TestPki, TestPki.Issued>) p -> p.sender(SENDER)
                .validity(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(900))).issue(),
                "more than the 825"),
            Arguments.of("RSASSA-PSS key", (Function<TestPki, TestPki.Issued>) p -> p.sender(SENDER).keyType(TestPki.KeyType.RSA_PSS_2048).issue(),
                "the certificate's key is an RSASSA-PSS key (id-RSASSA-PSS): Thunderbird"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedCertificates")
    void storeAndImportShouldRefuseWithTheSameReason(String kind, Function<TestPki, TestPki.Issued> issue, String reason) throws Exception {
        TestPki.Issued issued = issue.apply(pki);
        issued.writePkcs12(store.resolve("copied.p12"), PASSWORD);
        Path p12 = issued.writePkcs12(incoming.resolve("bought.p12"), P12_PASSWORD);

        CertificateStore opened = CertificateStore.open(store, PASSWORD, new MutableClock(NOW), Optional.empty(), RevocationChecker.none(), pki.rules());

        assertThat(opened.find(SENDER)).as(kind).isEmpty();
        assertThat(opened.reports()).singleElement().satisfies(report -> assertThat(report.refusal()).get().asString().contains(reason));
        assertThatThrownBy(() -> new CertificateImport(pki.rules()).importInto(store, PASSWORD, p12, P12_PASSWORD, NOW))
            .isInstanceOf(StoreException.class).hasMessageContaining(reason);
        assertThat(fileNames(store)).containsExactly("copied.p12");
    }

    @Test
    void subjectEmailAmongTheSanAddressesShouldBeAccepted() throws Exception {
        Path p12 = pki.sender(SENDER).subject("CN=Billing,E=Billing@Shop.Example,O=james-smime tests").issue()
            .writePkcs12(incoming.resolve("bought.p12"), P12_PASSWORD);

        List<Path> written = new CertificateImport(pki.rules()).importInto(store, PASSWORD, p12, P12_PASSWORD, NOW);

        assertThat(written).containsExactly(store.resolve(SENDER + ".p12"));
    }

    @Test
    void certificateNotYetValidShouldBeImportedAndUsedFromItsNotBefore() throws Exception {
        Instant notBefore = NOW.plus(Duration.ofDays(3));
        Path p12 = pki.sender(SENDER).validity(notBefore, notBefore.plus(Duration.ofDays(365))).issue()
            .writePkcs12(incoming.resolve("renewal.p12"), P12_PASSWORD);
        MutableClock clock = new MutableClock(NOW);

        new CertificateImport(pki.rules()).importInto(store, PASSWORD, p12, P12_PASSWORD, NOW);
        CertificateStore opened = CertificateStore.open(store, PASSWORD, clock, Optional.empty(), RevocationChecker.none(), pki.rules());

        assertThat(opened.find(SENDER)).isEmpty();
        clock.advance(Duration.ofDays(4));
        assertThat(opened.find(SENDER)).isPresent();
    }

    @Test
    void expiredCertificateUnderACaIssuedSinceShouldBeRefusedAsExpiredByStoreAndImport() throws Exception {
        // TestPki makes its intermediate 1000 days before its instant: this one is made today
        TestPki renewedCa = TestPki.create(NOW.plus(Duration.ofDays(1000)));
        assertThat(renewedCa.intermediate().getNotBefore().toInstant()).isEqualTo(NOW);
        Instant yesterday = NOW.minus(Duration.ofDays(1));
        TestPki.Issued expired = renewedCa.sender(SENDER).validity(yesterday.minus(Duration.ofDays(365)), yesterday).issue();
        expired.writePkcs12(store.resolve("copied.p12"), PASSWORD);
        Path p12 = expired.writePkcs12(incoming.resolve("bought.p12"), P12_PASSWORD);
        String reason = "certificate for [" + SENDER + "] expired on " + yesterday + "; import the renewed certificate";

        CertificateStore opened = CertificateStore.open(store, PASSWORD, new MutableClock(NOW), Optional.empty(), RevocationChecker.none(),
            renewedCa.rules());

        assertThat(opened.reports()).singleElement().satisfies(report -> assertThat(report.refusal()).contains(reason));
        assertThatThrownBy(() -> new CertificateImport(renewedCa.rules()).importInto(store, PASSWORD, p12, P12_PASSWORD, NOW))
            .isInstanceOf(StoreException.class).hasMessage(reason);
    }

    @Test
    void caNotYetValidShouldBeNamedWithTheInstantItBecomesValid() throws Exception {
        TestPki caFromTomorrow = TestPki.create(NOW.plus(Duration.ofDays(1001)));
        Instant tomorrow = NOW.plus(Duration.ofDays(1));
        Path p12 = caFromTomorrow.sender(SENDER).validity(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(365))).issue()
            .writePkcs12(incoming.resolve("bought.p12"), P12_PASSWORD);

        assertThatThrownBy(() -> new CertificateImport(caFromTomorrow.rules()).importInto(store, PASSWORD, p12, P12_PASSWORD, NOW))
            .isInstanceOf(StoreException.class)
            .hasMessage("the CA certificate 'O=james-smime tests,CN=Test Intermediate CA' is not valid before " + tomorrow
                + "; import the file again from then on");
    }

    @Test
    void untrustedRootShouldGetTheSameReasonFromStoreLoadAndImportAlsoAfterAnImportWroteTheFile() throws Exception {
        // imported where that root is trusted (another node, or before store.trustAnchors changed), then judged without it
        Path bought = untrusted.sender(SENDER).issue().writePkcs12(incoming.resolve("bought.p12"), P12_PASSWORD);
        Path written = new CertificateImport(untrusted.rules()).importInto(store, PASSWORD, bought, P12_PASSWORD, NOW).get(0);
        String reason = "the certificate does not chain to a trusted root: its root 'O=james-smime tests,CN=Untrusted Root CA' (in the file)"
            + " is not among the test root; add that root to store.trustAnchors (CLI: --trust-anchors) if you trust it";
        Path elsewhere = Files.createDirectories(work.resolve("elsewhere"));

        CertificateStore opened = CertificateStore.open(store, PASSWORD, new MutableClock(NOW), Optional.empty(), RevocationChecker.none(), pki.rules());

        assertThat(opened.reports()).singleElement().satisfies(report -> assertThat(report.refusal()).contains(reason));
        assertThatThrownBy(() -> new CertificateImport(pki.rules()).importInto(elsewhere, PASSWORD, written, PASSWORD, NOW))
            .as("the store's file imported again").hasMessage(reason);
        assertThatThrownBy(() -> new CertificateImport(pki.rules()).importInto(elsewhere, PASSWORD, bought, P12_PASSWORD, NOW))
            .as("the file as bought").hasMessage(reason);
    }

    static Stream<String> hostileAddresses() {
        return Stream.of("../store/billing@shop.example", "../../billing@shop.example", "/tmp/billing@shop.example",
            "a/b@shop.example", "a\\b@shop.example", "bill\u0000ing@shop.example", "..@shop.example", ".hidden@shop.example",
            "billing@shop.example/../../x", "billing@../../etc", "x".repeat(300) + "@shop.example",
            "\"quoted local\"@shop.example", "billing@[127.0.0.1]", "billing@shop.example\n", "bil ling@shop.example",
            // internationalised: a U-label an rfc822Name cannot hold, and SmtpUTF8Mailbox names with path tricks and look-alikes
            "billing@müller.example", "../jörg@shop.example",
            TestPki.SMTP_UTF8_MAILBOX + "../jörg@shop.example", TestPki.SMTP_UTF8_MAILBOX + "jö/rg@shop.example",
            TestPki.SMTP_UTF8_MAILBOX + "jörg@../../etc", TestPki.SMTP_UTF8_MAILBOX + "jörg@shop.example/../x",
            TestPki.SMTP_UTF8_MAILBOX + "jö\u0000rg@shop.example", TestPki.SMTP_UTF8_MAILBOX + "jörg\u2215x@shop.example",
            TestPki.SMTP_UTF8_MAILBOX + "jörg\u202e@shop.example", TestPki.SMTP_UTF8_MAILBOX + "jörg\n@shop.example",
            TestPki.SMTP_UTF8_MAILBOX + ".jörg@shop.example", TestPki.SMTP_UTF8_MAILBOX + "p\u0430ypäl@shop.example",
            TestPki.SMTP_UTF8_MAILBOX + "(utf-8)j%C3%B6rg@shop.example", TestPki.SMTP_UTF8_MAILBOX + "jörg@sh\u043ep.example",
            TestPki.SMTP_UTF8_MAILBOX + "ö".repeat(40) + "@shop.example");
    }

    @ParameterizedTest
    @MethodSource("hostileAddresses")
    void hostileSanAddressShouldNeverNameAFileOutsideTheStore(String address) throws Exception {
        TestPki.Issued issued = pki.sender(address).subject("CN=hostile,O=james-smime tests").issue();
        issued.writePkcs12(store.resolve("hostile.p12"), PASSWORD);
        Path p12 = issued.writePkcs12(incoming.resolve("hostile.p12"), P12_PASSWORD);
        List<String> before = tree(work);

        assertThatThrownBy(() -> new CertificateImport(pki.rules()).importInto(store, PASSWORD, p12, P12_PASSWORD, NOW))
            .isInstanceOf(StoreException.class)
            .hasMessageContaining("is not a plain mail address")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\u0000"));
        CertificateStore opened = CertificateStore.open(store, PASSWORD, new MutableClock(NOW), Optional.empty(), RevocationChecker.none(), pki.rules());

        assertThat(tree(work)).isEqualTo(before);
        assertThat(opened.reports()).singleElement()
            .satisfies(report -> assertThat(report.refusal()).get().asString().contains("is not a plain mail address"));
    }

    @Test
    void internationalisedSenderNamesShouldBeRefusedWithAReasonThatSaysWhatTheCaShouldWrite() throws Exception {
        Path uLabel = pki.sender("billing@müller.example").subject("CN=billing,O=james-smime tests").issue()
            .writePkcs12(incoming.resolve("u-label.p12"), P12_PASSWORD);
        Path asciiUtf8 = pki.sender("ignored").sanEmails(TestPki.SMTP_UTF8_MAILBOX + SENDER).issue()
            .writePkcs12(incoming.resolve("ascii-utf8.p12"), P12_PASSWORD);

        assertThatThrownBy(() -> new CertificateImport(pki.rules()).importInto(store, PASSWORD, uLabel, P12_PASSWORD, NOW))
            .hasMessageContaining("(rfc822Name) is not a plain mail address").hasMessageContaining("a non-ASCII domain as its A-labels");
        assertThatThrownBy(() -> new CertificateImport(pki.rules()).importInto(store, PASSWORD, asciiUtf8, P12_PASSWORD, NOW))
            .hasMessageContaining("(SmtpUTF8Mailbox) is not a plain mail address").hasMessageContaining("requires in an rfc822Name");
        assertThat(fileNames(store)).isEmpty();
    }

    @Test
    void otherNamesOfOtherTypesShouldBeLeftAloneAndAMalformedSmtpUtf8MailboxRefusedInOneLine() throws Exception {
        Path withUpn = pki.sender("ignored").sanEmails(TestPki.UPN + "billing@corp.example", SENDER).issue()
            .writePkcs12(incoming.resolve("upn.p12"), P12_PASSWORD);
        Path ia5 = pki.sender("ignored").sanEmails(TestPki.SMTP_UTF8_MAILBOX_IA5 + "jorg@shop.example").issue()
            .writePkcs12(incoming.resolve("ia5.p12"), P12_PASSWORD);

        new CertificateImport(pki.rules()).importInto(store, PASSWORD, withUpn, P12_PASSWORD, NOW);
        assertThatThrownBy(() -> new CertificateImport(pki.rules()).importInto(store, PASSWORD, ia5, P12_PASSWORD, NOW))
            .isInstanceOf(StoreException.class).hasMessageContaining("an SmtpUTF8Mailbox in SubjectAltName cannot be parsed")
            .hasMessageContaining("not a UTF8String").satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));

        assertThat(fileNames(store)).containsExactly(SENDER + ".p12");
        CertificateStore opened = CertificateStore.open(store, PASSWORD, new MutableClock(NOW), Optional.empty(), RevocationChecker.none(), pki.rules());
        assertThat(opened.find(SENDER)).isPresent();
    }

    @Test
    void subjectEmailInALabelFormShouldMatchItsSanAddress() throws Exception {
        Path p12 = pki.sender("billing@xn--mller-kva.example").subject("CN=Billing,E=billing@XN--MLLER-KVA.example,O=james-smime tests")
            .issue().writePkcs12(incoming.resolve("a-label.p12"), P12_PASSWORD);

        new CertificateImport(pki.rules()).importInto(store, PASSWORD, p12, P12_PASSWORD, NOW);

        assertThat(fileNames(store)).containsExactly("billing@xn--mller-kva.example.p12");
    }

    @Test
    void storeFileNamesShouldBeAsciiAndTellEveryAddressApart() {
        for (String key : List.of("jörg@shop.example", "山田@xn--r8jz45g.xn--zckzah", "j%C3%B6rg@shop.example", "jörg%@shop.example",
            "billing@xn--mller-kva.example")) {
            String stem = StoreFileNames.stem(key);
            assertThat(stem.chars().allMatch(c -> c > 0x20 && c < 0x7F && c != '/' && c != '\\')).as(stem).isTrue();
            assertThat(StoreFileNames.address(stem)).as(stem).contains(key);
        }
        assertThat(StoreFileNames.stem("jörg@shop.example")).isEqualTo("(utf-8)j%C3%B6rg@shop.example")
            .isNotEqualTo(StoreFileNames.stem("j%C3%B6rg@shop.example"));
        assertThat(StoreFileNames.address("(utf-8)j%c3%b6rg@shop.example")).as("only the one spelling").isEmpty();
        assertThat(StoreFileNames.address("(utf-8)j%2F..%2Fx@shop.example")).isEmpty();
        assertThat(StoreFileNames.address("(utf-8)%6A%C3%B6rg@shop.example")).isEmpty();
    }

    @Test
    void confinedShouldRefuseNamesThatLeaveTheStore() {
        for (String name : List.of("../x.p12", "a/../../x.p12", "/abs.p12", "sub/x.p12", ".x.p12", "")) {
            assertThatThrownBy(() -> CertificateImport.confined(store, name)).as(name).isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot name a file inside the store");
        }
        assertThatThrownBy(() -> CertificateImport.confined(store, "x".repeat(256))).isInstanceOf(StoreException.class)
            .hasMessageContaining("is too long to name a file inside the store (256 characters as a file name, at most 255)");
    }

    private static List<String> fileNames(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> !name.startsWith(".")).sorted().collect(Collectors.toList());
        }
    }

    private static List<String> tree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.map(root::relativize).map(Path::toString).sorted().collect(Collectors.toList());
        }
    }
}
