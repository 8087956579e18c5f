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

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

import javax.mail.internet.MimeMessage;

import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.signing.DigestAlgorithm;
import io.github.jamessmime.core.signing.SigningException;
import io.github.jamessmime.core.signing.SmimeSigner;
import io.github.jamessmime.testing.MutableClock;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.TestPki.KeyType;
import io.github.jamessmime.testing.Verifiers;

class CertificateStoreTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final char[] PASSWORD = "store-secret".toCharArray();
    static final String SENDER = "billing@shop.example";

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

    private CertificateStore open() throws StoreException {
        return CertificateStore.open(directory, PASSWORD, clock, Optional.empty(), RevocationChecker.none(), pki.rules());
    }

    private String refusalOf(String fileName) throws StoreException {
        return open().reports().stream()
            .filter(report -> report.name().equals(fileName))
            .findFirst().orElseThrow()
            .refusal().orElse("(usable)");
    }

    @Test
    void aFileRefusedByARuleShouldBeFoundByItsAddressWithItsKindAndReason() throws Exception {
        TestPki other = TestPki.createOther(NOW, "Other Root CA");
        other.sender(SENDER).issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        pki.sender("parcels@shop.example").validity(NOW.minus(java.time.Duration.ofDays(1)), NOW.plus(java.time.Duration.ofDays(900))).issue().writePkcs12(directory.resolve("parcels.p12"), PASSWORD);

        CertificateStore store = open();

        CertificateStore.FileReport billing = store.reports().get(0);
        assertThat(billing.concerns(SENDER)).isTrue();
        assertThat(billing.refusedAs()).hasValueSatisfying(refusal -> {
            assertThat(refusal.kind()).isEqualTo(FailureKind.NOT_TRUSTED);
            assertThat(refusal.code()).isEqualTo("not_trusted");
            assertThat(refusal.addresses()).containsExactly(SENDER);
        });
        assertThat(store.reports().get(1).refusedAs()).hasValueSatisfying(refusal -> {
            assertThat(refusal.kind()).isEqualTo(FailureKind.RULE);
            assertThat(refusal.rule()).contains(CertificateRule.VALIDITY_PERIOD);
            assertThat(refusal.code()).isEqualTo("rule:validity-period");
        });
        assertThat(store.whyNoCertificate(SENDER)).startsWith("billing.p12 is refused (not_trusted): the certificate does not chain");
        assertThat(store.whyNoCertificate("nobody@shop.example")).isEqualTo("no file of the store names it");
    }

    @Test
    void aRefusalShouldKeepItsKindThroughTheStoreIndex() throws Exception {
        pki.sender(SENDER).validity(NOW.minus(java.time.Duration.ofDays(1)), NOW.plus(java.time.Duration.ofDays(900))).issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        Path index = directory.resolve(".index");
        CertificateStore.open(directory, PASSWORD, clock, Optional.of(index), RevocationChecker.none(), pki.rules());

        CertificateStore reopened = CertificateStore.open(directory, PASSWORD, clock, Optional.of(index), RevocationChecker.none(), pki.rules());

        assertThat(reopened.decryptions()).as("judged from the index").isZero();
        assertThat(reopened.reports().get(0).refusedAs()).hasValueSatisfying(refusal -> {
            assertThat(refusal.rule()).contains(CertificateRule.VALIDITY_PERIOD);
            assertThat(refusal.addresses()).containsExactly(SENDER);
        });
    }

    @Test
    void aFileLargerThanAnyPkcs12ShouldBeRefusedWithoutBeingReadAndTheOthersStillLoad() throws Exception {
        pki.sender(SENDER).issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        // sparse: three gigabytes on paper, larger than a Java array, as the file that once killed reloads for good
        try (java.io.RandomAccessFile huge = new java.io.RandomAccessFile(directory.resolve("huge.p12").toFile(), "rw")) {
            huge.setLength(3L * 1024 * 1024 * 1024);
        }

        CertificateStore store = open();

        assertThat(refusalOf("huge.p12")).isEqualTo("is 3221225472 bytes, larger than any PKCS#12 file (4 MiB at most); it is not read");
        assertThat(store.find(SENDER)).isPresent();
    }

    @Test
    void aFileReplacedByOneThatCannotBeReadShouldKeepItsLastGoodCertificateUntilRemoved() throws Exception {
        TestPki.Issued issued = pki.sender(SENDER).issue();
        Path file = issued.writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        byte[] good = Files.readAllBytes(file);
        CertificateStore store = open();
        assertThat(store.find(SENDER).orElseThrow().privateKey()).isNotNull();

        for (byte[] broken : new byte[][] {new byte[0], java.util.Arrays.copyOf(good, good.length / 2)}) {
            Files.write(file, broken);
            store.reload();
            store.reload();

            assertThat(store.find(SENDER)).as("kept over two reloads").map(SigningIdentity::certificate).contains(issued.certificate());
            assertThat(store.reports().get(0).problem()).get().asString().startsWith("billing.p12 ")
                .endsWith("the certificate read from it before stays in use until the file can be read again or is removed");
            assertThat(io.github.jamessmime.core.health.StoreHealth.evaluate(store, NOW, java.time.Duration.ofDays(30)).status())
                .isEqualTo(io.github.jamessmime.core.health.StoreHealth.Status.DEGRADED);
        }
        pki.sender(SENDER).issue().writePkcs12(file, "another password".toCharArray());
        store.reload();
        assertThat(store.find(SENDER)).as("kept under a wrong password too").map(SigningIdentity::certificate).contains(issued.certificate());

        Files.delete(file);
        store.reload();
        assertThat(store.find(SENDER)).as("a removed file drops its sender at once").isEmpty();
    }

    @Test
    void aKeptCertificateRevokedMeanwhileShouldStopSigning(@org.junit.jupiter.api.io.TempDir Path crls) throws Exception {
        TestPki.Issued issued = pki.sender(SENDER).issue();
        Path file = issued.writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        CertificateStore store = CertificateStore.open(directory, PASSWORD, clock, Optional.empty(),
            new RevocationChecker(Optional.of(crls), false, java.time.Duration.ofSeconds(2), clock), pki.rules());
        store.find(SENDER).orElseThrow().privateKey();
        Files.write(file, new byte[0]);
        store.reload();
        assertThat(store.find(SENDER)).as("kept").isPresent();

        Files.write(crls.resolve("intermediate.crl"), pki.crl(issued.certificate()));
        store.reload();

        assertThat(store.find(SENDER)).as("a kept certificate is judged at every load").isEmpty();
        assertThat(store.reports().get(0).refusal()).get().asString().contains("was revoked on");
    }

    @Test
    void aFileReplacedByAReadableOneThatBreaksARuleShouldDropItsSender() throws Exception {
        pki.sender(SENDER).issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        CertificateStore store = open();
        assertThat(store.find(SENDER)).isPresent();

        pki.sender(SENDER).validity(NOW.minus(java.time.Duration.ofDays(20)), NOW.minus(java.time.Duration.ofDays(1))).issue()
            .writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        store.reload();

        assertThat(store.find(SENDER)).as("an expired certificate is a verdict, not an unreadable file").isEmpty();
    }

    @Test
    void aFileUnderAnotherPasswordShouldCostOneDecryptionNotOneAtEveryReload() throws Exception {
        pki.sender(SENDER).issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        pki.sender("other@shop.example").issue().writePkcs12(directory.resolve("other.p12"), "not the store password".toCharArray());
        CertificateStore store = open();
        long afterOpen = store.decryptions();

        store.reload();
        store.reload();

        assertThat(afterOpen).isEqualTo(2);
        assertThat(store.decryptions()).as("neither the good file nor the refused one is decrypted again").isEqualTo(afterOpen);
        assertThat(refusalOf("other.p12")).startsWith("wrong password");
    }

    @Test
    void aFileWhosePasswordCheckWouldBurnCpuShouldBeRefusedBeforeAnyDecryption() throws Exception {
        Path file = pki.sender(SENDER).issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        org.bouncycastle.asn1.pkcs.Pfx pfx = org.bouncycastle.asn1.pkcs.Pfx.getInstance(Files.readAllBytes(file));
        org.bouncycastle.asn1.pkcs.MacData mac = pfx.getMacData();
        Files.write(file, new org.bouncycastle.asn1.pkcs.Pfx(pfx.getAuthSafe(),
            new org.bouncycastle.asn1.pkcs.MacData(mac.getMac(), mac.getSalt(), 5_000_000)).getEncoded());

        assertThat(refusalOf("billing.p12")).isEqualTo("its password check takes 5000000 iterations, more than any exporter writes"
            + " (1000000 at most); re-export it");
    }

    @Test
    void aRefusalShouldNeverQuoteTheBytesOfAFileThatIsNoPkcs12() throws Exception {
        Files.writeString(directory.resolve("passwd.p12"), "root:x:0:0:root:/root:/bin/bash\n");

        assertThat(refusalOf("passwd.p12")).isEqualTo("not a readable PKCS#12 file (its bytes are not a PKCS#12 structure);"
            + " replace it with a valid .p12 export");
    }

    @Test
    void theIndexShouldBeWrittenWhereItsDirectoryDoesNotExistYet(@org.junit.jupiter.api.io.TempDir Path jamesVar) throws Exception {
        pki.sender(SENDER).issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        Path index = jamesVar.resolve("smime/store-index");

        CertificateStore.open(directory, PASSWORD, clock, Optional.of(index), RevocationChecker.none(), pki.rules());

        assertThat(index).as("written at the first start of a read-only store, whose default index goes to var/smime/").exists();
    }

    @Test
    void anEmptyFileShouldSayItIsEmpty() throws Exception {
        Files.write(directory.resolve("empty.p12"), new byte[0]);

        assertThat(refusalOf("empty.p12")).isEqualTo("is empty (0 bytes); write the PKCS#12 file again, or remove it");
    }

    @Test
    void aLinkOutOfTheStoreDirectoryShouldNotBeRead(@org.junit.jupiter.api.io.TempDir Path elsewhere) throws Exception {
        Path outside = pki.sender(SENDER).issue().writePkcs12(elsewhere.resolve("billing.p12"), PASSWORD);
        Files.createSymbolicLink(directory.resolve("billing.p12"), outside);

        assertThat(refusalOf("billing.p12")).isEqualTo("is a link to " + outside.toRealPath()
            + ", outside the store directory; it is not read (copy the file in instead)");
        assertThat(open().find(SENDER)).isEmpty();
    }

    @Test
    void storeShouldFindCertificateForItsAddress() throws Exception {
        TestPki.Issued issued = pki.sender(SENDER).issue();
        issued.writePkcs12(directory.resolve("billing.p12"), PASSWORD);

        Optional<SigningIdentity> identity = open().find(SENDER);

        assertThat(identity).isPresent();
        assertThat(identity.get().certificate()).isEqualTo(issued.certificate());
        assertThat(identity.get().fingerprint()).hasSize(64);
    }

    @Test
    void storeShouldIndexEveryAddressOfTheSubjectAltName() throws Exception {
        pki.sender(SENDER).sanEmails(SENDER, "invoices@shop.example").issue().writePkcs12(directory.resolve("two.p12"), PASSWORD);

        CertificateStore store = open();

        assertThat(store.find(SENDER)).isPresent();
        assertThat(store.find("invoices@shop.example")).isPresent();
        assertThat(store.find("orders@shop.example")).isEmpty();
    }

    @Test
    void storeShouldCompareDomainCaseInsensitively() throws Exception {
        pki.sender("Billing@Shop.Example").issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);

        CertificateStore store = open();

        assertThat(store.find("Billing@shop.example")).isPresent();
        assertThat(store.find("Billing@SHOP.EXAMPLE")).isPresent();
    }

    @Test
    void storeShouldReadLegacyTripleDesAndRc2Pkcs12() throws Exception {
        TestPki.Issued issued = pki.sender(SENDER).issue();
        issued.writeLegacyPkcs12(directory.resolve("legacy.pfx"), PASSWORD);

        Optional<SigningIdentity> identity = open().find(SENDER);

        assertThat(identity).map(SigningIdentity::certificate).contains(issued.certificate());
    }

    @Test
    void storeShouldTakeChainFromFileWithoutRoot() throws Exception {
        pki.sender(SENDER).issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);

        SigningIdentity identity = open().find(SENDER).orElseThrow();

        assertThat(identity.intermediates()).containsExactly(pki.intermediate());
    }

    @Test
    void storeShouldRefuseWildcardAddress() throws Exception {
        pki.sender("*@shop.example").issue().writePkcs12(directory.resolve("wild.p12"), PASSWORD);

        assertThat(refusalOf("wild.p12")).contains("wildcard or domain-only address '*@shop.example'");
        assertThat(open().find("anyone@shop.example")).isEmpty();
    }

    @Test
    void storeShouldRefuseDomainOnlyAddress() throws Exception {
        pki.sender(SENDER).sanEmails("@shop.example").issue().writePkcs12(directory.resolve("domain.p12"), PASSWORD);
        pki.sender(SENDER).sanEmails("shop.example").issue().writePkcs12(directory.resolve("bare.p12"), PASSWORD);

        assertThat(refusalOf("domain.p12")).contains("wildcard or domain-only");
        assertThat(refusalOf("bare.p12")).contains("wildcard or domain-only");
    }

    @Test
    void storeShouldRefuseCertificateWithoutMailAddress() throws Exception {
        pki.sender(SENDER).sanEmails().issue().writePkcs12(directory.resolve("nosan.p12"), PASSWORD);

        assertThat(refusalOf("nosan.p12")).contains("names no mail address in SubjectAltName");
    }

    @Test
    void storeShouldRefuseExpiredCertificate() throws Exception {
        pki.sender(SENDER).validity(NOW.minus(Duration.ofDays(400)), NOW.minus(Duration.ofDays(1))).issue()
            .writePkcs12(directory.resolve("expired.p12"), PASSWORD);

        assertThat(refusalOf("expired.p12")).contains("expired on").contains("import the renewed certificate");
        assertThat(open().find(SENDER)).isEmpty();
    }

    @Test
    void storeShouldRefuseExtendedKeyUsageWithoutEmailProtection() throws Exception {
        pki.sender(SENDER).extendedKeyUsage(KeyPurposeId.id_kp_serverAuth).issue().writePkcs12(directory.resolve("tls.p12"), PASSWORD);

        assertThat(refusalOf("tls.p12")).contains("ExtendedKeyUsage lacks emailProtection");
    }

    @Test
    void storeShouldAcceptCertificateWithoutExtendedKeyUsage() throws Exception {
        pki.sender(SENDER).extendedKeyUsage().issue().writePkcs12(directory.resolve("noeku.p12"), PASSWORD);

        assertThat(open().find(SENDER)).isPresent();
    }

    @Test
    void storeShouldRefuseKeyUsageWithoutDigitalSignature() throws Exception {
        pki.sender(SENDER).keyUsage(KeyUsage.keyEncipherment).issue().writePkcs12(directory.resolve("encrypt-only.p12"), PASSWORD);

        assertThat(refusalOf("encrypt-only.p12")).contains("KeyUsage lacks digitalSignature");
    }

    @Test
    void storeShouldRefuseRsaKeyUnder2048Bits() throws Exception {
        pki.sender(SENDER).keyType(KeyType.RSA_1024).issue().writePkcs12(directory.resolve("weak.p12"), PASSWORD);

        assertThat(refusalOf("weak.p12")).contains("RSA key of 1024 bits is too weak");
    }

    @Test
    void storeShouldRefuseRsaKeyThatDoesNotMatchCertificate() throws Exception {
        pki.sender(SENDER).mismatchedKey().issue().writePkcs12(directory.resolve("mismatch.p12"), PASSWORD);

        assertThat(refusalOf("mismatch.p12")).contains("private key does not belong to the certificate");
    }

    @Test
    void storeShouldRefuseEcKeyThatDoesNotMatchCertificate() throws Exception {
        pki.sender(SENDER).keyType(KeyType.EC_P256).mismatchedKey().issue().writePkcs12(directory.resolve("mismatch-ec.p12"), PASSWORD);

        assertThat(refusalOf("mismatch-ec.p12")).contains("private key does not belong to the certificate");
    }

    @Test
    void storeShouldRefuseCorruptFile() throws Exception {
        Files.write(directory.resolve("corrupt.p12"), TestMessages.randomBytes(2000, 7));

        assertThat(refusalOf("corrupt.p12")).contains("not a readable PKCS#12 file");
    }

    @Test
    void storeShouldRefuseFileWithOtherPassword() throws Exception {
        pki.sender(SENDER).issue().writePkcs12(directory.resolve("other.p12"), "another password".toCharArray());

        assertThat(refusalOf("other.p12")).contains("wrong password");
    }

    @Test
    void refusedFileShouldNotStopOtherSenders() throws Exception {
        Files.write(directory.resolve("a-corrupt.p12"), TestMessages.randomBytes(500, 3));
        pki.sender("*@shop.example").issue().writePkcs12(directory.resolve("b-wild.p12"), PASSWORD);
        pki.sender(SENDER).issue().writePkcs12(directory.resolve("c-good.p12"), PASSWORD);

        CertificateStore store = open();

        assertThat(store.find(SENDER)).isPresent();
        assertThat(store.reports()).extracting(CertificateStore.FileReport::usable).containsExactly(false, false, true);
    }

    @Test
    void notYetValidCertificateShouldBecomeUsableAtNotBeforeWithoutReload() throws Exception {
        Instant notBefore = NOW.plus(Duration.ofHours(2));
        pki.sender(SENDER).validity(notBefore, NOW.plus(Duration.ofDays(300))).issue().writePkcs12(directory.resolve("future.p12"), PASSWORD);
        CertificateStore store = open();

        assertThat(store.find(SENDER)).isEmpty();
        clock.set(notBefore);
        assertThat(store.find(SENDER)).isPresent();
    }

    @Test
    void storeShouldUseTheValidCertificateThatExpiresLast() throws Exception {
        TestPki.Issued early = pki.sender(SENDER).keyIndex(0).validity(NOW.minus(Duration.ofDays(10)), NOW.plus(Duration.ofDays(20))).issue();
        TestPki.Issued late = pki.sender(SENDER).keyIndex(1).validity(NOW.minus(Duration.ofDays(5)), NOW.plus(Duration.ofDays(400))).issue();
        TestPki.Issued future = pki.sender(SENDER).keyIndex(2).validity(NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(800))).issue();
        early.writePkcs12(directory.resolve("early.p12"), PASSWORD);
        late.writePkcs12(directory.resolve("late.p12"), PASSWORD);
        future.writePkcs12(directory.resolve("future.p12"), PASSWORD);
        CertificateStore store = open();

        assertThat(store.find(SENDER).orElseThrow().certificate()).isEqualTo(late.certificate());
        clock.set(NOW.plus(Duration.ofDays(2)));
        assertThat(store.find(SENDER).orElseThrow().certificate()).isEqualTo(future.certificate());
        clock.set(NOW.plus(Duration.ofDays(801)));
        assertThat(store.find(SENDER)).isEmpty();
    }

    @Test
    void reloadShouldPickUpNewAndRemovedFiles() throws Exception {
        CertificateStore store = open();
        assertThat(store.find(SENDER)).isEmpty();

        pki.sender(SENDER).issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        store.reload();
        assertThat(store.find(SENDER)).isPresent();

        Files.delete(directory.resolve("billing.p12"));
        store.reload();
        assertThat(store.find(SENDER)).isEmpty();
    }

    @Test
    void storeShouldIgnoreFilesThatAreNotPkcs12() throws Exception {
        Files.writeString(directory.resolve("README.txt"), "notes");
        pki.sender(SENDER).issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);

        assertThat(open().reports()).hasSize(1);
    }

    @Test
    void openShouldFailClearlyWhenDirectoryIsMissing() {
        assertThatThrownBy(() -> CertificateStore.open(directory.resolve("missing"), PASSWORD, clock, Optional.empty(), RevocationChecker.none(), pki.rules()))
            .isInstanceOf(StoreException.class)
            .hasMessageContaining("does not exist")
            .hasMessageContaining("store.directory");
    }

    private CertificateStore openIndexed() throws StoreException {
        return CertificateStore.open(directory, PASSWORD, clock, Optional.of(directory.resolve(".index")), RevocationChecker.none(), pki.rules());
    }

    private byte[] signWith(CertificateStore store) throws Exception {
        MimeMessage signed = new SmimeSigner(DigestAlgorithm.SHA_256, clock)
            .sign(Verifiers.parse(TestMessages.plain7bit(SENDER)), store.find(SENDER).orElseThrow());
        return Verifiers.serialize(signed);
    }

    @Test
    void indexedStoreShouldSignAfterRestartWithKeyDecryptedOnFirstUse() throws Exception {
        TestPki.Issued issued = pki.sender(SENDER).keyType(KeyType.EC_P256).issue();
        issued.writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        Files.write(directory.resolve("corrupt.p12"), TestMessages.randomBytes(300, 5));
        openIndexed();
        assertThat(directory.resolve(".index")).exists();

        CertificateStore restarted = openIndexed();

        assertThat(restarted.find(SENDER).orElseThrow().certificate()).isEqualTo(issued.certificate());
        assertThat(restarted.reports()).filteredOn(report -> !report.usable()).singleElement()
            .satisfies(report -> assertThat(report.refusal()).get().asString().contains("not a readable PKCS#12 file"));
        byte[] signed = signWith(restarted);
        assertThat(Verifiers.openssl(signed, pki.root(), NOW).ok()).isTrue();
    }

    @Test
    void indexedStoreShouldReadAgainAFileReplacedUnderTheSameName() throws Exception {
        pki.sender(SENDER).keyIndex(0).issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        openIndexed();
        TestPki.Issued renewed = pki.sender(SENDER).keyIndex(1).issue();
        renewed.writePkcs12(directory.resolve("billing.p12"), PASSWORD);

        CertificateStore restarted = openIndexed();

        assertThat(restarted.find(SENDER).orElseThrow().certificate()).isEqualTo(renewed.certificate());
    }

    @Test
    void indexedStoreShouldRefuseCertificateThatExpiredSinceIndexed() throws Exception {
        pki.sender(SENDER).validity(NOW.minus(Duration.ofDays(10)), NOW.plus(Duration.ofDays(1))).issue()
            .writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        openIndexed();
        clock.advance(Duration.ofDays(2));

        CertificateStore restarted = openIndexed();

        assertThat(restarted.find(SENDER)).isEmpty();
        assertThat(restarted.reports().get(0).refusal()).get().asString().contains("expired on");
    }

    @Test
    void indexWrittenUnderAnotherPasswordShouldBeIgnored() throws Exception {
        pki.sender(SENDER).issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        openIndexed();

        CertificateStore otherPassword = CertificateStore.open(directory, "not the password".toCharArray(), clock,
            Optional.of(directory.resolve(".index")), RevocationChecker.none(), pki.rules());

        assertThat(otherPassword.find(SENDER)).isEmpty();
        assertThat(otherPassword.reports().get(0).refusal()).get().asString().contains("wrong password");
    }

    @Test
    void nodeWithAWrongPasswordShouldLeaveTheSharedIndexAsItIs() throws Exception {
        pki.sender(SENDER).issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        pki.sender("parcels@shop.example").keyType(KeyType.EC_P256).issue().writePkcs12(directory.resolve("parcels.p12"), PASSWORD);
        openIndexed();
        byte[] index = Files.readAllBytes(directory.resolve(".index"));

        CertificateStore wrong = CertificateStore.open(directory, "not the password".toCharArray(), clock,
            Optional.of(directory.resolve(".index")), RevocationChecker.none(), pki.rules());

        assertThat(wrong.passwordMismatch()).isTrue();
        assertThat(Files.readAllBytes(directory.resolve(".index"))).isEqualTo(index);
        CertificateStore healthy = openIndexed();
        assertThat(healthy.passwordMismatch()).isFalse();
        assertThat(healthy.find(SENDER)).isPresent();
        assertThat(Files.readAllBytes(directory.resolve(".index"))).as("the healthy node had nothing to rebuild").isEqualTo(index);
    }

    @Test
    void aFirstStartWithAWrongPasswordShouldWriteNoIndex() throws Exception {
        pki.sender(SENDER).issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);

        CertificateStore wrong = CertificateStore.open(directory, "not the password".toCharArray(), clock,
            Optional.of(directory.resolve(".index")), RevocationChecker.none(), pki.rules());

        assertThat(wrong.find(SENDER)).isEmpty();
        assertThat(directory.resolve(".index")).as("no index sealed with a password that opens nothing").doesNotExist();
        assertThat(openIndexed().find(SENDER)).isPresent();
        assertThat(directory.resolve(".index")).exists();
    }

    @Test
    void forgedIndexShouldNotOverrideTheFile() throws Exception {
        pki.sender(SENDER).issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        openIndexed();
        Path indexFile = directory.resolve(".index");
        String forged = Files.readString(indexFile).replaceAll("(?m)^(file \\S+ \\S+) ok$",
            "$1 refused " + Base64.getUrlEncoder().withoutPadding().encodeToString("forged".getBytes(StandardCharsets.UTF_8)));
        assertThat(forged).isNotEqualTo(Files.readString(indexFile));
        Files.writeString(indexFile, forged);

        CertificateStore restarted = openIndexed();

        assertThat(restarted.find(SENDER)).isPresent();
        assertThat(restarted.reports().get(0).usable()).isTrue();
    }

    @Test
    void indexWrittenUnderOtherTrustAnchorsShouldNotBeUsed() throws Exception {
        pki.sender(SENDER).issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        openIndexed();

        CertificateStore otherAnchors = CertificateStore.open(directory, PASSWORD, clock, Optional.of(directory.resolve(".index")),
            RevocationChecker.none(), TestPki.createOther(NOW, "Other").rules());

        assertThat(otherAnchors.find(SENDER)).isEmpty();
        assertThat(otherAnchors.reports().get(0).refusal()).get().asString().contains("does not chain to a trusted root");
    }

    @Test
    void lazyKeyShouldFailWithFileNameWhenFileChangedAfterLoad() throws Exception {
        pki.sender(SENDER).keyIndex(0).issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);
        openIndexed();
        CertificateStore restarted = openIndexed();
        pki.sender(SENDER).keyIndex(1).issue().writePkcs12(directory.resolve("billing.p12"), PASSWORD);

        assertThatThrownBy(() -> signWith(restarted))
            .isInstanceOf(SigningException.class)
            .hasMessageContaining("billing.p12 changed since the store was loaded");
    }

    @Test
    void removingTheCurrentCertificateShouldFallBackToTheNextValidOne() throws Exception {
        TestPki.Issued older = pki.sender(SENDER).keyIndex(0).validity(NOW.minus(Duration.ofDays(100)), NOW.plus(Duration.ofDays(30))).issue();
        TestPki.Issued current = pki.sender(SENDER).keyIndex(1).validity(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(365))).issue();
        older.writePkcs12(directory.resolve("older.p12"), PASSWORD);
        current.writePkcs12(directory.resolve("current.p12"), PASSWORD);
        CertificateStore store = openIndexed();
        assertThat(store.find(SENDER).orElseThrow().certificate()).isEqualTo(current.certificate());

        Files.delete(directory.resolve("current.p12"));
        store.reload();

        assertThat(store.find(SENDER).orElseThrow().certificate()).isEqualTo(older.certificate());
    }
}
