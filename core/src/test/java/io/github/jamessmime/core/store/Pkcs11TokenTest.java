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

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.health.StoreHealth;
import io.github.jamessmime.core.signing.DigestAlgorithm;
import io.github.jamessmime.core.signing.SigningException;
import io.github.jamessmime.core.signing.SmimeSigner;
import io.github.jamessmime.testing.MutableClock;
import io.github.jamessmime.testing.SoftHsm;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.TestPki.KeyType;
import io.github.jamessmime.testing.Verifiers;

/** Sender keys in a PKCS#11 token (SoftHSM2): listed, checked and signed with in the token, as a real HSM is used. */
class Pkcs11TokenTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final char[] PASSWORD = "store-secret".toCharArray();
    static final Duration WARNING = Duration.ofDays(30);

    static TestPki pki;
    static SoftHsm.Token token;

    @TempDir
    Path directory;
    MutableClock clock;

    @BeforeAll
    static void createPkiAndToken() {
        pki = TestPki.create(NOW);
        token = SoftHsm.shared().token(0);
    }

    @BeforeEach
    void setUp() {
        clock = new MutableClock(NOW);
        token.clear();
    }

    private Pkcs11Token.Settings settings(String pin) {
        return new Pkcs11Token.Settings("hsm", SoftHsm.LIBRARY, Optional.of(token.slot()), 0, pin.toCharArray());
    }

    private CertificateStore open(String pin) throws StoreException {
        return CertificateStore.open(directory, PASSWORD, clock, Optional.of(directory.resolve(".index")), RevocationChecker.none(),
            pki.rules(), Optional.of(Pkcs11Token.of(settings(pin))));
    }

    private TestPki.Issued putOnToken(String alias, String address, KeyType keyType, int keyIndex) {
        TestPki.Issued issued = pki.sender(address).keyType(keyType).keyIndex(keyIndex).issue();
        token.put(alias, issued.privateKey(), issued.chain());
        return issued;
    }

    private byte[] sign(SigningIdentity identity, String from) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()),
            new ByteArrayInputStream(TestMessages.withAttachment(from)));
        return Verifiers.serialize(new SmimeSigner(DigestAlgorithm.SHA_256, clock).sign(message, identity));
    }

    @Test
    void storeShouldSignWithRsaAndEcKeysHeldInTheToken() throws Exception {
        TestPki.Issued rsa = putOnToken("billing", "billing@shop.example", KeyType.RSA_2048, 0);
        TestPki.Issued ec = putOnToken("orders", "orders@shop.example", KeyType.EC_P256, 0);

        CertificateStore store = open(token.pin());

        for (TestPki.Issued issued : List.of(rsa, ec)) {
            String address = issued.certificate().getSubjectAlternativeNames().iterator().next().get(1).toString();
            SigningIdentity identity = store.find(address).orElseThrow();
            assertThat(identity.certificate()).isEqualTo(issued.certificate());
            assertThat(identity.keyProvider()).isPresent();
            assertThat(identity.source()).startsWith("pkcs11:hsm/");
            byte[] signed = sign(identity, address);
            assertThat(Verifiers.openssl(signed, pki.root(), NOW).ok()).as(address).isTrue();
            Verifiers.BcResult bc = Verifiers.bouncyCastle(signed);
            assertThat(bc.signatureValid).isTrue();
            assertThat(bc.signer).isEqualTo(issued.certificate());
        }
        assertThat(store.tokenProblem()).isEmpty();
        assertThat(StoreHealth.evaluate(store, NOW, WARNING).status()).isEqualTo(StoreHealth.Status.HEALTHY);
    }

    @Test
    void anRsassaPssKeyInTheTokenShouldBeRefusedAsThunderbirdCannotVerifyIt() throws Exception {
        putOnToken("pss", "pss@shop.example", KeyType.RSA_PSS_2048, 0);
        putOnToken("billing", "billing@shop.example", KeyType.RSA_2048, 0);

        CertificateStore store = open(token.pin());

        assertThat(store.find("pss@shop.example")).isEmpty();
        assertThat(refusal(store, "pkcs11:hsm/pss")).contains("RSASSA-PSS key (id-RSASSA-PSS)");
        assertThat(store.find("billing@shop.example")).isPresent();
    }

    @Test
    void aTokenKeyShouldSignFromManyThreadsAtOnce() throws Exception {
        putOnToken("billing", "billing@shop.example", KeyType.RSA_2048, 0);
        putOnToken("orders", "orders@shop.example", KeyType.EC_P256, 1);
        CertificateStore store = open(token.pin());
        SmimeSigner signer = new SmimeSigner(DigestAlgorithm.SHA_256, clock);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<byte[]>> signed = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String address = i % 2 == 0 ? "billing@shop.example" : "orders@shop.example";
                SigningIdentity identity = store.find(address).orElseThrow();
                signed.add(threads.submit(() -> Verifiers.serialize(signer.sign(new MimeMessage(Session.getInstance(new Properties()),
                    new ByteArrayInputStream(TestMessages.withAttachment(address))), identity))));
            }
            for (int i = 0; i < signed.size(); i++) {
                byte[] message = signed.get(i).get(60, TimeUnit.SECONDS);
                assertThat(Verifiers.bouncyCastle(message).signatureValid).as("message %d", i).isTrue();
                if (i < 4) {
                    assertThat(Verifiers.openssl(message, pki.root(), NOW).ok()).as("openssl, message %d", i).isTrue();
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void refreshShouldNoticeEntriesAddedToAndRemovedFromTheToken() throws Exception {
        putOnToken("billing", "billing@shop.example", KeyType.RSA_2048, 0);
        CertificateStore store = open(token.pin());
        assertThat(store.find("parcels@shop.example")).isEmpty();

        putOnToken("parcels", "parcels@shop.example", KeyType.EC_P256, 1);
        store.refreshToken();
        assertThat(store.find("parcels@shop.example")).isPresent();

        token.remove("billing");
        store.refreshToken();
        assertThat(store.find("billing@shop.example")).isEmpty();
        assertThat(store.find("parcels@shop.example")).isPresent();
        assertThat(store.reports()).extracting(CertificateStore.FileReport::name).containsExactly("pkcs11:hsm/parcels");
    }

    @Test
    void refreshOfAnUnchangedTokenShouldSignWithTheKeyHandlesJustListedAndKeepTheFiles() throws Exception {
        putOnToken("billing", "billing@shop.example", KeyType.EC_P256, 0);
        pki.sender("support@shop.example").keyIndex(1).issue().writePkcs12(directory.resolve("support.p12"), PASSWORD);
        CertificateStore store = open(token.pin());
        SigningIdentity before = store.find("billing@shop.example").orElseThrow();

        store.refreshToken();

        SigningIdentity after = store.find("billing@shop.example").orElseThrow();
        assertThat(after.certificate()).isEqualTo(before.certificate());
        assertThat(after.privateKey()).as("the key handle just listed").isNotSameAs(before.privateKey());
        byte[] signed = sign(after, "billing@shop.example");
        assertThat(Verifiers.openssl(signed, pki.root(), NOW).ok()).isTrue();
        assertThat(Verifiers.bouncyCastle(signed).signatureValid).isTrue();
        assertThat(store.find("support@shop.example")).isPresent();
        assertThat(store.reports()).extracting(CertificateStore.FileReport::name).containsExactly("support.p12", "pkcs11:hsm/billing");
    }

    @Test
    void tokenEntryBreakingARuleShouldBeRefusedAloneWithItsReason() throws Exception {
        putOnToken("billing", "billing@shop.example", KeyType.RSA_2048, 0);
        TestPki.Issued wildcard = pki.sender("*@shop.example").keyIndex(1).issue();
        token.put("wildcard", wildcard.privateKey(), wildcard.chain());
        TestPki.Issued weak = pki.sender("weak@shop.example").keyType(KeyType.RSA_1024).issue();
        token.put("weak", weak.privateKey(), weak.chain());

        CertificateStore store = open(token.pin());

        assertThat(store.find("billing@shop.example")).isPresent();
        assertThat(refusal(store, "pkcs11:hsm/wildcard")).contains("wildcard");
        assertThat(refusal(store, "pkcs11:hsm/weak")).contains("1024 bits is too weak");
        assertThat(StoreHealth.evaluate(store, NOW, WARNING).problems()).anyMatch(problem -> problem.startsWith("pkcs11:hsm/weak refused"));
    }

    @Test
    void keyThatDoesNotBelongToItsCertificateShouldBeRefused() throws Exception {
        TestPki.Issued issued = pki.sender("billing@shop.example").keyIndex(0).issue();
        TestPki.Issued other = pki.sender("other@shop.example").keyIndex(1).issue();
        token.put("billing", other.privateKey(), issued.chain());

        CertificateStore store = open(token.pin());

        assertThat(store.find("billing@shop.example")).isEmpty();
        assertThat(refusal(store, "pkcs11:hsm/billing")).contains("does not sign for the certificate");
    }

    @Test
    void lockedTokenShouldMakeHealthUnhealthyAndItsSendersFollowTheFailurePolicy() throws Exception {
        TestPki.Issued issued = putOnToken("billing", "billing@shop.example", KeyType.EC_P256, 0);
        open(token.pin());
        token.logout();

        CertificateStore store = open("not-the-pin");

        assertThat(store.tokenProblem()).hasValueSatisfying(problem -> assertThat(problem)
            .contains("PKCS#11 token 'hsm' cannot be opened").contains("CKR_PIN_INCORRECT").doesNotContain(token.pin()));
        StoreHealth health = StoreHealth.evaluate(store, NOW, WARNING);
        assertThat(health.status()).isEqualTo(StoreHealth.Status.UNHEALTHY);
        assertThat(health.summary()).contains("PKCS#11 token 'hsm' cannot be opened");
        SigningIdentity identity = store.find("billing@shop.example").orElseThrow();
        assertThat(identity.certificate()).isEqualTo(issued.certificate());
        assertThatThrownBy(() -> sign(identity, "billing@shop.example"))
            .isInstanceOf(SigningException.class).hasMessageContaining("cannot be opened");
    }

    @Test
    void aRefusedPinShouldNotBeTriedAgainUntilThePinFileChanges() throws Exception {
        putOnToken("billing", "billing@shop.example", KeyType.EC_P256, 0);
        token.logout();
        Path pinFile = Files.writeString(directory.resolve("token.pin"), "not-the-pin\n");
        CertificateStore store = CertificateStore.open(directory, PASSWORD, clock, Optional.empty(), RevocationChecker.none(), pki.rules(),
            Optional.of(Pkcs11Token.of(new Pkcs11Token.Settings("hsm", SoftHsm.LIBRARY, Optional.of(token.slot()), 0,
                "not-the-pin".toCharArray(), Optional.of(pinFile)))));
        assertThat(store.tokenProblem()).hasValueSatisfying(problem -> assertThat(problem).contains("CKR_PIN_INCORRECT")
            .contains("not tried again so that the token does not lock it").contains("put the right PIN in " + pinFile));

        // this process logs in with the right PIN: a store that tried its wrong one again would now list the token
        token.clear();
        putOnToken("billing", "billing@shop.example", KeyType.EC_P256, 0);
        store.refreshToken();
        assertThat(store.tokenProblem()).hasValueSatisfying(problem -> assertThat(problem).contains("not tried again"));
        assertThat(store.find("billing@shop.example")).isEmpty();

        Files.writeString(pinFile, token.pin() + "\n");
        store.refreshToken();
        assertThat(store.tokenProblem()).isEmpty();
        assertThat(store.find("billing@shop.example")).isPresent();
    }

    @Test
    void tokenThatCameBackShouldSignAgainAtTheNextReload() throws Exception {
        putOnToken("billing", "billing@shop.example", KeyType.RSA_2048, 0);
        open(token.pin());
        token.logout();
        CertificateStore locked = open("not-the-pin");
        assertThat(locked.tokenProblem()).isPresent();

        CertificateStore store = open(token.pin());

        assertThat(store.tokenProblem()).isEmpty();
        byte[] signed = sign(store.find("billing@shop.example").orElseThrow(), "billing@shop.example");
        assertThat(Verifiers.openssl(signed, pki.root(), NOW).ok()).isTrue();
        assertThat(Verifiers.bouncyCastle(signed).signatureValid).isTrue();
    }

    @Test
    void deleteShouldRefuseACertificateHeldInTheToken() throws Exception {
        putOnToken("billing", "billing@shop.example", KeyType.RSA_2048, 0);
        CertificateStore store = open(token.pin());
        String sha256 = store.find("billing@shop.example").orElseThrow().fingerprint();

        assertThatThrownBy(() -> store.delete(sha256)).isInstanceOf(StoreException.class)
            .hasMessageContaining("held in pkcs11:hsm/billing").hasMessageContaining("token's own tools")
            .extracting(e -> ((StoreException) e).kind()).isEqualTo(FailureKind.HELD_IN_TOKEN);
        assertThat(store.find("billing@shop.example")).isPresent();
    }

    private static String refusal(CertificateStore store, String name) {
        return store.reports().stream().filter(report -> report.name().equals(name)).findFirst().orElseThrow()
            .refusal().orElse("(usable)");
    }
}
