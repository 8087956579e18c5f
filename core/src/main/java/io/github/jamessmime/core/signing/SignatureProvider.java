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

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Locale;
import java.util.Optional;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;

/**
 * Where the private-key operations run: the native provider (AWS-LC through Amazon Corretto Crypto Provider) or the
 * JDK's own providers. The native provider is used as a provider object passed to each {@code getInstance}; it is never
 * registered with {@code java.security.Security}, so nothing else in the JVM changes. Certificates, digests and CMS
 * encoding stay where they are (the JDK's SHA-256 runs as fast as the native one here: both use the CPU's SHA
 * instructions).
 *
 * <p>The native provider is accepted only when its library loaded and a signature it made with a fresh P-256 key and
 * one with a fresh RSA-2048 key verify with the JDK's providers: an independent check, once per JVM, of the code every
 * later signature goes through.
 */
public final class SignatureProvider {
    /** The {@code signing.provider} setting. */
    public enum Setting {
        /** The native provider where it loads, the JDK's otherwise. */
        AUTO,
        /** The native provider or nothing: James does not start without it. */
        NATIVE,
        /** The JDK's providers. */
        JDK;

        public static Setting parse(String value) {
            String trimmed = value.trim().toLowerCase(Locale.ROOT);
            for (Setting setting : values()) {
                if (setting.name().toLowerCase(Locale.ROOT).equals(trimmed)) {
                    return setting;
                }
            }
            throw new IllegalArgumentException("'" + value + "' is not a provider; use auto, native or jdk");
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final SignatureProvider JDK_PROVIDER = new SignatureProvider("jdk", null,
        "the JDK's providers (SunRsaSign, SunEC)", Optional.empty());

    private final String name;
    private final Provider provider;
    private final String description;
    private final Optional<String> fallbackReason;
    /** Whether keys are translated into the provider's form: not for a token's, which are handles on its objects. */
    private final boolean translatesKeys;

    private SignatureProvider(String name, Provider provider, String description, Optional<String> fallbackReason) {
        this(name, provider, description, fallbackReason, true);
    }

    private SignatureProvider(String name, Provider provider, String description, Optional<String> fallbackReason,
                              boolean translatesKeys) {
        this.translatesKeys = translatesKeys;
        this.name = name;
        this.provider = provider;
        this.description = description;
        this.fallbackReason = fallbackReason;
    }

    /** Where the keys of a PKCS#11 token sign: in the token's own provider object, keys as the token gave them. */
    static SignatureProvider ofToken(Provider token) {
        return new SignatureProvider("pkcs11", token, "the PKCS#11 token of " + token.getName(), Optional.empty(), false);
    }

    /** The JDK's providers, as {@code signing.provider=jdk}. */
    public static SignatureProvider jdk() {
        return JDK_PROVIDER;
    }

    /**
     * The provider the setting asks for.
     *
     * @throws IllegalStateException for {@link Setting#NATIVE} when the native provider is unavailable, with the reason
     */
    public static SignatureProvider select(Setting setting) {
        if (setting == Setting.JDK) {
            return JDK_PROVIDER;
        }
        Native nativeProvider = Native.INSTANCE;
        if (nativeProvider.provider != null) {
            return new SignatureProvider("native", nativeProvider.provider, nativeProvider.description, Optional.empty());
        }
        if (setting == Setting.NATIVE) {
            throw new IllegalStateException("native was asked for, but the native provider is unavailable: "
                + nativeProvider.unavailable + "; set signing.provider=auto or jdk to sign with the JDK's providers");
        }
        return new SignatureProvider("jdk", null, JDK_PROVIDER.description, Optional.of(nativeProvider.unavailable));
    }

    /** {@code native} or {@code jdk}. */
    public String name() {
        return name;
    }

    public boolean isNative() {
        return provider != null && translatesKeys;
    }

    /** What signs, with versions: one line for the log, the CLI and the health check. */
    public String description() {
        return fallbackReason.map(reason -> description + " (the native provider is unavailable: " + reason + ")").orElse(description);
    }

    /** Why the native provider is not used although {@code auto} asked for it, if that is the case. */
    public Optional<String> fallbackReason() {
        return fallbackReason;
    }

    /** A signature object of this provider. */
    Signature signature(String algorithm) throws NoSuchAlgorithmException {
        return provider == null ? Signature.getInstance(algorithm) : Signature.getInstance(algorithm, provider);
    }

    /**
     * The key in this provider's own form, translated once so that no signature translates it again.
     */
    PrivateKey signingKey(PrivateKey key) throws GeneralSecurityException {
        if (provider == null || !translatesKeys) {
            return key;
        }
        return (PrivateKey) KeyFactory.getInstance(key.getAlgorithm(), provider).translateKey(key);
    }

    /** The public key in this provider's own form (see {@link #signingKey}). */
    PublicKey verifyingKey(PublicKey key) throws GeneralSecurityException {
        if (provider == null) {
            return key;
        }
        return (PublicKey) KeyFactory.getInstance(key.getAlgorithm(), provider).translateKey(key);
    }

    @Override
    public String toString() {
        return name;
    }

    /** The native provider, loaded and checked once per JVM; {@code provider} is null when it is unavailable. */
    private static final class Native {
        static final Native INSTANCE = load();

        final Provider provider;
        final String description;
        final String unavailable;

        private Native(Provider provider, String description, String unavailable) {
            this.provider = provider;
            this.description = description;
            this.unavailable = unavailable;
        }

        private static Native load() {
            AmazonCorrettoCryptoProvider accp;
            try {
                accp = AmazonCorrettoCryptoProvider.INSTANCE;
            } catch (LinkageError | RuntimeException e) {
                return unavailable(e);
            }
            Throwable loadingError = accp.getLoadingError();
            if (loadingError != null) {
                return unavailable(loadingError);
            }
            try {
                checkAgainstJdk(accp, "EC", new ECGenParameterSpec("secp256r1"), "SHA256withECDSA");
                checkAgainstJdk(accp, "RSA", null, "SHA256withRSA");
            } catch (GeneralSecurityException | LinkageError | RuntimeException e) {
                return unavailable(e);
            }
            return new Native(accp, "native: " + accp.getAwsLcVersionStr() + " through AmazonCorrettoCryptoProvider "
                + accp.getVersionStr(), null);
        }

        /** A signature of the native provider over a fixed text must verify with the JDK's providers. */
        private static void checkAgainstJdk(Provider accp, String keyType, ECGenParameterSpec curve, String algorithm)
            throws GeneralSecurityException {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(keyType, accp);
            if (curve != null) {
                generator.initialize(curve);
            } else {
                generator.initialize(2048);
            }
            KeyPair pair = generator.generateKeyPair();
            byte[] text = "james-smime native provider check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm, accp);
            signer.initSign(pair.getPrivate());
            signer.update(text);
            byte[] signature = signer.sign();
            PublicKey jdkKey = KeyFactory.getInstance(keyType).generatePublic(
                new X509EncodedKeySpec(pair.getPublic().getEncoded()));
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(jdkKey);
            verifier.update(text);
            if (!verifier.verify(signature)) {
                throw new GeneralSecurityException("a " + algorithm + " signature of the native provider does not verify with the JDK's");
            }
        }

        private static Native unavailable(Throwable e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String message = root.getMessage();
            String reason = root.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message.strip());
            return new Native(null, null, HeaderForm.excerpt(reason.replaceAll("\\s+", " "), 200));
        }
    }
}
