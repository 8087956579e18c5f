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
package io.github.jamessmime.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.jamessmime.core.assembly.SmimeParts;
import io.github.jamessmime.core.policy.SenderEntitlement;
import io.github.jamessmime.core.policy.SigningMode;
import io.github.jamessmime.core.signing.DigestAlgorithm;
import io.github.jamessmime.core.signing.SignatureProvider;
import io.github.jamessmime.core.signing.SigningException;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

class SmimeConfigurationTest {
    @TempDir
    Path conf;

    private SmimeConfiguration parse(Map<String, String> properties) throws InvalidConfigurationException {
        return SmimeConfiguration.parse(properties, conf);
    }

    /** The running parts of these settings, in an environment where only SMIME_PASSWORD is set. */
    private SmimeParts parts(Map<String, String> properties) throws InvalidConfigurationException {
        return SmimeParts.of(parse(properties), Clock.systemUTC(), name -> name.equals("SMIME_PASSWORD") ? "from-env" : null);
    }

    @Test
    void parseShouldResolveRelativePathsAgainstConfDirectoryAndApplyDefaults() throws Exception {
        Files.writeString(conf.resolve("store.password"), "s3cret\n");

        SmimeConfiguration configuration = parse(Map.of("store.directory", "smime-store", "store.password.file", "store.password"));

        assertThat(configuration.storeDirectory()).isEqualTo(conf.resolve("smime-store"));
        assertThat(SmimeParts.of(configuration, Clock.systemUTC(), name -> null).storePassword().current())
            .containsExactly("s3cret".toCharArray());
        assertThat(configuration.digest()).isEqualTo(DigestAlgorithm.SHA_256);
        assertThat(configuration.reloadInterval()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void parseShouldReadPasswordFromEnvironment() throws Exception {
        SmimeParts parts = parts(Map.of("store.directory", "/srv/store", "store.password.env", "SMIME_PASSWORD"));

        assertThat(parts.storePassword().current()).containsExactly("from-env".toCharArray());
        assertThat(parts.storePassword().origin()).isEqualTo("store.password.env SMIME_PASSWORD");
    }

    @Test
    void toStringShouldNeverShowThePassword() throws Exception {
        SmimeConfiguration configuration = parse(Map.of("store.directory", "/srv/store", "store.password", "hunter2-secret"));

        assertThat(configuration.toString()).doesNotContain("hunter2-secret");
    }

    @Test
    void parseShouldRefuseUnknownKeyNamingIt() {
        assertThatThrownBy(() -> parse(Map.of("store.directory", "x", "store.password", "p", "entitlement.trustedNetwork", "127.0.0.1")))
            .isInstanceOf(InvalidConfigurationException.class)
            .hasMessageContaining("unknown key(s) [entitlement.trustedNetwork]; did you mean entitlement.trustedNetworks"
                + " (for entitlement.trustedNetwork)?").hasMessageNotContaining("pkcs11.slot");
    }

    @Test
    void parseShouldRequireStoreDirectory() {
        assertThatThrownBy(() -> parse(Map.of("store.password", "p")))
            .hasMessageContaining("store.directory is missing");
    }

    @Test
    void parseShouldRequireExactlyOnePasswordSource() {
        assertThatThrownBy(() -> parse(Map.of("store.directory", "x")))
            .hasMessageContaining("set exactly one of store.password.file, store.password.env or store.password (found 0)");
        assertThatThrownBy(() -> parse(Map.of("store.directory", "x", "store.password", "p", "store.password.env", "SMIME_PASSWORD")))
            .hasMessageContaining("(found 2)");
    }

    @Test
    void parseShouldNameMissingEnvironmentVariable() {
        assertThatThrownBy(() -> parts(Map.of("store.directory", "x", "store.password.env", "NOT_SET")).storePassword())
            .hasMessageContaining("store.password.env names environment variable NOT_SET, which is not set");
    }

    @Test
    void parseShouldNameMissingPasswordFile() {
        assertThatThrownBy(() -> parts(Map.of("store.directory", "x", "store.password.file", "nope.txt")).storePassword())
            .hasMessageContaining("store.password.file: cannot read password file");
    }

    @Test
    void parseShouldRefuseBadDigestAndInterval() {
        assertThatThrownBy(() -> parse(Map.of("store.directory", "x", "store.password", "p", "signing.digest", "MD5")))
            .hasMessageContaining("signing.digest: unsupported digest 'MD5'");
        assertThatThrownBy(() -> parse(Map.of("store.directory", "x", "store.password", "p", "store.reloadIntervalSeconds", "soon")))
            .hasMessageContaining("store.reloadIntervalSeconds: 'soon' is not a number of seconds");
    }

    @Test
    void parseShouldChooseTheSigningProviderAndRefuseAnUnknownOne() throws Exception {
        assertThat(parts(Map.of("store.directory", "x", "store.password", "p", "signing.provider", "jdk")).provider().isNative())
            .isFalse();
        assertThat(parts(Map.of("store.directory", "x", "store.password", "p")).provider().name())
            .isEqualTo(SignatureProvider.select(SignatureProvider.Setting.AUTO).name());
        assertThatThrownBy(() -> parse(Map.of("store.directory", "x", "store.password", "p", "signing.provider", "bc")))
            .hasMessage("smime.properties: signing.provider: 'bc' is not a provider; use auto, native or jdk");
    }

    @Test
    void parseShouldReadTheSigningModeAndRefuseAnUnknownOne() throws Exception {
        assertThat(parse(Map.of("store.directory", "x", "store.password", "p")).mode()).isEqualTo(SigningMode.ALWAYS);
        assertThat(parse(Map.of("store.directory", "x", "store.password", "p", "signing.mode", " On-Request")).mode())
            .isEqualTo(SigningMode.ON_REQUEST);
        assertThatThrownBy(() -> parse(Map.of("store.directory", "x", "store.password", "p", "signing.mode", "sometimes")))
            .hasMessage("smime.properties: signing.mode: 'sometimes' is not a signing mode; use always or on-request");
    }

    @Test
    void parseShouldReadTheOcspSettingsAndRefuseBadOnes() throws Exception {
        assertThat(parse(Map.of("store.directory", "x", "store.password", "p")).ocsp())
            .hasToString("ocsp(timeout 5 s, unavailable=use)");
        assertThat(parse(Map.of("store.directory", "x", "store.password", "p", "revocation.ocsp.unavailable", "refuse",
            "revocation.ocsp.timeoutSeconds", "2")).ocsp()).hasToString("ocsp(timeout 2 s, unavailable=refuse)");
        assertThat(parse(Map.of("store.directory", "x", "store.password", "p", "revocation.ocsp", "false")).ocsp())
            .hasToString("no ocsp");
        assertThatThrownBy(() -> parse(Map.of("store.directory", "x", "store.password", "p", "revocation.ocsp.unavailable", "ignore")))
            .hasMessage("smime.properties: revocation.ocsp.unavailable: 'ignore' is not a choice; use use or refuse");
        assertThatThrownBy(() -> parse(Map.of("store.directory", "x", "store.password", "p", "revocation.ocsp.timeoutSeconds", "600")))
            .hasMessage("smime.properties: revocation.ocsp.timeoutSeconds: '600' is not a number of seconds from 1 to 60");
    }

    @Test
    void parseShouldReadThePkcs11TokenWithoutShowingItsPin() throws Exception {
        Path library = Files.writeString(conf.resolve("libtoken.so"), "");

        SmimeConfiguration configuration = parse(Map.of("store.directory", "x", "store.password", "p",
            "pkcs11.library", "libtoken.so", "pkcs11.slot", "7", "pkcs11.pin.env", "SMIME_PASSWORD"));

        assertThat(SmimeParts.of(configuration, Clock.systemUTC(), name -> "from-env").token())
            .hasValueSatisfying(token -> assertThat(token.source("billing")).isEqualTo("pkcs11:token/billing"));
        assertThat(configuration.toString()).contains("pkcs11{token, library=" + library + ", slot=7}").doesNotContain("from-env");
        assertThat(parts(Map.of("store.directory", "x", "store.password", "p")).token()).isEmpty();
    }

    @Test
    void parseShouldRefuseIncompletePkcs11SettingsNamingTheKey() throws Exception {
        Files.writeString(conf.resolve("libtoken.so"), "");

        assertThatThrownBy(() -> parts(Map.of("store.directory", "x", "store.password", "p", "pkcs11.library", "missing.so",
            "pkcs11.pin.env", "SMIME_PASSWORD")).token())
            .hasMessageContaining("pkcs11.library").hasMessageContaining("is not a file");
        assertThatThrownBy(() -> parse(Map.of("store.directory", "x", "store.password", "p", "pkcs11.library", "libtoken.so")))
            .hasMessageContaining("exactly one of pkcs11.pin.file or pkcs11.pin.env");
        assertThatThrownBy(() -> parse(Map.of("store.directory", "x", "store.password", "p", "pkcs11.library", "libtoken.so",
            "pkcs11.pin.env", "SMIME_PASSWORD", "pkcs11.slot", "1", "pkcs11.slotListIndex", "0")))
            .hasMessageContaining("pkcs11.slot or pkcs11.slotListIndex, not both");
        assertThatThrownBy(() -> parts(Map.of("store.directory", "x", "store.password", "p", "pkcs11.library", "libtoken.so",
            "pkcs11.pin.env", "NOT_SET")).token())
            .hasMessageContaining("pkcs11.pin.env names environment variable NOT_SET");
        assertThatThrownBy(() -> parse(Map.of("store.directory", "x", "store.password", "p", "pkcs11.library", "libtoken.so",
            "pkcs11.pin.env", "SMIME_PASSWORD", "pkcs11.name", "my token")))
            .hasMessageContaining("pkcs11.name: 'my token'");
        assertThatThrownBy(() -> parse(Map.of("store.directory", "x", "store.password", "p", "pkcs11.library", "libtoken.so",
            "pkcs11.pin.env", "SMIME_PASSWORD", "pkcs11.slot", "4294967296")))
            .hasMessageContaining("pkcs11.slot: slot id 4294967296 is out of range");
        assertThatThrownBy(() -> parse(Map.of("store.directory", "x", "store.password", "p", "pkcs11.slot", "1")))
            .hasMessageContaining("pkcs11.slot is set but pkcs11.library is not");
    }

    @Test
    void parseShouldRefuseHostNameAsTrustedNetwork() {
        assertThatThrownBy(() -> parse(Map.of("store.directory", "x", "store.password", "p", "entitlement.trustedNetworks", "app.shop.example")))
            .hasMessageContaining("entitlement.trustedNetworks: 'app.shop.example' is not an IP address or CIDR range");
    }

    @Test
    void grantsShouldEntitleUserToAddressAndDomain() throws Exception {
        Files.writeString(conf.resolve("grants.properties"),
            "app@shop.example = billing@shop.example, @orders.example\n");

        SenderEntitlement entitlement = parts(Map.of("store.directory", "x", "store.password", "p",
            "entitlement.grants.file", "grants.properties")).entitlement();

        assertThat(entitlement.decide(Optional.of("app@SHOP.example"), Optional.empty(), "billing@shop.example").entitled()).isTrue();
        assertThat(entitlement.decide(Optional.of("app@shop.example"), Optional.empty(), "any@orders.example").entitled()).isTrue();
        assertThat(entitlement.decide(Optional.of("app@shop.example"), Optional.empty(), "ceo@shop.example").entitled()).isFalse();
    }

    @Test
    void grantsShouldRefuseWildcardGrantNamingIt() throws Exception {
        Files.writeString(conf.resolve("grants.properties"), "app@shop.example = *@shop.example\n");

        assertThatThrownBy(() -> parts(Map.of("store.directory", "x", "store.password", "p", "entitlement.grants.file", "grants.properties"))
            .entitlement())
            .hasMessageContaining("entitlement.grants.file: '*@shop.example' granted to app@shop.example is not a mail address: wildcards are not supported");
    }

    @Test
    void parseShouldRefuseANestingLimitBeyondWhatVerifiersDescend() {
        Map<String, String> properties = new HashMap<>(Map.of("store.directory", "store", "store.password", "pw"));
        properties.put(SettingKeys.MIME_MAX_DEPTH.key(), "65");

        assertThatThrownBy(() -> SmimeConfiguration.parse(properties, Path.of("/conf")))
            .isInstanceOf(InvalidConfigurationException.class)
            .hasMessageContaining("mime.maxDepth: '65' is not a number of levels between 1 and 64");
    }

    @Test
    void parseShouldRefuseASelfCheckThatIsNotABoolean() {
        Map<String, String> properties = new HashMap<>(Map.of("store.directory", "store", "store.password", "pw"));
        properties.put(SettingKeys.SIGNING_SELF_CHECK.key(), "maybe");

        assertThatThrownBy(() -> SmimeConfiguration.parse(properties, Path.of("/conf")))
            .isInstanceOf(InvalidConfigurationException.class)
            .hasMessageContaining("signing.selfCheck: 'maybe' must be true or false");
    }

    @Test
    void maxMessageSizeShouldReadSuffixesAndRefuseGarbageNamingTheKey() throws Exception {
        Function<String, Map<String, String>> with = size -> Map.of("store.directory", "/srv/store",
            "store.password", "p", "signing.maxMessageSize", size);

        assertThatThrownBy(() -> parse(with.apply("lots"))).isInstanceOf(InvalidConfigurationException.class)
            .hasMessageContaining("signing.maxMessageSize: 'lots' is not a size such as 64M");
        SmimeParts configuration = parts(with.apply("100"));
        byte[] message = ("From: billing@shop.example\r\nSubject: x\r\n\r\n" + "y".repeat(200) + "\r\n")
            .getBytes(StandardCharsets.US_ASCII);
        TestPki pki = TestPki.create(Instant.now());
        TestPki.Issued issued = pki.sender("billing@shop.example").issue();
        SigningIdentity identity = pki.rules().validate(Path.of("t.p12"), issued.privateKey(), issued.chain(), pki.now());

        assertThatThrownBy(() -> configuration.signer().sign(Verifiers.parse(message), identity))
            .isInstanceOf(SigningException.class).hasMessageContaining("larger than signing.maxMessageSize (100 bytes)");
        assertThat(parts(with.apply("1K")).signer().sign(Verifiers.parse(message), identity))
            .isNotNull();
    }
}
