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

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.InvalidKeyException;
import java.security.PrivateKey;
import java.security.ProviderException;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SignatureException;
import java.security.SignatureSpi;
import java.time.Instant;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.jamessmime.testing.TestPki;

/**
 * How the key check of a token entry reads what the token's provider does: a signature that fails is the token's
 * failure (checked again later), a key the provider rejects or a signature that does not verify is a refusal of the
 * entry, an algorithm the provider lacks is a refusal saying so. Providers that fail on purpose stand in for a token.
 */
class TokenKeyCheckTest {
    static TestPki.Issued issued;

    @BeforeAll
    static void issue() {
        issued = TestPki.create(Instant.parse("2026-06-01T10:00:00Z")).sender("billing@shop.example").keyType(TestPki.KeyType.EC_P256).issue();
    }

    /** A provider whose SHA256withECDSA behaves as {@code spi} does. */
    private static Provider provider(Class<? extends SignatureSpi> spi) {
        Provider provider = new Provider("failing-token", "1", "stands in for a token that fails") { };
        provider.put("Signature.SHA256withECDSA", spi.getName());
        return provider;
    }

    @Test
    void aSignatureTheTokenFailsToMakeShouldBeATokenFailureNotARefusal() {
        assertThatThrownBy(() -> CertificateFile.checkTokenKey(issued.privateKey(), provider(DeviceError.class), issued.certificate()))
            .isInstanceOf(Pkcs11Token.Failure.class).hasMessageContaining("failed to sign with the key for [billing@shop.example]")
            .hasMessageContaining("CKR_DEVICE_ERROR");
    }

    @Test
    void aKeyTheProviderRejectsShouldBeARefusalOfTheEntry() {
        assertThatThrownBy(() -> CertificateFile.checkTokenKey(issued.privateKey(), provider(RejectsKey.class), issued.certificate()))
            .isInstanceOf(StoreException.class).isNotInstanceOf(Pkcs11Token.Failure.class)
            .hasMessageContaining("the token's provider does not take this key for SHA256withECDSA (not a key of this token)");
    }

    @Test
    void aKeyTheTokenWillNotSignWithShouldBeARefusalOfTheEntryNotATokenFailure() {
        assertThatThrownBy(() -> CertificateFile.checkTokenKey(issued.privateKey(), provider(NotPermitted.class), issued.certificate()))
            .isInstanceOf(StoreException.class).isNotInstanceOf(Pkcs11Token.Failure.class)
            .hasMessageContaining("the token refuses to sign with this key (CKR_KEY_FUNCTION_NOT_PERMITTED)");
    }

    @Test
    void aSignatureThatDoesNotVerifyShouldBeARefusalOfTheEntry() {
        assertThatThrownBy(() -> CertificateFile.checkTokenKey(issued.privateKey(), provider(Garbage.class), issued.certificate()))
            .isInstanceOf(StoreException.class).isNotInstanceOf(Pkcs11Token.Failure.class)
            .hasMessageContaining("does not sign for the certificate stored with it");
    }

    @Test
    void anAlgorithmTheProviderLacksShouldBeARefusalSayingSo() {
        Provider empty = new Provider("empty-token", "1", "signs nothing") { };

        assertThatThrownBy(() -> CertificateFile.checkTokenKey(issued.privateKey(), empty, issued.certificate()))
            .isInstanceOf(StoreException.class).isNotInstanceOf(Pkcs11Token.Failure.class)
            .hasMessageContaining("this Java's PKCS#11 provider cannot sign SHA256withECDSA");
    }

    /** Takes the key, fails at the signature as a token with a device error does. */
    public static final class DeviceError extends Base {
        @Override
        protected byte[] engineSign() throws SignatureException {
            throw new SignatureException("CKR_DEVICE_ERROR");
        }
    }

    /** Takes the key, then refuses to sign with it, as SunPKCS11 reports a key with CKA_SIGN=false. */
    public static final class NotPermitted extends Base {
        @Override
        protected byte[] engineSign() {
            throw new ProviderException("sign() failed", new ProviderException("CKR_KEY_FUNCTION_NOT_PERMITTED"));
        }
    }

    /** Refuses the key at once. */
    public static final class RejectsKey extends Base {
        @Override
        protected void engineInitSign(PrivateKey privateKey) throws InvalidKeyException {
            throw new InvalidKeyException("not a key of this token");
        }
    }

    /** Signs, with bytes that are no signature of anything. */
    public static final class Garbage extends Base {
        @Override
        protected byte[] engineSign() {
            return new byte[] {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
        }
    }

    /** A signature that takes any key and data. */
    public abstract static class Base extends SignatureSpi {
        @Override
        protected void engineInitVerify(PublicKey publicKey) {
        }

        @Override
        protected void engineInitSign(PrivateKey privateKey) throws InvalidKeyException {
        }

        @Override
        protected void engineUpdate(byte b) {
        }

        @Override
        protected void engineUpdate(byte[] b, int off, int len) {
        }

        @Override
        protected byte[] engineSign() throws SignatureException {
            return new byte[0];
        }

        @Override
        protected boolean engineVerify(byte[] sigBytes) {
            return false;
        }

        @Override
        @SuppressWarnings("deprecation")
        protected void engineSetParameter(String param, Object value) {
        }

        @Override
        @SuppressWarnings("deprecation")
        protected Object engineGetParameter(String param) {
            return null;
        }
    }
}
