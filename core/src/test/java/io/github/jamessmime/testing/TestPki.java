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
package io.github.jamessmime.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.bouncycastle.asn1.DERBMPString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.crypto.engines.DESedeEngine;
import org.bouncycastle.crypto.engines.RC2Engine;
import org.bouncycastle.crypto.modes.CBCBlockCipher;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS12PfxPdu;
import org.bouncycastle.pkcs.PKCS12PfxPduBuilder;
import org.bouncycastle.pkcs.PKCS12SafeBag;
import org.bouncycastle.pkcs.PKCS12SafeBagBuilder;
import org.bouncycastle.pkcs.bc.BcPKCS12MacCalculatorBuilder;
import org.bouncycastle.pkcs.bc.BcPKCS12PBEOutputEncryptorBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS12SafeBagBuilder;

import io.github.jamessmime.core.store.CertificateRules;

/**
 * A throw-away PKI for tests: a root CA, an intermediate CA and end-entity certificates for sender
 * addresses, all made at test time around a fixed instant. Keys are generated once per key type and JVM
 * (key generation dominates test time), certificates are fresh for every call.
 */
public final class TestPki {

    public enum KeyType {
        RSA_1024("RSA", 1024), RSA_2048("RSA", 2048), RSA_3072("RSA", 3072), RSA_PSS_2048("RSASSA-PSS", 2048),
        EC_P256("EC", 256), EC_P384("EC", 384);

        final String algorithm;
        final int size;

        KeyType(String algorithm, int size) {
            this.algorithm = algorithm;
            this.size = size;
        }
    }

