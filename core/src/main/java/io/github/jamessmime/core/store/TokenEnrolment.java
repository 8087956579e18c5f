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

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.security.auth.x500.X500Principal;

import io.github.jamessmime.core.failure.FailureKind;

/**
 * Keys made in the token, for the CA to certify: a key pair generated inside the PKCS#11 token (its private half never
 * leaves it), kept on the token under an alias with a placeholder certificate until the CA's certificate arrives, and a
 * certificate signing request (PKCS#10) for the sender address, signed in the token; then the CA-issued certificate
 * (and its intermediates) put on the token for that key, once it passes the store's rules with it. The store refuses a
 * placeholder entry with a reason of its own, so that a pending key is visible and never signs mail.
 */
public final class TokenEnrolment {
    private final Pkcs11Token token;

    public TokenEnrolment(Pkcs11Token token) {
        this.token = token;
    }

    /** Whether {@code certificate} is the placeholder that keeps a key waiting for its certificate. */
    static boolean isPlaceholder(X509Certificate certificate) {
        return CertificationRequest.isPlaceholder(certificate);
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
            KeyPair pair = type.generate(Optional.of(session.provider));
            X509Certificate placeholder = CertificationRequest.placeholder(pair, mailbox, type, Optional.of(session.provider), now);
            // the generated key is a session object: storing it with a certificate makes it a token object
            session.keyStore.setKeyEntry(alias, pair.getPrivate(), null, new Certificate[] {placeholder});
            return CertificationRequest.request(subjectName, mailbox, pair.getPublic(), pair.getPrivate(), type, Optional.of(session.provider));
        } catch (GeneralSecurityException | RuntimeException e) {
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
            Certificate current = session.keyStore.getCertificate(alias);
            if (current instanceof X509Certificate && isPlaceholder((X509Certificate) current)) {
                List<String> requested = CertificateRules.namedAddresses((X509Certificate) current);
                if (!identity.addresses().containsAll(requested)) {
                    throw new StoreException(FailureKind.BAD_INPUT, "the certificate names " + identity.addresses() + ", not " + requested
                        + ", the address its key was requested for; ask the CA for a certificate of that address");
                }
            }
            session.keyStore.setKeyEntry(alias, key, null, ordered.toArray(new Certificate[0]));
            return identity;
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new StoreException(FailureKind.TOKEN_UNAVAILABLE, "PKCS#11 token '" + token.name() + "' could not take the certificate for '" + alias + "': "
                + e.getMessage(), e);
        }
    }

    /** The keys of the token that await their certificates (a placeholder stands in for it), as pending requests. */
    public List<PendingKeys.Pending> pending() throws StoreException {
        Pkcs11Token.Session session = token.session();
        List<PendingKeys.Pending> pending = new ArrayList<>();
        try {
            for (String alias : java.util.Collections.list(session.keyStore.aliases())) {
                Certificate certificate = session.keyStore.getCertificate(alias);
                if (!session.keyStore.isKeyEntry(alias) || !(certificate instanceof X509Certificate)
                    || !isPlaceholder((X509Certificate) certificate)) {
                    continue;
                }
                X509Certificate placeholder = (X509Certificate) certificate;
                List<String> named = CertificateRules.namedAddresses(placeholder);
                Optional<KeyType> type = KeyType.of(placeholder.getPublicKey());
                if (named.size() == 1 && type.isPresent()) {
                    pending.add(new PendingKeys.Pending(named.get(0), type.get(), placeholder.getNotBefore().toInstant(), token.source(alias),
                        (PrivateKey) session.keyStore.getKey(alias, null), placeholder));
                }
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new StoreException(FailureKind.TOKEN_UNAVAILABLE, "PKCS#11 token '" + token.name() + "' cannot be listed: " + e.getMessage(), e);
        }
        return pending;
    }

    /** The alias of a pending key in this token ({@code pkcs11:<token>/<alias>} is its source). */
    public String alias(PendingKeys.Pending pending) {
        return pending.source().substring(token.source("").length());
    }

    /** The PKCS#10 request of a pending key of the token, signed again in the token. */
    public byte[] csr(PendingKeys.Pending pending) throws StoreException {
        try {
            return CertificationRequest.request(CertificationRequest.mailboxSubject(pending.address()), pending.address(),
                pending.placeholder.getPublicKey(), pending.key, pending.keyType(), Optional.of(token.session().provider));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new StoreException(FailureKind.TOKEN_UNAVAILABLE, "PKCS#11 token '" + token.name() + "' could not sign the request of "
                + pending.address() + ": " + e.getMessage(), e);
        }
    }

    /** Removes a pending key (its entry holds only the placeholder) from the token; an entry with a real certificate stays. */
    public boolean discard(String alias) throws StoreException {
        Pkcs11Token.Session session = token.session();
        try {
            Certificate certificate = session.keyStore.getCertificate(alias);
            if (!(certificate instanceof X509Certificate) || !isPlaceholder((X509Certificate) certificate)) {
                return false;
            }
            session.keyStore.deleteEntry(alias);
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new StoreException(FailureKind.TOKEN_UNAVAILABLE, "PKCS#11 token '" + token.name() + "' could not remove '" + alias + "': "
                + e.getMessage(), e);
        }
    }

    /** Whether the token holds an entry of that alias. */
    public boolean holds(String alias) throws StoreException {
        try {
            return token.session().keyStore.containsAlias(alias);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new StoreException(FailureKind.TOKEN_UNAVAILABLE, "PKCS#11 token '" + token.name() + "' cannot be listed: " + e.getMessage(), e);
        }
    }
}
