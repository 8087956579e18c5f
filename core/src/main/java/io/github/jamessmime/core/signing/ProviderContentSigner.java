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

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;

import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;
import org.bouncycastle.operator.RuntimeOperatorException;

/**
 * A BouncyCastle {@link ContentSigner} whose private-key operation runs in the chosen {@link SignatureProvider} (the
 * native one or the JDK's), so that no BouncyCastle provider has to be registered (or trusted with the key).
 */
final class ProviderContentSigner implements ContentSigner {
    private static final DefaultSignatureAlgorithmIdentifierFinder ALGORITHMS = new DefaultSignatureAlgorithmIdentifierFinder();

    private final AlgorithmIdentifier algorithmIdentifier;
    private final Signature signature;
    private final OutputStream stream;
    /** What was signed: the DER signed attributes, a few hundred bytes. */
    private final ByteArrayOutputStream signed = new ByteArrayOutputStream(512);
    private byte[] value;

    private ProviderContentSigner(AlgorithmIdentifier algorithmIdentifier, Signature signature) {
        this.algorithmIdentifier = algorithmIdentifier;
        this.signature = signature;
        this.stream = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                signed.write(bytes, offset, length);
                try {
                    signature.update(bytes, offset, length);
                } catch (SignatureException e) {
                    throw new RuntimeOperatorException(e.getMessage(), e);
                }
            }
        };
    }

    /** The signature algorithm for the key: RSA PKCS#1 v1.5 or ECDSA (the store refuses id-RSASSA-PSS keys). */
    static String algorithmName(Key key, DigestAlgorithm digest) {
        if (key instanceof RSAKey) {
            return digest.signaturePrefix() + "withRSA";
        }
        if (key instanceof ECKey) {
            return digest.signaturePrefix() + "withECDSA";
        }
        throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm());
    }

    /**
     * @param key         the identity's key (or, for a key in a token, the certificate's public key): its type chooses the
     *                    algorithm
     * @param providerKey the private key in {@code provider}'s form ({@link SignatureProvider#signingKey})
     */
    static ProviderContentSigner create(SignatureProvider provider, Key key, PrivateKey providerKey, DigestAlgorithm digest)
        throws GeneralSecurityException {
        Signature signature = signature(provider, key, digest);
        signature.initSign(providerKey);
        return new ProviderContentSigner(ALGORITHMS.find(algorithmName(key, digest)), signature);
    }

    /** The signature value over {@code bytes}, in one call (the per-message path, without BouncyCastle's operator). */
    static byte[] sign(SignatureProvider provider, Key key, PrivateKey providerKey, DigestAlgorithm digest, byte[] bytes)
        throws GeneralSecurityException {
        Signature signature = signature(provider, key, digest);
        signature.initSign(providerKey);
        signature.update(bytes);
        return signature.sign();
    }

    /**
     * A verifier of what {@link #create} signs with the private key of {@code publicKey}.
     *
     * @param providerKey the same public key in {@code provider}'s form ({@link SignatureProvider#verifyingKey})
     */
    static Signature verifier(SignatureProvider provider, PublicKey publicKey, PublicKey providerKey, DigestAlgorithm digest)
        throws GeneralSecurityException {
        Signature signature = signature(provider, publicKey, digest);
        signature.initVerify(providerKey);
        return signature;
    }

    private static Signature signature(SignatureProvider provider, Key key, DigestAlgorithm digest) throws GeneralSecurityException {
        return provider.signature(algorithmName(key, digest));
    }

    /** The bytes signed (the DER signed attributes), once {@link #getSignature} ran. */
    byte[] signedBytes() {
        return signed.toByteArray();
    }

    /** The signature value {@link #getSignature} returned. */
    byte[] signatureValue() {
        if (value == null) {
            throw new IllegalStateException("not signed yet");
        }
        return value.clone();
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
        return algorithmIdentifier;
    }

    @Override
    public OutputStream getOutputStream() {
        return stream;
    }

    @Override
    public byte[] getSignature() {
        try {
            value = signature.sign();
            return value.clone();
        } catch (SignatureException e) {
            throw new RuntimeOperatorException("signing failed: " + e.getMessage(), e);
        }
    }
}
