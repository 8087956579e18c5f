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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.mail.internet.MimeMultipart;

import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.TestPki.KeyType;
import io.github.jamessmime.testing.Verifiers;

class SignatureProviderTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final String SENDER = "billing@shop.example";
    /** The native library's directory: a path under a regular file, where no directory can be made. */
    static final String NATIVE_TMPDIR = "-Dcom.amazon.corretto.crypto.provider.tmpdir=";

    static TestPki pki;

    @BeforeAll
    static void setUp() {
        pki = TestPki.create(NOW);
    }

    static boolean linuxX8664() {
        return System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
            && List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
    }

    static SignatureProvider provider(SignatureProvider.Setting setting) {
        return SignatureProvider.select(setting);
    }

    static Stream<Arguments> providersAndKeys() {
        List<Arguments> arguments = new ArrayList<>();
        for (SignatureProvider.Setting setting : List.of(SignatureProvider.Setting.AUTO, SignatureProvider.Setting.JDK)) {
            for (KeyType keyType : List.of(KeyType.RSA_2048, KeyType.RSA_3072, KeyType.EC_P256, KeyType.EC_P384)) {
                for (DigestAlgorithm digest : DigestAlgorithm.values()) {
                    arguments.add(Arguments.of(setting, keyType, digest));
                }
            }
        }
        return arguments.stream();
    }

    private static SigningIdentity identity(KeyType keyType) throws Exception {
        TestPki.Issued issued = pki.sender(SENDER).keyType(keyType).issue();
        return pki.rules().validate(Path.of("test.p12"), issued.privateKey(), issued.chain(), pki.now());
    }

    private static byte[] sign(SignatureProvider provider, SigningIdentity identity, DigestAlgorithm digest) throws Exception {
        SmimeSigner signer = new SmimeSigner(digest, CLOCK, SmimeSigner.DEFAULT_MAX_DEPTH, true, SmimeSigner.DEFAULT_MAX_MESSAGE_SIZE,
            provider);
        return Verifiers.serialize(signer.sign(Verifiers.parse(TestMessages.plain7bit(SENDER)), identity));
    }

    private static SignerInformation signerInfo(byte[] signed) throws Exception {
        MimeMultipart multipart = (MimeMultipart) Verifiers.parse(signed).getContent();
        byte[] cms;
        try (InputStream in = multipart.getBodyPart(1).getInputStream()) {
            cms = in.readAllBytes();
        }
        return new CMSSignedData(cms).getSignerInfos().getSigners().iterator().next();
    }

    @Test
    void autoShouldChooseTheNativeProviderOnLinuxX8664() {
        assumeThat(linuxX8664()).as("the bundled native library is for x86_64 Linux").isTrue();

        SignatureProvider provider = provider(SignatureProvider.Setting.AUTO);

        assertThat(provider.isNative()).as(provider.description()).isTrue();
        assertThat(provider.name()).isEqualTo("native");
        assertThat(provider.description()).contains("AWS-LC").contains("AmazonCorrettoCryptoProvider");
        assertThat(provider.fallbackReason()).isEmpty();
        assertThat(provider(SignatureProvider.Setting.NATIVE).isNative()).isTrue();
    }

    @Test
    void nativeProviderShouldNeverBeRegisteredGlobally() {
        provider(SignatureProvider.Setting.AUTO);

        assertThat(Security.getProviders()).extracting(Provider::getName)
            .doesNotContain("AmazonCorrettoCryptoProvider");
    }

    @Test
    void jdkSettingShouldUseTheJdkProviders() {
        SignatureProvider provider = provider(SignatureProvider.Setting.JDK);

        assertThat(provider.isNative()).isFalse();
        assertThat(provider.name()).isEqualTo("jdk");
        assertThat(provider.fallbackReason()).isEmpty();
    }

    @Test
    void settingShouldNameTheAllowedValuesWhenUnknown() {
        assertThatThrownBy(() -> SignatureProvider.Setting.parse("openssl"))
            .hasMessage("'openssl' is not a provider; use auto, native or jdk");
        assertThat(SignatureProvider.Setting.parse(" Native ")).isEqualTo(SignatureProvider.Setting.NATIVE);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("providersAndKeys")
    void everyProviderShouldSignEveryKeyTypeSoThatOpensslAndBouncyCastleVerify(SignatureProvider.Setting setting, KeyType keyType,
                                                                              DigestAlgorithm digest) throws Exception {
        byte[] signed = sign(provider(setting), identity(keyType), digest);

        Verifiers.OpensslResult openssl = Verifiers.openssl(signed, pki.root(), NOW);
        assertThat(openssl.ok()).as(openssl.toString()).isTrue();
        assertThat(Verifiers.bouncyCastle(signed).signatureValid).isTrue();
    }

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"RSA_2048", "EC_P256", "EC_P384"})
    void signaturesShouldHaveTheSameFormWithBothProviders(KeyType keyType) throws Exception {
        assumeThat(linuxX8664()).as("the bundled native library is for x86_64 Linux").isTrue();
        SigningIdentity identity = identity(keyType);

        SignerInformation nativeSigner = signerInfo(sign(provider(SignatureProvider.Setting.NATIVE), identity, DigestAlgorithm.SHA_384));
        SignerInformation jdkSigner = signerInfo(sign(provider(SignatureProvider.Setting.JDK), identity, DigestAlgorithm.SHA_384));

        assertThat(nativeSigner.getDigestAlgOID()).isEqualTo(jdkSigner.getDigestAlgOID());
        assertThat(nativeSigner.getEncryptionAlgOID()).isEqualTo(jdkSigner.getEncryptionAlgOID());
        assertThat(nativeSigner.getEncryptionAlgParams()).isEqualTo(jdkSigner.getEncryptionAlgParams());
        assertThat(nativeSigner.getSignedAttributes().toHashtable().keySet())
            .isEqualTo(jdkSigner.getSignedAttributes().toHashtable().keySet());
    }

    @Test
    void nativeProviderShouldSignWithTheSameKeyAsTheJdk() throws Exception {
        assumeThat(linuxX8664()).as("the bundled native library is for x86_64 Linux").isTrue();
        SigningIdentity identity = identity(KeyType.RSA_2048);

        // RSA PKCS#1 v1.5 is deterministic: the same key over the same signed attributes gives the same signature
        SignatureProvider nativeProvider = provider(SignatureProvider.Setting.NATIVE);
        byte[] attributes = "signed attributes".getBytes(StandardCharsets.US_ASCII);
        Signature nativeSignature = nativeProvider.signature("SHA256withRSA");
        nativeSignature.initSign(nativeProvider.signingKey(identity.privateKey()));
        nativeSignature.update(attributes);
        Signature jdkSignature = Signature.getInstance("SHA256withRSA");
        jdkSignature.initSign(identity.privateKey());
        jdkSignature.update(attributes);

        assertThat(nativeSignature.sign()).isEqualTo(jdkSignature.sign());
    }

    @Test
    void unloadableNativeLibraryShouldFallBackToTheJdkWithOneLogLineAndStillSign(@TempDir Path directory) throws Exception {
        Path notADirectory = Files.writeString(directory.resolve("not-a-directory"), "");

        Probe probe = runProbe(directory.resolve("auto"), notADirectory, "auto");

        assertThat(probe.exitCode).as(probe.output).isZero();
        assertThat(probe.output).contains("provider=jdk");
        assertThat(probe.output.lines().filter(line -> line.contains("the native provider is unavailable")))
            .as(probe.output).hasSize(1)
            .allSatisfy(line -> assertThat(line).contains("S/MIME key operations: the JDK's providers"));
        byte[] signed = Files.readAllBytes(directory.resolve("auto/signed.eml"));
        X509Certificate root = root(directory.resolve("auto/root.pem"));
        Verifiers.OpensslResult openssl = Verifiers.openssl(signed, root, NOW);
        assertThat(openssl.ok()).as(openssl.toString()).isTrue();
        assertThat(Verifiers.bouncyCastle(signed).signatureValid).isTrue();
    }

    @Test
    void nativeSettingShouldRefuseToStartWhenTheLibraryCannotLoad(@TempDir Path directory) throws Exception {
        Path notADirectory = Files.writeString(directory.resolve("not-a-directory"), "");

        Probe probe = runProbe(directory.resolve("native"), notADirectory, "native");

        assertThat(probe.exitCode).as(probe.output).isNotZero();
        assertThat(probe.output).contains("smime.properties: signing.provider: native was asked for, but the native provider"
            + " is unavailable").contains("set signing.provider=auto or jdk");
        assertThat(directory.resolve("native/signed.eml")).doesNotExist();
    }

    private static X509Certificate root(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    static final class Probe {
        final int exitCode;
        final String output;

        Probe(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }
    }

    /** {@link ProviderFallbackProbe} in a fresh JVM whose native library directory cannot be made. */
    private static Probe runProbe(Path directory, Path nativeTmpdir, String setting) throws Exception {
        Files.createDirectories(directory);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), NATIVE_TMPDIR + nativeTmpdir.resolve("sub"),
            "-cp", System.getProperty("java.class.path"), ProviderFallbackProbe.class.getName(), directory.toString(), setting)
            .redirectErrorStream(true)
            .start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Probe(process.exitValue(), output);
    }
}
