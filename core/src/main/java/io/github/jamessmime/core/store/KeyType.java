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
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The key types a sender key is made as, where it will sign (the store's pending keys, a token). {@link #DEFAULT} is
 * RSA-2048: every S/MIME client verifies it and every CA issuing S/MIME certificates certifies it (not all issue EC
 * ones, and some clients still show EC signatures as not verifiable), it makes about three times the signatures per
 * second of RSA-3072 (the README's benchmark: 2.7× native, 3.1× JDK),
 * and a certificate requested now expires (825 days at most) before 2031, when NIST's guidance retires 2048-bit RSA.
 */
public enum KeyType {
    RSA_2048("rsa-2048", "RSA", 2048),
    RSA_3072("rsa-3072", "RSA", 3072),
    RSA_4096("rsa-4096", "RSA", 4096),
    EC_P256("ec-p256", "EC", 256),
    EC_P384("ec-p384", "EC", 384);

    /** What a request is made as unless another type is asked for (see the class comment for why). */
    public static final KeyType DEFAULT = RSA_2048;

    private final String label;
    private final String algorithm;
    private final int bits;

    KeyType(String label, String algorithm, int bits) {
        this.label = label;
        this.algorithm = algorithm;
        this.bits = bits;
    }

    public static KeyType parse(String value) {
        for (KeyType type : values()) {
            if (type.label.equalsIgnoreCase(value.trim())) {
                return type;
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not a key type; use "
            + Arrays.stream(values()).map(KeyType::toString).collect(Collectors.joining(", ")));
    }

    /** The type of an existing public key, when it is one of these. */
    public static Optional<KeyType> of(PublicKey key) {
        int bits = key instanceof RSAPublicKey ? ((RSAPublicKey) key).getModulus().bitLength()
            : key instanceof ECPublicKey ? ((ECPublicKey) key).getParams().getOrder().bitLength() : 0;
        return Arrays.stream(values()).filter(type -> type.algorithm.equals(key.getAlgorithm()) && type.bits == bits).findFirst();
    }

    boolean isRsa() {
        return algorithm.equals("RSA");
    }

    /** The algorithm the key signs its request and placeholder with. */
    String signatureAlgorithm() {
        return isRsa() ? "SHA256withRSA" : this == EC_P384 ? "SHA384withECDSA" : "SHA256withECDSA";
    }

    /** A new key pair of this type, made by {@code provider} (a token's) or the JDK's default providers. */
    KeyPair generate(Optional<Provider> provider) throws GeneralSecurityException {
        KeyPairGenerator generator = provider.isPresent() ? KeyPairGenerator.getInstance(algorithm, provider.get())
            : KeyPairGenerator.getInstance(algorithm);
        if (isRsa()) {
            generator.initialize(new RSAKeyGenParameterSpec(bits, RSAKeyGenParameterSpec.F4));
        } else {
            generator.initialize(new ECGenParameterSpec(this == EC_P256 ? "secp256r1" : "secp384r1"));
        }
        return generator.generateKeyPair();
    }

    @Override
    public String toString() {
        return label;
    }
}
