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
package io.github.jamessmime.core.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import javax.mail.internet.MimeMultipart;

import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.IssuerAndSerialNumber;
import org.bouncycastle.asn1.cms.Time;
import org.bouncycastle.asn1.smime.SMIMECapabilitiesAttribute;
import org.bouncycastle.asn1.smime.SMIMEEncryptionKeyPreferenceAttribute;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.DefaultSignedAttributeTableGenerator;
import org.bouncycastle.cms.SignerInfoGeneratorBuilder;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.TestPki.KeyType;
import io.github.jamessmime.testing.Verifiers;

/** The SignedData the signer writes from its per-identity template is the DER of what BouncyCastle's generator writes. */
class SignedDataTemplateTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final String SENDER = "billing@shop.example";

    static TestPki pki;

    @BeforeAll
    static void setUp() {
        pki = TestPki.create(NOW);
    }

    private static SigningIdentity identity(KeyType keyType) throws Exception {
        TestPki.Issued issued = pki.sender(SENDER).keyType(keyType).issue();
        return pki.rules().validate(Path.of("test.p12"), issued.privateKey(), issued.chain(), pki.now());
    }

    /** The signed message's first part (the bytes signed) and its SignedData. */
    private static byte[][] contentAndSignedData(byte[] signed) throws Exception {
        MimeMultipart multipart = (MimeMultipart) Verifiers.parse(signed).getContent();
        try (InputStream in = multipart.getBodyPart(1).getInputStream()) {
            return new byte[][] {Verifiers.rawPart(signed, Verifiers.parse(signed)), in.readAllBytes()};
        }
    }

    /**
     * BouncyCastle's own generator, with the JDK's providers, over the same content at the same time; without a signing
     * time when {@code time} is null.
     */
    private static byte[] bouncyCastle(SigningIdentity identity, DigestAlgorithm digest, Instant time, byte[] content) throws Exception {
        X509CertificateHolder certificate = new X509CertificateHolder(identity.certificate().getEncoded());
        ASN1EncodableVector attributes = new ASN1EncodableVector();
        if (time != null) {
            attributes.add(new Attribute(CMSAttributes.signingTime, new DERSet(new Time(Date.from(time)))));
        }
        attributes.add(new SMIMECapabilitiesAttribute(SmimeSigner.capabilities()));
        attributes.add(new SMIMEEncryptionKeyPreferenceAttribute(new IssuerAndSerialNumber(certificate.getIssuer(),
            certificate.getSerialNumber())));
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(identity.certificate());
        chain.addAll(identity.intermediates());
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new SignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
            .setSignedAttributeGenerator(parameters -> {
                AttributeTable table = new DefaultSignedAttributeTableGenerator(new AttributeTable(attributes)).getAttributes(parameters);
                return time == null ? table.remove(CMSAttributes.signingTime) : table; // the generator adds one otherwise
            })
            .build(new JcaContentSignerBuilder(digest.signaturePrefix() + "withRSA").build(identity.privateKey()), certificate));
        generator.addCertificates(new JcaCertStore(chain));
        return generator.generate(new CMSProcessableByteArray(content), false).getEncoded(ASN1Encoding.DER);
    }

    @ParameterizedTest
    @EnumSource(DigestAlgorithm.class)
    void signedDataShouldBeTheDerOfBouncyCastlesGeneratorByteForByte(DigestAlgorithm digest) throws Exception {
        // RSA PKCS#1 v1.5 signatures are deterministic: the whole SignedData can be compared
        SigningIdentity identity = identity(KeyType.RSA_2048);
        Instant time = NOW.plusMillis(1234);
        for (SignatureProvider.Setting setting : List.of(SignatureProvider.Setting.AUTO, SignatureProvider.Setting.JDK)) {
            SmimeSigner signer = new SmimeSigner(digest, Clock.fixed(time, ZoneOffset.UTC), SmimeSigner.DEFAULT_MAX_DEPTH, true,
                SmimeSigner.DEFAULT_MAX_MESSAGE_SIZE, SignatureProvider.select(setting));
            byte[][] parts = contentAndSignedData(Verifiers.serialize(signer.sign(Verifiers.parse(TestMessages.nestedMultipart(SENDER)),
                identity)));

            assertThat(parts[1]).as(setting.toString()).isEqualTo(bouncyCastle(identity, digest, time, parts[0]));
        }
    }

    @Test
    void signedDataWithoutSigningTimeShouldBeTheDerOfBouncyCastlesGeneratorByteForByte() throws Exception {
        SigningIdentity identity = identity(KeyType.RSA_2048);
        byte[] resent = new String(TestMessages.nestedMultipart(SENDER), StandardCharsets.ISO_8859_1)
            .replace("Date: Mon, 1 Jun 2026 09:58:00 +0000", "Date: Thu, 28 May 2026 08:00:00 +0000").getBytes(StandardCharsets.ISO_8859_1);
        for (SignatureProvider.Setting setting : List.of(SignatureProvider.Setting.AUTO, SignatureProvider.Setting.JDK)) {
            SmimeSigner signer = new SmimeSigner(DigestAlgorithm.SHA_256, Clock.fixed(NOW, ZoneOffset.UTC), SmimeSigner.DEFAULT_MAX_DEPTH,
                true, SmimeSigner.DEFAULT_MAX_MESSAGE_SIZE, SignatureProvider.select(setting));
            SignedMessage signed = signer.sign(Verifiers.parse(resent), identity);
            byte[][] parts = contentAndSignedData(Verifiers.serialize(signed));

            assertThat(signed.dating().carriesSigningTime()).isFalse();
            assertThat(parts[1]).as(setting.toString()).isEqualTo(bouncyCastle(identity, DigestAlgorithm.SHA_256, null, parts[0]));
        }
    }

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"EC_P256", "EC_P384"})
    void randomisedSignaturesShouldDifferFromBouncyCastlesOnlyInTheirValue(KeyType keyType) throws Exception {
        SigningIdentity identity = identity(keyType);
        SmimeSigner signer = new SmimeSigner(DigestAlgorithm.SHA_256, Clock.fixed(NOW, ZoneOffset.UTC));
        byte[][] parts = contentAndSignedData(Verifiers.serialize(signer.sign(Verifiers.parse(TestMessages.plain7bit(SENDER)), identity)));
        String algorithm = ProviderContentSigner.algorithmName(identity.privateKey(), DigestAlgorithm.SHA_256);
        X509CertificateHolder certificate = new X509CertificateHolder(identity.certificate().getEncoded());
        ASN1EncodableVector attributes = new ASN1EncodableVector();
        attributes.add(new Attribute(CMSAttributes.signingTime, new DERSet(new Time(Date.from(NOW)))));
        attributes.add(new SMIMECapabilitiesAttribute(SmimeSigner.capabilities()));
        attributes.add(new SMIMEEncryptionKeyPreferenceAttribute(new IssuerAndSerialNumber(certificate.getIssuer(),
            certificate.getSerialNumber())));
        List<X509Certificate> chain = new ArrayList<>(List.of(identity.certificate()));
        chain.addAll(identity.intermediates());
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new SignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
            .setSignedAttributeGenerator(new DefaultSignedAttributeTableGenerator(new AttributeTable(attributes)))
            .build(ProviderContentSigner.create(SignatureProvider.jdk(), identity.privateKey(), identity.privateKey(),
                DigestAlgorithm.SHA_256), certificate));
        generator.addCertificates(new JcaCertStore(chain));
        CMSSignedData expected = generator.generate(new CMSProcessableByteArray(parts[0]), false);
        CMSSignedData actual = new CMSSignedData(parts[1]);
        SignerInformation expectedSigner = expected.getSignerInfos().getSigners().iterator().next();
        SignerInformation actualSigner = actual.getSignerInfos().getSigners().iterator().next();

        assertThat(algorithm).isNotEmpty();
        assertThat(actualSigner.getEncodedSignedAttributes()).isEqualTo(expectedSigner.getEncodedSignedAttributes());
        assertThat(actualSigner.getEncryptionAlgOID()).isEqualTo(expectedSigner.getEncryptionAlgOID());
        assertThat(actualSigner.getEncryptionAlgParams()).isEqualTo(expectedSigner.getEncryptionAlgParams());
        assertThat(actual.getCertificates().getMatches(null)).containsExactlyInAnyOrderElementsOf(expected.getCertificates().getMatches(null));
        assertThat(actual.getEncoded(ASN1Encoding.DER)).as("the SignedData is DER").isEqualTo(parts[1]);
    }

    @Test
    void signingTimeShouldBeGeneralizedTimeFrom2050AsBouncyCastleWrites() throws Exception {
        SigningIdentity identity = identity(KeyType.RSA_2048);
        Instant time = Instant.parse("2050-01-01T00:00:01Z");
        // the certificate is not valid then; the template does not care, and neither does the comparison
        SmimeSigner signer = new SmimeSigner(DigestAlgorithm.SHA_256, Clock.fixed(time, ZoneOffset.UTC));
        byte[] dated = new String(TestMessages.plain7bit(SENDER), StandardCharsets.ISO_8859_1)
            .replace("Date: Mon, 1 Jun 2026 09:58:00 +0000", "Date: Sat, 1 Jan 2050 00:00:00 +0000").getBytes(StandardCharsets.ISO_8859_1);
        byte[][] parts = contentAndSignedData(Verifiers.serialize(signer.sign(Verifiers.parse(dated), identity)));

        assertThat(parts[1]).isEqualTo(bouncyCastle(identity, DigestAlgorithm.SHA_256, time, parts[0]));
    }

    @Test
    void templateShouldRefuseASignedDataWithoutSigningTime() throws Exception {
        SigningIdentity identity = identity(KeyType.RSA_2048);
        X509CertificateHolder certificate = new X509CertificateHolder(identity.certificate().getEncoded());
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new SignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
            .setSignedAttributeGenerator(new DefaultSignedAttributeTableGenerator() {
                @Override
                protected Hashtable createStandardAttributeTable(Map parameters) {
                    Hashtable table = super.createStandardAttributeTable(parameters);
                    table.remove(CMSAttributes.signingTime);
                    return table;
                }
            })
            .build(new JcaContentSignerBuilder("SHA256withRSA").build(identity.privateKey()), certificate));
        generator.addCertificates(new JcaCertStore(List.of(identity.certificate())));
        byte[] withoutTime = generator.generate(new CMSProcessableByteArray(new byte[0]), false).getEncoded(ASN1Encoding.DER);

        assertThatThrownBy(() -> SignedDataTemplate.of(withoutTime)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("no signing time");
    }
}
