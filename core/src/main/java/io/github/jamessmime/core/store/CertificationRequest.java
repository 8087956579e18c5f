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
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Optional;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * What a key made for a sender address is sent out with, and kept with until its certificate comes: the PKCS#10
 * request (the address as SubjectAltName rfc822Name, or SmtpUTF8Mailbox for a non-ASCII local part, signed with the key where it lies) and the placeholder
 * certificate that keeps the key in a key store meanwhile (the store refuses it with a reason of its own, so that a
 * pending key never signs).
 */
public final class CertificationRequest {
    /** Marks a placeholder certificate's subject: it only keeps a new key until its certificate comes. */
    static final String PENDING = "awaiting its CA-issued certificate (james-smime)";
    private static final Duration PLACEHOLDER_VALIDITY = Duration.ofDays(3650);

    private CertificationRequest() {
    }

    /**
     * The DER of a PKCS#10 request for {@code mailbox}'s key: subject {@code subject}, the address as SubjectAltName
     * rfc822Name (what a CA's mailbox validation checks), signed with the private key by {@code provider} (a token's) or
     * the JDK's providers.
     */
    static byte[] request(X500Principal subject, String mailbox, PublicKey publicKey, PrivateKey privateKey, KeyType type,
                          Optional<Provider> provider) throws GeneralSecurityException {
        try {
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            extensions.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(SenderNames.generalName(mailbox)));
            return new JcaPKCS10CertificationRequestBuilder(subject, publicKey)
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
                .build(signer(type.signatureAlgorithm(), privateKey, provider))
                .getEncoded();
        } catch (IOException | OperatorCreationException e) {
            throw new GeneralSecurityException("the request cannot be made: " + e.getMessage(), e);
        }
    }

    /**
     * The subject a mailbox-validated certificate may carry under the S/MIME Baseline Requirements (7.1.4.2.2): the
     * mailbox as commonName; the CA takes the rest from its validation.
     */
    public static X500Principal mailboxSubject(String mailbox) {
        // a plain mailbox (CertificateRules.senderAddress): of RFC 4514's specials it may hold only '+'
        return new X500Principal("CN=" + mailbox.replace("+", "\\+"));
    }

    /** A self-signed placeholder for {@code mailbox}'s new key: it keeps the key in a key store until the CA's certificate comes. */
    static X509Certificate placeholder(KeyPair pair, String mailbox, KeyType type, Optional<Provider> provider, Instant now)
        throws GeneralSecurityException {
        try {
            X500Name name = new X500Name("CN=" + mailbox.replaceAll("[,+=\"\\\\<>#;]", "_") + ",OU=" + PENDING);
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()).abs(),
                Date.from(now), Date.from(now.plus(PLACEHOLDER_VALIDITY)), name, pair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(SenderNames.generalName(mailbox)));
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer(type.signatureAlgorithm(), pair.getPrivate(), provider)));
        } catch (IOException | OperatorCreationException e) {
            throw new GeneralSecurityException("the placeholder certificate cannot be made: " + e.getMessage(), e);
        }
    }

    /** Whether {@code certificate} is the placeholder that keeps a key waiting for its certificate. */
    static boolean isPlaceholder(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName().contains(PENDING)
            && certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
    }

    /** The request as PEM ({@code -----BEGIN CERTIFICATE REQUEST-----}), as CAs take it. */
    public static String pem(byte[] der) {
        return "-----BEGIN CERTIFICATE REQUEST-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
            + "\n-----END CERTIFICATE REQUEST-----\n";
    }

    private static ContentSigner signer(String algorithm, PrivateKey key, Optional<Provider> provider) throws OperatorCreationException {
        JcaContentSignerBuilder builder = new JcaContentSignerBuilder(algorithm);
        provider.ifPresent(builder::setProvider);
        return builder.build(key);
    }

}
