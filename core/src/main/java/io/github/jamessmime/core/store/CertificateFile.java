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

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.pkcs.MacData;
import org.bouncycastle.asn1.pkcs.Pfx;

import io.github.jamessmime.core.failure.FailureKind;

/**
 * Reads one PKCS#12 file and applies {@link CertificateRules} to each key entry. Every refusal is a {@link StoreException}
 * whose message says what is wrong and what to do; the file name is added by the caller.
 */
final class CertificateFile {
    static final int MIN_RSA_BITS = 2048;
    /** What a key signs to show it belongs to its certificate. */
    private static final byte[] PROBE = "james-smime key check".getBytes(StandardCharsets.US_ASCII);
    /** How every refusal for a password that does not open the file starts. */
    static final String WRONG_PASSWORD = "wrong password";
    static final String NOT_PKCS12 = "not a readable PKCS#12 file";
    /** Exporters write 2,048 (OpenSSL) to 600,000 (OWASP's advice for PBKDF2-SHA256) iterations; the JDK refuses over 5,000,000. */
    static final int MAX_ITERATIONS = 1_000_000;

    private CertificateFile() {
    }

    /** One validated key entry of a file: its alias and identity. */
    static final class Entry {
        final String alias;
        final SigningIdentity identity;

        Entry(String alias, SigningIdentity identity) {
            this.alias = alias;
            this.identity = identity;
        }
    }

