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
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.github.jamessmime.core.signing.DigestAlgorithm;
import io.github.jamessmime.core.signing.SmimeSigner;
import io.github.jamessmime.testing.MutableClock;
import io.github.jamessmime.testing.SoftHsm;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

/** A key made in the token, its request signed there, and the CA's certificate put on the token for it. */
class TokenEnrolmentTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final char[] PASSWORD = "store-secret".toCharArray();
    static final String SENDER = "billing@shop.example";
    static final BouncyCastleProvider BOUNCY_CASTLE = new BouncyCastleProvider();

    static TestPki pki;
    static SoftHsm.Token token;

    @TempDir
    Path directory;
    Pkcs11Token pkcs11;
    TokenEnrolment enrolment;

    @BeforeAll
    static void createPkiAndToken() {
        pki = TestPki.create(NOW);
        token = SoftHsm.shared().token(2);
    }

    @BeforeEach
    void setUp() {
        token.clear();
        pkcs11 = Pkcs11Token.of(new Pkcs11Token.Settings("hsm", SoftHsm.LIBRARY, Optional.of(token.slot()), 0, token.pin().toCharArray()));
        enrolment = new TokenEnrolment(pkcs11);
    }

    private CertificateStore open() throws StoreException {
        return CertificateStore.open(directory, PASSWORD, new MutableClock(NOW), Optional.empty(), RevocationChecker.none(), pki.rules(),
            Optional.of(pkcs11));
    }

    /** What the CA does: checks the request's signature, then certifies its public key for its address. */
    private static TestPki.Issued certify(byte[] request) throws Exception {
        // BouncyCastle's provider as an object (never registered): the JDK's KeyFactory does not answer to the EC OID
        JcaPKCS10CertificationRequest csr = new JcaPKCS10CertificationRequest(request).setProvider(BOUNCY_CASTLE);
        assertThat(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider(BOUNCY_CASTLE)
            .build(csr.getSubjectPublicKeyInfo()))).isTrue();
        Extensions extensions = Extensions.getInstance(csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)[0]
            .getAttrValues().getObjectAt(0));
        GeneralName name = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName).getNames()[0];
        assertThat(name.getTagNo()).isEqualTo(GeneralName.rfc822Name);
        PublicKey publicKey = csr.getPublicKey();
        return pki.sender(name.getName().toString()).issueFor(publicKey);
    }

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"RSA_2048", "EC_P256"})
    void aKeyMadeInTheTokenShouldAwaitItsCertificateAndThenSign(KeyType type) throws Exception {
        byte[] request = enrolment.generateKey("billing", SENDER, "CN=Billing,O=Shop", type, NOW);
        CertificateStore store = open();
        assertThat(store.find(SENDER)).isEmpty();
        assertThat(store.reports()).singleElement().satisfies(report -> assertThat(report.refusal()).hasValueSatisfying(reason ->
            assertThat(reason).contains("awaits its CA-issued certificate").contains("token-certificate --alias billing")));

        TestPki.Issued issued = certify(request);
        SigningIdentity installed = enrolment.installCertificate("billing", List.of(issued.certificate(), issued.chain().get(1)),
            pki.rules(), NOW);
        store.refreshToken();

        assertThat(installed.certificate()).isEqualTo(issued.certificate());
        SigningIdentity identity = store.find(SENDER).orElseThrow();
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(TestMessages.plain7bit(SENDER)));
        byte[] signed = Verifiers.serialize(new SmimeSigner(DigestAlgorithm.SHA_256, new MutableClock(NOW)).sign(message, identity));
        assertThat(Verifiers.openssl(signed, pki.root(), NOW).ok()).isTrue();
        Verifiers.BcResult bc = Verifiers.bouncyCastle(signed);
        assertThat(bc.signatureValid).isTrue();
        assertThat(bc.signer).isEqualTo(issued.certificate());
    }

    @Test
    void aCertificateForAnotherKeyShouldBeRefusedAndTheKeyKeptWaiting() throws Exception {
        enrolment.generateKey("billing", SENDER, "CN=Billing", KeyType.EC_P256, NOW);
        TestPki.Issued other = pki.sender(SENDER).keyType(TestPki.KeyType.EC_P256).issue();

        assertThatThrownBy(() -> enrolment.installCertificate("billing", other.chain(), pki.rules(), NOW))
            .isInstanceOf(StoreException.class).hasMessageContaining("none of the 3 certificates given is for the key 'billing'");
        assertThat(open().reports()).singleElement().satisfies(report -> assertThat(report.refusal()).isPresent());
    }

    @Test
    void aCertificateTheRulesRefuseShouldNotBePutOnTheToken() throws Exception {
        byte[] request = enrolment.generateKey("billing", SENDER, "CN=Billing", KeyType.EC_P256, NOW);
        PublicKey publicKey = new JcaPKCS10CertificationRequest(request).getPublicKey();
        TestPki.Issued wildcard = pki.sender("*@shop.example").issueFor(publicKey);

        assertThatThrownBy(() -> enrolment.installCertificate("billing", wildcard.chain(), pki.rules(), NOW))
            .isInstanceOf(StoreException.class).hasMessageContaining("wildcard");
        assertThat(open().find(SENDER)).isEmpty();
    }

    @Test
    void keygenShouldRefuseATakenAliasAndAnAddressThatIsNoMailbox() throws Exception {
        enrolment.generateKey("billing", SENDER, "CN=Billing", KeyType.EC_P256, NOW);

        assertThatThrownBy(() -> enrolment.generateKey("billing", SENDER, "CN=Billing", KeyType.EC_P256, NOW))
            .hasMessageContaining("already holds an entry 'billing'");
        assertThatThrownBy(() -> enrolment.generateKey("other", "*@shop.example", "CN=x", KeyType.EC_P256, NOW))
            .hasMessageContaining("wildcard or domain-only address '*@shop.example' refused");
        assertThatThrownBy(() -> enrolment.generateKey("other", "\"a b\"@shop.example", "CN=x", KeyType.EC_P256, NOW))
            .hasMessageContaining("as --address is not a plain mail address");
    }
}
