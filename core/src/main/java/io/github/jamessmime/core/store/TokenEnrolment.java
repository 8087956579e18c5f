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

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import io.github.jamessmime.core.failure.FailureKind;

/**
 * Keys made in the token, for the CA to certify: a key pair generated inside the PKCS#11 token (its private half never
 * leaves it), kept on the token under an alias with a placeholder certificate until the CA's certificate arrives, and a
 * certificate signing request (PKCS#10) for the sender address, signed in the token; then the CA-issued certificate
 * (and its intermediates) put on the token for that key, once it passes the store's rules with it. The store refuses a
 * placeholder entry with a reason of its own, so that a pending key is visible and never signs mail.
 */
public final class TokenEnrolment {
    /** Marks a placeholder certificate's subject: it only keeps a new key on the token until its certificate comes. */
    static final String PENDING = "awaiting its CA-issued certificate (james-smime)";
    private static final Duration PLACEHOLDER_VALIDITY = Duration.ofDays(30);

    /** The key types a sender key may be made as. */
    public enum KeyType {
        RSA_2048("rsa-2048"), RSA_3072("rsa-3072"), EC_P256("ec-p256"), EC_P384("ec-p384");

        private final String label;

        KeyType(String label) {
            this.label = label;
        }

        public static KeyType parse(String value) {
            for (KeyType type : values()) {
                if (type.label.equalsIgnoreCase(value.trim())) {
                    return type;
                }
            }
            throw new IllegalArgumentException("'" + value + "' is not a key type; use rsa-2048, rsa-3072, ec-p256 or ec-p384");
        }

        boolean isRsa() {
            return this == RSA_2048 || this == RSA_3072;
        }

        String signatureAlgorithm() {
            return isRsa() ? "SHA256withRSA" : this == EC_P384 ? "SHA384withECDSA" : "SHA256withECDSA";
        }

        @Override
        public String toString() {
            return label;
        }
    }

    private final Pkcs11Token token;

    public TokenEnrolment(Pkcs11Token token) {
        this.token = token;
    }

    /** Whether {@code certificate} is the placeholder that keeps a key waiting for its certificate. */
    static boolean isPlaceholder(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName().contains(PENDING)
            && certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
    }

    /**
     * Generates a key pair in the token under {@code alias} for {@code address} and gives the DER of a PKCS#10 request
     * for it (subject {@code subject}, the address as SubjectAltName rfc822Name), signed in the token.
     *
     * @throws StoreException when the address is not a plain mailbox, the alias is taken, or the token refuses
     */
    public byte[] generateKey(String alias, String address, String subject, KeyType type, Instant now) throws StoreException {
        String mailbox = CertificateRules.senderAddress(address, "as --address", "give the sender address the certificate is for");
        X500Principal subjectName;
        try {
            subjectName = new X500Principal(subject);
        } catch (IllegalArgumentException e) {
            throw new StoreException(FailureKind.BAD_INPUT, "the subject '" + CertificateRules.printable(subject) + "' is not a distinguished name ("
                + e.getMessage() + "); give one such as CN=Billing,O=Shop");
        }
        Pkcs11Token.Session session = token.session();
        try {
            if (session.keyStore.containsAlias(alias)) {
                throw new StoreException(FailureKind.BAD_INPUT, "the token already holds an entry '" + alias + "'; choose another alias, or remove it with"
                    + " the token's own tools");
            }
            KeyPairGenerator generator = KeyPairGenerator.getInstance(type.isRsa() ? "RSA" : "EC", session.provider);
            if (type.isRsa()) {
                generator.initialize(new RSAKeyGenParameterSpec(type == KeyType.RSA_2048 ? 2048 : 3072, RSAKeyGenParameterSpec.F4));
            } else {
                generator.initialize(new ECGenParameterSpec(type == KeyType.EC_P256 ? "secp256r1" : "secp384r1"));
            }
            KeyPair pair = generator.generateKeyPair();
            X509Certificate placeholder = placeholder(pair, mailbox, type, session.provider, now);
            // the generated key is a session object: storing it with a certificate makes it a token object
            session.keyStore.setKeyEntry(alias, pair.getPrivate(), null, new Certificate[] {placeholder});
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            extensions.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.rfc822Name, mailbox)));
            return new JcaPKCS10CertificationRequestBuilder(subjectName, pair.getPublic())
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
                .build(signer(type.signatureAlgorithm(), pair.getPrivate(), session.provider))
                .getEncoded();
        } catch (GeneralSecurityException | IOException | OperatorCreationException | RuntimeException e) {
            throw new StoreException(FailureKind.TOKEN_UNAVAILABLE, "PKCS#11 token '" + token.name() + "' could not make the key '" + alias + "': " + e.getMessage(), e);
        }
    }

    /**
     * Puts the CA-issued {@code chain} (the certificate for the key of {@code alias} first, or anywhere: it is found by its
     * public key; intermediates after it) on the token for that key, once it passes {@code rules} with the key. Gives
     * the identity it makes.
     *
     * @throws StoreException when the token has no such key, no certificate of the chain is for it, or a rule refuses it
     */
    public SigningIdentity installCertificate(String alias, List<X509Certificate> chain, CertificateRules rules, Instant now)
        throws StoreException {
        Pkcs11Token.Session session = token.session();
        try {
            if (!session.keyStore.isKeyEntry(alias)) {
                throw new StoreException(FailureKind.NOT_FOUND, "the token has no key '" + alias + "'; make one with token-keygen first");
            }
            PrivateKey key = (PrivateKey) session.keyStore.getKey(alias, null);
            PublicKey publicKey = session.keyStore.getCertificate(alias).getPublicKey();
            Optional<X509Certificate> issued = chain.stream().filter(certificate -> certificate.getPublicKey().equals(publicKey)).findFirst();
            if (issued.isEmpty()) {
                throw new StoreException(CertificateRule.KEY_MISMATCH, "none of the " + chain.size() + " certificates given is for the key '" + alias
                    + "' (their public keys differ); give the certificate the CA issued for its request");
            }
            List<X509Certificate> ordered = new ArrayList<>();
            ordered.add(issued.get());
            chain.stream().filter(certificate -> certificate != issued.get()).forEach(ordered::add);
            SigningIdentity identity = rules.validate(token.source(alias), key, Optional.of(session.provider), ordered, now);
            session.keyStore.setKeyEntry(alias, key, null, ordered.toArray(new Certificate[0]));
            return identity;
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new StoreException(FailureKind.TOKEN_UNAVAILABLE, "PKCS#11 token '" + token.name() + "' could not take the certificate for '" + alias + "': "
                + e.getMessage(), e);
        }
    }

    private static X509Certificate placeholder(KeyPair pair, String mailbox, KeyType type, Provider provider, Instant now)
        throws GeneralSecurityException, IOException, OperatorCreationException {
        X500Name name = new X500Name("CN=" + mailbox.replaceAll("[,+=\"\\\\<>#;]", "_") + ",OU=" + PENDING);
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()).abs(),
            Date.from(now), Date.from(now.plus(PLACEHOLDER_VALIDITY)), name, pair.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.rfc822Name, mailbox)));
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer(type.signatureAlgorithm(), pair.getPrivate(), provider)));
    }

    private static ContentSigner signer(String algorithm, PrivateKey key, Provider provider) throws OperatorCreationException {
        return new JcaContentSignerBuilder(algorithm).setProvider(provider).build(key);
    }
}