    /**
     * Reads every private-key entry of a file's bytes; each must pass {@code rules} or the whole file is refused.
     * Expiry is not a rule here: it depends on the time and is checked by the store at every load.
     */
    static List<Entry> read(Path file, byte[] content, char[] password, CertificateRules rules, Instant now) throws StoreException {
        KeyStore keyStore = load(content, password);
        List<Entry> entries = new ArrayList<>();
        try {
            for (String alias : Collections.list(keyStore.aliases())) {
                if (!keyStore.isKeyEntry(alias)) {
                    continue;
                }
                PrivateKey key = key(keyStore, alias, password);
                Certificate[] chain = keyStore.getCertificateChain(alias);
                if (key == null || chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate)) {
                    continue;
                }
                List<X509Certificate> certificates = toX509(chain);
                try {
                    entries.add(new Entry(alias, rules.validate(file, key, certificates, now)));
                } catch (StoreException e) {
                    // found by its sender's address although refused
                    throw e.withAddresses(CertificateRules.namedAddresses(certificates.get(0)));
                }
            }
        } catch (GeneralSecurityException e) {
            throw new StoreException(FailureKind.UNREADABLE, "cannot read the key entries (" + e.getMessage() + ")", e);
        }
        if (entries.isEmpty()) {
            throw new StoreException(CertificateRule.NO_KEY, "holds no private key with a certificate; export the file with its private key");
        }
        return entries;
    }

    /**
     * Decrypts the key of {@code alias} from the file's current content, for an identity that came from the
     * store index, and checks it still belongs to {@code certificate}.
     */
    static PrivateKey readKey(byte[] content, String alias, char[] password, X509Certificate certificate) throws StoreException {
        KeyStore keyStore = load(content, password);
        try {
            if (!keyStore.isKeyEntry(alias)) {
                throw new StoreException(FailureKind.IO, "has no key entry '" + alias + "' any more");
            }
            PrivateKey key = key(keyStore, alias, password);
            checkKey(key, certificate);
            return key;
        } catch (GeneralSecurityException e) {
            throw new StoreException(FailureKind.KEY_FAILED, "cannot read the key entry (" + e.getMessage() + ")", e);
        }
    }

    private static PrivateKey key(KeyStore keyStore, String alias, char[] password) throws StoreException, GeneralSecurityException {
        try {
            return (PrivateKey) keyStore.getKey(alias, password);
        } catch (UnrecoverableKeyException e) {
            throw new StoreException(FailureKind.WRONG_PASSWORD, "the private key cannot be decrypted with the store password;"
                + " re-export the file with the store password");
        }
    }

    static KeyStore load(byte[] content, char[] password) throws StoreException {
        checkStructure(content);
        try (InputStream in = new ByteArrayInputStream(content)) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, password);
            return keyStore;
        } catch (IOException e) {
            // the JDK's PKCS#12 key store gives its own kind of failure as the cause: decided on that, not on its text
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new StoreException(FailureKind.WRONG_PASSWORD, WRONG_PASSWORD + ": the file does not open with the store password;"
                    + " re-export it with the store password");
            }
            throw notPkcs12(e);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw notPkcs12(e);
        }
    }

    /**
     * Refuses, before any decryption, what is not a PKCS#12 structure at all and a file whose password check would cost
     * more than any exporter asks ({@value #MAX_ITERATIONS} iterations): a file made to burn CPU at every load.
     */
    private static void checkStructure(byte[] content) throws StoreException {
        MacData mac;
        try {
            mac = Pfx.getInstance(ASN1Primitive.fromByteArray(content)).getMacData();
        } catch (IOException | RuntimeException e) {
            throw notPkcs12(e);
        }
        if (mac != null && mac.getIterationCount().compareTo(BigInteger.valueOf(MAX_ITERATIONS)) > 0) {
            throw new StoreException(CertificateRule.ITERATIONS, "its password check takes " + mac.getIterationCount() + " iterations, more than any exporter writes ("
                + MAX_ITERATIONS + " at most); re-export it");
        }
    }

    /**
     * The refusal of bytes that do not parse: without the parser's message, which may quote them (a file linked to
     * {@code /etc/passwd} must not show its first byte).
     */
    private static StoreException notPkcs12(Exception e) {
        return new StoreException(FailureKind.UNREADABLE, NOT_PKCS12 + " (its bytes are not a PKCS#12 structure); replace it with a valid .p12 export", e);
    }

    private static List<X509Certificate> toX509(Certificate[] chain) {
        List<X509Certificate> result = new ArrayList<>();
        for (Certificate certificate : chain) {
            if (certificate instanceof X509Certificate) {
                result.add((X509Certificate) certificate);
            }
        }
        return result;
    }

    /** The refusal of a certificate that expired before {@code now}, if it did. */
    static Optional<String> expiry(SigningIdentity identity, Instant now) {
        if (!now.isAfter(identity.notAfter())) {
            return Optional.empty();
        }
        return Optional.of("certificate for " + identity.addresses() + " expired on " + identity.notAfter()
            + "; import the renewed certificate");
    }

    /**
     * An identity from certificates the store index vouches for (they passed every rule when indexed; the
     * caller checks expiry). The key is read on first use.
     */
    static SigningIdentity fromIndex(Path file, SigningIdentity.KeySource key, List<X509Certificate> chain) throws StoreException {
        return identity(file.getFileName().toString(), key, Optional.empty(), chain, CertificateRules.addresses(chain.get(0)));
    }

    static SigningIdentity identity(String source, SigningIdentity.KeySource key, Optional<Provider> keyProvider,
                                    List<X509Certificate> chain, Set<String> addresses) {
        List<X509Certificate> intermediates = new ArrayList<>();
        for (X509Certificate ca : chain.subList(1, chain.size())) {
            if (!isSelfSigned(ca)) {
                intermediates.add(ca);
            }
        }
        return new SigningIdentity(source, key, keyProvider, chain.get(0), intermediates, addresses, fingerprint(chain.get(0)));
    }

    static void checkKey(PrivateKey key, X509Certificate certificate) throws StoreException {
        if (key instanceof RSAKey && certificate.getPublicKey() instanceof RSAPublicKey) {
            RSAPublicKey publicKey = (RSAPublicKey) certificate.getPublicKey();
            int bits = publicKey.getModulus().bitLength();
            if (bits < MIN_RSA_BITS) {
                throw new StoreException(CertificateRule.KEY_STRENGTH, "RSA key of " + bits + " bits is too weak; use at least " + MIN_RSA_BITS + " bits");
            }
            if (!publicKey.getModulus().equals(((RSAPrivateKey) key).getModulus())) {
                throw mismatch();
            }
            return;
        }
        if (key instanceof ECPrivateKey && certificate.getPublicKey() instanceof ECPublicKey) {
            int bits = ((ECPublicKey) certificate.getPublicKey()).getParams().getOrder().bitLength();
            if (bits != 256 && bits != 384 && bits != 521) {
                throw new StoreException(CertificateRule.KEY_STRENGTH, "EC key on a " + bits + "-bit curve is not supported; use P-256 or P-384");
            }
            if (!signsFor(key, certificate, "SHA256withECDSA")) {
                throw mismatch();
            }
            return;
        }
        throw new StoreException(CertificateRule.KEY_STRENGTH, "key type " + key.getAlgorithm() + " with a " + certificate.getPublicKey().getAlgorithm()
            + " certificate is not supported, or key and certificate do not belong together; use RSA (2048+) or EC P-256/P-384");
    }

    /**
     * The check of {@link #checkKey} for a key that stays in a token: its size and curve are read from the certificate,
     * and it must sign, in {@code provider}, what the certificate's public key verifies with the JDK.
     */
    static void checkTokenKey(PrivateKey key, Provider provider, X509Certificate certificate) throws StoreException {
        PublicKey publicKey = certificate.getPublicKey();
        String algorithm;
        if (publicKey instanceof RSAPublicKey) {
            int bits = ((RSAPublicKey) publicKey).getModulus().bitLength();
            if (bits < MIN_RSA_BITS) {
                throw new StoreException(CertificateRule.KEY_STRENGTH, "RSA key of " + bits + " bits is too weak; use at least " + MIN_RSA_BITS + " bits");
            }
            algorithm = "SHA256withRSA";
        } else if (publicKey instanceof ECPublicKey) {
            int bits = ((ECPublicKey) publicKey).getParams().getOrder().bitLength();
            if (bits != 256 && bits != 384 && bits != 521) {
                throw new StoreException(CertificateRule.KEY_STRENGTH, "EC key on a " + bits + "-bit curve is not supported; use P-256 or P-384");
            }
            algorithm = "SHA256withECDSA";
        } else {
            throw new StoreException(CertificateRule.KEY_STRENGTH, "a " + publicKey.getAlgorithm() + " certificate is not supported; use RSA (2048+) or EC P-256/P-384");
        }
        byte[] signature;
        try {
            Signature signer = probeSignature(algorithm, provider);
            signer.initSign(key);
            signer.update(PROBE);
            signature = signer.sign();
        } catch (NoSuchAlgorithmException e) {
            throw new StoreException(FailureKind.KEY_FAILED, "this Java's PKCS#11 provider cannot sign " + algorithm
                + "; run James on a newer Java or use a certificate of another key type");
        } catch (InvalidKeyException e) {
            throw new StoreException(FailureKind.KEY_FAILED, "the token's provider does not take this key for " + algorithm + " (" + e.getMessage()
                + "): the key does not belong to the certificate, or its size or parameters are beyond what the token signs;"
                + " store the certificate issued for that key");
        } catch (GeneralSecurityException | RuntimeException e) {
            if (Pkcs11Token.isTokenState(e)) {
                // the token failed to sign: its state, not a verdict on this entry
                throw new Pkcs11Token.Failure("failed to sign with the key for " + CertificateRules.addresses(certificate) + " (" + e + ")", e);
            }
            throw new StoreException(FailureKind.KEY_FAILED, "the token refuses to sign with this key (" + Pkcs11Token.reason(e) + "); check the key's"
                + " attributes on the token (CKA_SIGN, a login per signature) or put a key there that may sign");
        }
        if (!verifies(certificate, algorithm, PROBE, signature)) {
            throw new StoreException(CertificateRule.KEY_MISMATCH, "the key in the token does not sign for the certificate stored with it;"
                + " store the certificate issued for that key");
        }
    }

    private static boolean verifies(X509Certificate certificate, String algorithm, byte[] probe, byte[] signature) {
        try {
            Signature verifier = probeSignature(algorithm, null);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** Whether {@code key} signs, with the JDK's providers, what the certificate's public key verifies. */
    private static boolean signsFor(PrivateKey key, X509Certificate certificate, String algorithm) {
        try {
            Signature signer = probeSignature(algorithm, null);
            signer.initSign(key);
            signer.update(PROBE);
            return verifies(certificate, algorithm, PROBE, signer.sign());
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** A signature object of {@code provider} (the JDK's when null). */
    private static Signature probeSignature(String algorithm, Provider provider) throws GeneralSecurityException {
        return provider == null ? Signature.getInstance(algorithm) : Signature.getInstance(algorithm, provider);
    }

    private static StoreException mismatch() {
        return new StoreException(CertificateRule.KEY_MISMATCH, "the private key does not belong to the certificate; export the matching pair");
    }

    static boolean isSelfSigned(X509Certificate certificate) {
        if (!certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
            return false;
        }
        try {
            certificate.verify(certificate.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    static String fingerprint(X509Certificate certificate) {
        try {
            return hex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] bytes) {
        char[] digits = "0123456789abcdef".toCharArray();
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = digits[(bytes[i] >> 4) & 0xF];
            out[2 * i + 1] = digits[bytes[i] & 0xF];
        }
        return new String(out);
    }
}