    private static final Map<KeyType, List<KeyPair>> KEY_POOL = new EnumMap<>(KeyType.class);
    private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime() & 0xFFFFFFFFL);

    private final Instant now;
    private final KeyPair rootKeys;
    private final X509Certificate root;
    private final KeyPair intermediateKeys;
    private final X509Certificate intermediate;

    private TestPki(Instant now) throws GeneralSecurityException {
        this(now, "Test", 0);
    }

    private TestPki(Instant now, String name, int keyIndex) throws GeneralSecurityException {
        this.now = now;
        this.rootKeys = keyPair(KeyType.RSA_2048, keyIndex);
        this.root = build(new X500Name("CN=" + name + " Root CA,O=james-smime tests"), rootKeys.getPublic(),
            new X500Name("CN=" + name + " Root CA,O=james-smime tests"), rootKeys.getPrivate(), rootKeys.getPublic(),
            now.minus(Duration.ofDays(3650)), now.plus(Duration.ofDays(3650)), true, null, null, null, "SHA256withRSA", null);
        this.intermediateKeys = keyPair(KeyType.RSA_2048, keyIndex + 1);
        this.intermediate = build(new X500Name("CN=" + name + " Intermediate CA,O=james-smime tests"), intermediateKeys.getPublic(),
            X500Name.getInstance(root.getSubjectX500Principal().getEncoded()), rootKeys.getPrivate(), rootKeys.getPublic(),
            now.minus(Duration.ofDays(1000)), now.plus(Duration.ofDays(1000)), true, null, null, null, "SHA256withRSA", null);
    }

    /** A PKI whose certificates are valid around {@code now}. */
    public static TestPki create(Instant now) {
        try {
            return new TestPki(now);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Another CA: its own root and intermediate keys and names ({@code CN=<name> Root CA}), so that nothing it issues
     * chains to the roots of {@link #create(Instant)}.
     */
    public static TestPki createOther(Instant now, String name) {
        try {
            return new TestPki(now, name, 2);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public Instant now() {
        return now;
    }

    public X509Certificate root() {
        return root;
    }

    /** A certificate the intermediate issues for signing OCSP responses (RFC 6960 4.2.2.2): OCSP-signing purpose. */
    public Issued ocspResponder(int keyIndex) {
        return sender("responder").sanEmails().subject("CN=Test OCSP Responder " + keyIndex + ",O=james-smime tests").keyIndex(keyIndex)
            .extendedKeyUsage(KeyPurposeId.id_kp_OCSPSigning).keyUsage(KeyUsage.digitalSignature).issue();
    }

    /** The intermediate CA's private key, which issues every sender certificate (for a test OCSP responder). */
    public PrivateKey intermediateKey() {
        return intermediateKeys.getPrivate();
    }

    public X509Certificate intermediate() {
        return intermediate;
    }

    /** The store's rules with this PKI's root as the only trust anchor. */
    public CertificateRules rules() {
        return CertificateRules.trusting(List.of(root), "the test root");
    }

    public Path writeRootPem(Path file) throws IOException {
        return writePem(file, root);
    }

    public static Path writePem(Path file, X509Certificate... certificates) throws IOException {
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            for (X509Certificate certificate : certificates) {
                writer.write("-----BEGIN CERTIFICATE-----\n");
                writer.write(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(certificate.getEncoded()));
                writer.write("\n-----END CERTIFICATE-----\n");
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
        return file;
    }

    /** Starts an end-entity certificate for {@code address}: RSA 2048, one year, S/MIME profile. */
    public SenderBuilder sender(String address) {
        return new SenderBuilder(address);
    }

    public final class SenderBuilder {
        private KeyType keyType = KeyType.RSA_2048;
        private int keyIndex = 0;
        private List<String> emails = new ArrayList<>();
        private Instant notBefore = now.minus(Duration.ofDays(1));
        private Instant notAfter = now.plus(Duration.ofDays(365));
        private KeyPurposeId[] eku = {KeyPurposeId.id_kp_emailProtection};
        private Integer keyUsage = KeyUsage.digitalSignature | KeyUsage.keyEncipherment;
        private boolean selfSigned = false;
        private boolean mismatchedKey = false;
        private String signatureAlgorithm = "SHA256withRSA";
        private String crlDistributionPoint;
        private String ocspResponder;
        private boolean ca = false;
        private String subject;

        private SenderBuilder(String address) {
            emails.add(address);
        }

        public SenderBuilder keyType(KeyType keyType) {
            this.keyType = keyType;
            return this;
        }

        /** A different key pair of the same type (for renewals and rollover). */
        public SenderBuilder keyIndex(int keyIndex) {
            this.keyIndex = keyIndex;
            return this;
        }

        /** Replaces the SubjectAltName rfc822Names. */
        public SenderBuilder sanEmails(String... emails) {
            this.emails = List.of(emails);
            return this;
        }

        public SenderBuilder validity(Instant notBefore, Instant notAfter) {
            this.notBefore = notBefore;
            this.notAfter = notAfter;
            return this;
        }

        /** Extended key usages, none for no EKU extension. */
        public SenderBuilder extendedKeyUsage(KeyPurposeId... eku) {
            this.eku = eku;
            return this;
        }

        /** KeyUsage bits, or null for no KeyUsage extension. */
        public SenderBuilder keyUsage(Integer keyUsage) {
            this.keyUsage = keyUsage;
            return this;
        }

        /** How the intermediate CA signs the certificate (SHA256withRSA by default). */
        public SenderBuilder signatureAlgorithm(String signatureAlgorithm) {
            this.signatureAlgorithm = signatureAlgorithm;
            return this;
        }

        /** A CRL distribution point (http URI) in the certificate. */
        /** An Authority Information Access naming this OCSP responder. */
        public SenderBuilder ocspResponder(String uri) {
            this.ocspResponder = uri;
            return this;
        }

        public SenderBuilder crlDistributionPoint(String uri) {
            this.crlDistributionPoint = uri;
            return this;
        }

        /** The certificate says CA:TRUE (basicConstraints), keeping the S/MIME extensions. */
        public SenderBuilder ca() {
            this.ca = true;
            return this;
        }

        /** The subject DN (RFC 4514, for example {@code CN=x,E=y@z}); by default CN=address. */
        public SenderBuilder subject(String subject) {
            this.subject = subject;
            return this;
        }

        /** The PKCS#12 gets a private key that does not belong to the certificate. */
        public SenderBuilder mismatchedKey() {
            this.mismatchedKey = true;
            return this;
        }

        /**
         * The certificate the intermediate CA issues for a key that is not ours (a certificate request's): its
         * {@link Issued#privateKey()} is null.
         */
        public Issued issueFor(PublicKey publicKey) {
            try {
                X509Certificate certificate = certificateFor(publicKey);
                return new Issued(null, certificate, List.of(certificate, intermediate, root));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        private X509Certificate certificateFor(PublicKey publicKey) throws GeneralSecurityException {
            X500Name subjectName = new X500Name(subject != null ? subject
                : "CN=" + (emails.isEmpty() ? "no address" : emails.get(0).replace(SMTP_UTF8_MAILBOX, "")) + ",O=james-smime tests");
            return build(subjectName, publicKey, X500Name.getInstance(intermediate.getSubjectX500Principal().getEncoded()),
                intermediateKeys.getPrivate(), intermediateKeys.getPublic(), notBefore, notAfter, false, emails, eku, keyUsage,
                signatureAlgorithm, crlDistributionPoint, ca, ocspResponder);
        }

        public Issued issue() {
            try {
                KeyPair keys = keyPair(keyType, 10 + keyIndex);
                X509Certificate certificate = certificateFor(keys.getPublic());
                PrivateKey privateKey = mismatchedKey ? keyPair(keyType, 99).getPrivate() : keys.getPrivate();
                return new Issued(privateKey, certificate, List.of(certificate, intermediate, root));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public static final class Issued {
        private final PrivateKey privateKey;
        private final X509Certificate certificate;
        private final List<X509Certificate> chain;

        Issued(PrivateKey privateKey, X509Certificate certificate, List<X509Certificate> chain) {
            this.privateKey = privateKey;
            this.certificate = certificate;
            this.chain = chain;
        }

        public PrivateKey privateKey() {
            return privateKey;
        }

        public X509Certificate certificate() {
            return certificate;
        }

        /** Certificate, intermediate, root. */
        public List<X509Certificate> chain() {
            return chain;
        }

        /** A PKCS#12 as the JDK writes it by default (AES-256-CBC, PBKDF2, HmacSHA256 MAC). */
        public Path writePkcs12(Path file, char[] password) throws IOException {
            try {
                KeyStore keyStore = KeyStore.getInstance("PKCS12");
                keyStore.load(null, null);
                keyStore.setKeyEntry("sender", privateKey, password, chain.toArray(new Certificate[0]));
                try (OutputStream out = Files.newOutputStream(file)) {
                    keyStore.store(out, password);
                }
                return file;
            } catch (GeneralSecurityException e) {
                throw new IOException(e);
            }
        }

        /** A legacy PKCS#12 as older tools export it: key under 3DES, certificates under RC2-40, SHA-1 MAC. */
        public Path writeLegacyPkcs12(Path file, char[] password) throws IOException {
            try {
                JcaX509ExtensionUtils extensionUtils = new JcaX509ExtensionUtils();
                List<PKCS12SafeBag> certBags = new ArrayList<>();
                for (int i = 0; i < chain.size(); i++) {
                    PKCS12SafeBagBuilder bag = new JcaPKCS12SafeBagBuilder(chain.get(i));
                    if (i == 0) {
                        bag.addBagAttribute(PKCSObjectIdentifiers.pkcs_9_at_friendlyName, new DERBMPString("sender"));
                        bag.addBagAttribute(PKCSObjectIdentifiers.pkcs_9_at_localKeyId,
                            extensionUtils.createSubjectKeyIdentifier(chain.get(0).getPublicKey()));
                    }
                    certBags.add(bag.build());
                }
                OutputEncryptor keyEncryptor = new BcPKCS12PBEOutputEncryptorBuilder(
                    PKCSObjectIdentifiers.pbeWithSHAAnd3_KeyTripleDES_CBC, CBCBlockCipher.newInstance(new DESedeEngine()))
                    .build(password);
                PKCS12SafeBagBuilder keyBag = new JcaPKCS12SafeBagBuilder(privateKey, keyEncryptor);
                keyBag.addBagAttribute(PKCSObjectIdentifiers.pkcs_9_at_friendlyName, new DERBMPString("sender"));
                keyBag.addBagAttribute(PKCSObjectIdentifiers.pkcs_9_at_localKeyId,
                    extensionUtils.createSubjectKeyIdentifier(chain.get(0).getPublicKey()));
                PKCS12PfxPduBuilder pfx = new PKCS12PfxPduBuilder();
                OutputEncryptor certEncryptor = new BcPKCS12PBEOutputEncryptorBuilder(
                    PKCSObjectIdentifiers.pbeWithSHAAnd40BitRC2_CBC, CBCBlockCipher.newInstance(new RC2Engine()))
                    .build(password);
                pfx.addEncryptedData(certEncryptor, certBags.toArray(new PKCS12SafeBag[0]));
                pfx.addData(keyBag.build());
                PKCS12PfxPdu pdu = pfx.build(new BcPKCS12MacCalculatorBuilder(), password);
                Files.write(file, pdu.getEncoded());
                return file;
            } catch (Exception e) {
                throw new IOException(e);
            }
        }
    }

    /** A CRL of the intermediate CA revoking {@code revoked}, valid from {@code now} for a week, DER-encoded. */
    public byte[] crl(X509Certificate... revoked) {
        return crl(intermediateKeys.getPrivate(), revoked);
    }

    /** A CRL in the intermediate CA's name but signed with another key (the root's): it must not count. */
    public byte[] forgedCrl(X509Certificate... revoked) {
        return crl(rootKeys.getPrivate(), revoked);
    }

    private byte[] crl(PrivateKey signingKey, X509Certificate... revoked) {
        try {
            X509v2CRLBuilder builder = new X509v2CRLBuilder(
                X500Name.getInstance(intermediate.getSubjectX500Principal().getEncoded()), Date.from(now.minus(Duration.ofHours(1))));
            builder.setNextUpdate(Date.from(now.plus(Duration.ofDays(7))));
            for (X509Certificate certificate : revoked) {
                builder.addCRLEntry(certificate.getSerialNumber(), Date.from(now.minus(Duration.ofMinutes(30))),
                    CRLReason.keyCompromise);
            }
            return builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(signingKey)).getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static synchronized KeyPair keyPair(KeyType type, int index) throws GeneralSecurityException {
        List<KeyPair> pool = KEY_POOL.computeIfAbsent(type, t -> new ArrayList<>());
        while (pool.size() <= index) {
            pool.add(null);
        }
        if (pool.get(index) == null) {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(type.algorithm);
            if (type.algorithm.equals("EC")) {
                generator.initialize(new ECGenParameterSpec(type.size == 256 ? "secp256r1" : "secp384r1"));
            } else {
                generator.initialize(type.size);
            }
            pool.set(index, generator.generateKeyPair());
        }
        return pool.get(index);
    }

    private static X509Certificate build(X500Name subject, PublicKey subjectKey, X500Name issuer, PrivateKey issuerKey,
                                         PublicKey issuerPublicKey, Instant notBefore, Instant notAfter, boolean ca,
                                         List<String> emails, KeyPurposeId[] eku, Integer keyUsage, String signatureAlgorithm,
                                         String crlDistributionPoint) throws GeneralSecurityException {
        return build(subject, subjectKey, issuer, issuerKey, issuerPublicKey, notBefore, notAfter, ca, emails, eku, keyUsage,
            signatureAlgorithm, crlDistributionPoint, false, null);
    }

    /** {@code leafCa}: an end-entity profile (SAN, EKU) that nevertheless says CA:TRUE. */
    private static X509Certificate build(X500Name subject, PublicKey subjectKey, X500Name issuer, PrivateKey issuerKey,
                                         PublicKey issuerPublicKey, Instant notBefore, Instant notAfter, boolean ca,
                                         List<String> emails, KeyPurposeId[] eku, Integer keyUsage, String signatureAlgorithm,
                                         String crlDistributionPoint, boolean leafCa, String ocspResponder) throws GeneralSecurityException {
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIALS.incrementAndGet()),
                Date.from(notBefore), Date.from(notAfter), subject, subjectKey);
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey));
            builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(issuerPublicKey));
            if (ca) {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(leafCa));
                if (keyUsage != null) {
                    builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
                }
                if (eku != null && eku.length > 0) {
                    builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(eku));
                }
                if (crlDistributionPoint != null) {
                    GeneralNames uri = new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, crlDistributionPoint));
                    builder.addExtension(Extension.cRLDistributionPoints, false, new CRLDistPoint(
                        new DistributionPoint[] {new DistributionPoint(
                            new DistributionPointName(uri), null, null)}));
                }
                if (ocspResponder != null) {
                    builder.addExtension(Extension.authorityInfoAccess, false, new AuthorityInformationAccess(
                        AccessDescription.id_ad_ocsp, new GeneralName(GeneralName.uniformResourceIdentifier, ocspResponder)));
                }
                if (emails != null && !emails.isEmpty()) {
                    GeneralName[] names = emails.stream().map(TestPki::senderName).toArray(GeneralName[]::new);
                    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
                }
            }
            ContentSigner signer = new JcaContentSignerBuilder(signatureAlgorithm).build(issuerKey);
            X509CertificateHolder holder = builder.build(signer);
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (IOException | OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /**
     * An rfc822Name, or with the prefix {@value #SMTP_UTF8_MAILBOX} an SmtpUTF8Mailbox other name (RFC 9598: a UTF8String
     * under an explicit [0]).
     */
    private static GeneralName senderName(String email) {
        if (email.startsWith(UPN)) {
            // a Windows user principal name, its value under an implicit [0] as some CAs write it
            return new GeneralName(GeneralName.otherName, new org.bouncycastle.asn1.DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
                new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.4.1.311.20.2.3"),
                new org.bouncycastle.asn1.DERTaggedObject(false, 0, new org.bouncycastle.asn1.DERUTF8String(email.substring(UPN.length())))}));
        }
        if (email.startsWith(SMTP_UTF8_MAILBOX_IA5)) {
            return new GeneralName(GeneralName.otherName, new org.bouncycastle.asn1.DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
                new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.5.5.7.8.9"),
                new org.bouncycastle.asn1.DERTaggedObject(true, 0, new org.bouncycastle.asn1.DERIA5String(email.substring(SMTP_UTF8_MAILBOX_IA5.length())))}));
        }
        if (!email.startsWith(SMTP_UTF8_MAILBOX)) {
            return new GeneralName(GeneralName.rfc822Name, email);
        }
        return new GeneralName(GeneralName.otherName, new org.bouncycastle.asn1.DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
            new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.5.5.7.8.9"),
            new org.bouncycastle.asn1.DERTaggedObject(true, 0, new org.bouncycastle.asn1.DERUTF8String(email.substring(SMTP_UTF8_MAILBOX.length())))}));
    }

    /** The prefix of a {@link SenderBuilder#sanEmails} value that makes it an SmtpUTF8Mailbox rather than an rfc822Name. */
    public static final String SMTP_UTF8_MAILBOX = "SmtpUTF8Mailbox:";
    /** The prefix of a user principal name other name (its value under an implicit [0]). */
    public static final String UPN = "UPN:";
    /** The prefix of an SmtpUTF8Mailbox whose value is wrongly an IA5String. */
    public static final String SMTP_UTF8_MAILBOX_IA5 = "SmtpUTF8MailboxIA5:";
}
