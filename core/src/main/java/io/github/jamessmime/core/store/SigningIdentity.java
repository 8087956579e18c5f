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

import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.security.auth.x500.X500Principal;

/**
 * One usable certificate of the store: the private key, the certificate naming the sender address and the
 * intermediate certificates to send along (never the root). Immutable and shared between threads.
 */
public final class SigningIdentity {
    private final String source;
    private final KeySource key;
    private final Optional<Provider> keyProvider;
    private final X509Certificate certificate;
    private final List<X509Certificate> intermediates;
    private final Set<String> addresses;
    private final String fingerprint;

    SigningIdentity(String source, KeySource key, Optional<Provider> keyProvider, X509Certificate certificate,
                    List<X509Certificate> intermediates, Set<String> addresses, String fingerprint) {
        this.source = source;
        this.key = key;
        this.keyProvider = keyProvider;
        this.certificate = certificate;
        this.intermediates = List.copyOf(intermediates);
        this.addresses = Set.copyOf(addresses);
        this.fingerprint = fingerprint;
    }

    /** Where this identity was read from: the store file's name, or {@code pkcs11:<token>/<alias>}. */
    public String source() {
        return source;
    }

    /**
     * The provider the key lives in, for a key in a PKCS#11 token: it signs there and is never translated into another
     * provider's form. Empty for a key of a store file.
     */
    public Optional<Provider> keyProvider() {
        return keyProvider;
    }

    /**
     * The private key; read from the file on first use when the identity came from the store index. A token's key is
     * a handle on the key in the token.
     *
     * @throws StoreException when the file has changed or can no longer be read since the store was loaded, or the
     *                        token does not have the key now
     */
    public PrivateKey privateKey() throws StoreException {
        return key.get();
    }

    /** Whether the private key is at hand without reading its file again (decrypted, or a token's handle). */
    boolean keyInMemory() {
        return key.inMemory();
    }

    /** Where the private key comes from: already decrypted, or decrypted from its file on first use. */
    interface KeySource {
        PrivateKey get() throws StoreException;

        /** Whether {@link #get()} needs no file. */
        default boolean inMemory() {
            return true;
        }

        static KeySource of(PrivateKey key) {
            return () -> key;
        }
    }

    /** This identity with another handle on the same key (a token's key, listed again). */
    SigningIdentity withKey(PrivateKey handle) {
        return new SigningIdentity(source, KeySource.of(handle), keyProvider, certificate, intermediates, addresses, fingerprint);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** Certificates between the signer's and the root, signer's issuer first; the root is left out. */
    public List<X509Certificate> intermediates() {
        return intermediates;
    }

    /** The normalised rfc822Name addresses of the certificate's SubjectAltName. */
    public Set<String> addresses() {
        return addresses;
    }

    /** SHA-256 of the certificate, lower-case hex. */
    public String fingerprint() {
        return fingerprint;
    }

    /** The subject as people read it (RFC 2253, the e-mail attribute as EMAILADDRESS=..., not as hex). */
    public String subject() {
        return readable(certificate.getSubjectX500Principal());
    }

    /** The issuer, as {@link #subject()}. */
    public String issuer() {
        return readable(certificate.getIssuerX500Principal());
    }

    /** A distinguished name in RFC 2253 with the PKCS#9 e-mail attribute spelt out. */
    public static String readable(X500Principal name) {
        return name.getName(X500Principal.RFC2253, Map.of("1.2.840.113549.1.9.1", "EMAILADDRESS"));
    }

    public Instant notBefore() {
        return certificate.getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }

    public boolean isValidAt(Instant instant) {
        return !instant.isBefore(notBefore()) && !instant.isAfter(notAfter());
    }

    @Override
    public String toString() {
        return "SigningIdentity{" + addresses + ", " + subject()
            + ", sha256=" + fingerprint + ", source=" + source + "}";
    }
}
