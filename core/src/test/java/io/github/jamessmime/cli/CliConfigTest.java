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
package io.github.jamessmime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.jamessmime.core.SmimeSigningService;
import io.github.jamessmime.core.assembly.SmimeParts;
import io.github.jamessmime.core.config.PropertiesFile;
import io.github.jamessmime.core.config.SmimeConfiguration;
import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.testing.OpensslCa;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

/** The command line with James's own smime.properties ({@code --config}), and the store-level error paths it reports. */
class CliConfigTest {
    static final String SENDER = "billing@shop.example";
    /** Not among the revocation services this node may ask (loopback): its OCSP status stays unknown. */
    static final String UNREACHABLE_RESPONDER = "http://127.0.0.1:9/ocsp";

    @TempDir
    Path conf;
    Path store;
    TestPki pki;

    @BeforeEach
    void setUp() throws Exception {
        pki = TestPki.create(Instant.now());
        store = Files.createDirectories(conf.resolve("store"));
        Files.writeString(conf.resolve("store.password"), "pw\n");
        pki.writeRootPem(conf.resolve("roots.pem"));
    }

    private Path config(String extra) throws Exception {
        return Files.writeString(conf.resolve("smime.properties"), "store.directory=${env:SMIME_TEST_VARIABLE_NOT_SET:-store}\n"
            + "store.password.file=store.password\nstore.trustAnchors=roots.pem\nrevocation.fetchDistributionPoints=false\n" + extra);
    }

    @Test
    void checkWithConfigShouldJudgeTheStoreAsJamesDoesUnderANonDefaultRevocationSetting() throws Exception {
        pki.sender(SENDER).ocspResponder(UNREACHABLE_RESPONDER).issue().writePkcs12(store.resolve("billing.p12"), "pw".toCharArray());
        Path config = config("revocation.ocsp.unavailable=refuse\n");

        CliRun withConfig = CliRun.run("check", "--config", config.toString());
        CliRun withFlags = CliRun.run("check", "--store", store.toString(), "--password-file", conf.resolve("store.password").toString(),
            "--trust-anchors", conf.resolve("roots.pem").toString());

        // the flags alone know nothing of revocation.ocsp.unavailable=refuse: the certificate is fine for them
        assertThat(withFlags.exit).as(withFlags.toString()).isZero();
        assertThat(withConfig.exit).as(withConfig.toString()).isEqualTo(ExitCodes.REFUSED);
        String line = withConfig.out.lines().filter(l -> l.startsWith("billing.p12:")).findFirst().orElseThrow();
        assertThat(line).startsWith("billing.p12: " + SENDER + " refused (revoked): ").contains("revocation.ocsp.unavailable=refuse");
        // James, started from the same file, refuses it with the same reason
        SmimeConfiguration settings = SmimeConfiguration.parse(PropertiesFile.readInterpolated(config, name -> null), conf);
        try (SmimeSigningService james = SmimeSigningService.start(SmimeParts.of(settings, Clock.systemUTC(), name -> null))) {
            assertThat(james.store().find(SENDER)).isEmpty();
            CertificateStore.FileReport report = james.store().reports().get(0);
            assertThat(line).endsWith(report.refusal().orElseThrow());
        }
    }

    @Test
    void flagsShouldOverrideTheKeysOfTheConfigFile() throws Exception {
        pki.sender(SENDER).ocspResponder(UNREACHABLE_RESPONDER).issue().writePkcs12(store.resolve("billing.p12"), "pw".toCharArray());
        Path config = config("revocation.ocsp.unavailable=refuse\n");

        CliRun run = CliRun.run("check", "--config", config.toString(), "--no-fetch-crls");

        assertThat(run.exit).as(run.toString()).isZero();
        assertThat(run.out).contains("billing.p12: " + SENDER + " ").contains(" ok");
    }

    @Test
    void aWrongStorePasswordShouldBeOneLineNamingTheSettingNotOnePerFile() throws Exception {
        pki.sender(SENDER).issue().writePkcs12(store.resolve("billing.p12"), "pw".toCharArray());
        pki.sender("parcels@shop.example").issue().writePkcs12(store.resolve("parcels.p12"), "pw".toCharArray());
        Files.writeString(conf.resolve("store.password"), "not the password\n");

        CliRun run = CliRun.run("check", "--config", config("").toString());

        assertThat(run.exit).as(run.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(run.out.lines().filter(line -> line.contains("password"))).singleElement().asString()
            .contains("the store password (store.password.file " + conf.resolve("store.password") + ") opens none of the 2 certificate files");
        assertThat(run.out).doesNotContain("billing.p12").doesNotContain("wrong password");
    }

    @Test
    void aFileRefusedForItsChainShouldBeFoundByItsAddress() throws Exception {
        TestPki other = TestPki.createOther(Instant.now(), "Other Root CA");
        other.sender(SENDER).issue().writePkcs12(store.resolve("billing.p12"), "pw".toCharArray());

        CliRun show = CliRun.run("show", "--config", config("").toString(), "--address", SENDER);
        CliRun check = CliRun.run("check", "--config", config("").toString());

        assertThat(show.out.strip()).as(show.toString())
            .startsWith("billing.p12: " + SENDER + " refused (not_trusted): the certificate does not chain to a trusted root");
        assertThat(check.out).contains("billing.p12: " + SENDER + " refused (not_trusted): ");
    }

    @Test
    void anUnknownKeyShouldBeAConfigurationErrorThatSaysWhatWasMeant() throws Exception {
        CliRun run = CliRun.run("check", "--config", config("revocation.ocsp.timeoutSecond=3\n").toString());

        assertThat(run.exit).isEqualTo(ExitCodes.CONFIGURATION);
        assertThat(run.err.strip()).contains("unknown key(s) [revocation.ocsp.timeoutSecond]")
            .contains("did you mean revocation.ocsp.timeoutSeconds").doesNotContain("\n").hasSizeLessThan(300);
    }

    @Test
    void signWithConfigShouldSignWithTheSettingsOfTheFile() throws Exception {
        pki.sender(SENDER).issue().writePkcs12(store.resolve("billing.p12"), "pw".toCharArray());
        Path in = Files.write(conf.resolve("in.eml"), TestMessages.plain7bit(SENDER));
        Path signed = conf.resolve("out.eml");

        CliRun run = CliRun.run("sign", "--config", config("signing.digest=SHA-512\n").toString(), "--in", in.toString(),
            "--out", signed.toString());
        CliRun tooLarge = CliRun.run("sign", "--config", config("signing.maxMessageSize=10\n").toString(), "--in", in.toString(),
            "--out", conf.resolve("large.eml").toString());

        assertThat(run.exit).as(run.toString()).isZero();
        Verifiers.OpensslResult openssl = Verifiers.openssl(Files.readAllBytes(signed), pki.root(), Instant.now());
        assertThat(openssl.ok()).as(openssl.toString()).isTrue();
        assertThat(Verifiers.bouncyCastle(Files.readAllBytes(signed)).signatureValid).isTrue();
        assertThat(Verifiers.parse(Files.readAllBytes(signed)).getContentType()).contains("micalg=sha-512");
        assertThat(tooLarge.exit).as(tooLarge.toString()).isEqualTo(ExitCodes.REFUSED);
        assertThat(tooLarge.err).contains("larger than signing.maxMessageSize (10 bytes)");
    }

    @Test
    void withoutConfigOrStoreTheCommandShouldSayWhatToGive() {
        CliRun run = CliRun.run("check");

        assertThat(run.exit).isEqualTo(ExitCodes.CONFIGURATION);
        assertThat(run.err).contains("give --config with James's smime.properties, or --store and --password-file");
    }

    @Test
    void helpShouldNameTrustAnchorsAndStillTakeTheFormerName() throws Exception {
        pki.sender(SENDER).issue().writePkcs12(store.resolve("billing.p12"), "pw".toCharArray());

        CliRun help = CliRun.run("check", "--help");
        CliRun former = CliRun.run("check", "--store", store.toString(), "--password-file", conf.resolve("store.password").toString(),
            "--trust-store", conf.resolve("roots.pem").toString(), "--no-fetch-crls");

        assertThat(help.out).contains("--trust-anchors=PEM").doesNotContain("--trust-store").contains("--config=FILE");
        assertThat(former.exit).as(former.toString()).isZero();
    }

    @Test
    void everyFailureKindShouldHaveAnExitCode() {
        assertThat(ExitCodes.BY_KIND.keySet()).containsExactlyInAnyOrder(FailureKind.values());
        assertThat(ExitCodes.of(FailureKind.WRONG_PASSWORD)).isEqualTo(ExitCodes.REFUSED);
        assertThat(ExitCodes.of(FailureKind.CONFIGURATION)).isEqualTo(ExitCodes.CONFIGURATION);
        assertThat(ExitCodes.of(FailureKind.IO)).isEqualTo(ExitCodes.FAILED);
    }

    @Test
    void requestForANonAsciiSenderShouldWriteItsRequestUnderAnAsciiFileName() throws Exception {
        Path config = config("");
        Path out = conf.resolve("requests");

        CliRun request = CliRun.run("request", "--config", config.toString(), "--out", out.toString(), "jörg@müller.example");

        assertThat(request.exit).as(request.toString()).isZero();
        Path file = out.resolve("(utf-8)j%C3%B6rg@xn--mller-kva.example.csr.pem");
        assertThat(request.out).isEqualTo("jörg@xn--mller-kva.example: made a rsa-2048 key in .pending/(utf-8)j%C3%B6rg@xn--mller-kva.example.p12;"
            + " request written to " + file + "\n");
        assertThat(Files.readString(file)).startsWith("-----BEGIN CERTIFICATE REQUEST-----");
    }

    @Test
    void requestInstallAndRequestsShouldObtainACertificateWithoutTheKeyLeavingTheStore() throws Exception {
        Path config = config("");
        OpensslCa ca = new OpensslCa(pki, conf.resolve("ca"));

        CliRun request = CliRun.run("request", "--config", config.toString(), SENDER);
        CliRun again = CliRun.run("request", "--config", config.toString(), SENDER);
        CliRun listed = CliRun.run("requests", "--config", config.toString());

        assertThat(request.exit).as(request.toString()).isZero();
        assertThat(request.out).startsWith("-----BEGIN CERTIFICATE REQUEST-----").endsWith("-----END CERTIFICATE REQUEST-----\n");
        assertThat(request.err).contains("made a rsa-2048 key in .pending/" + SENDER + ".p12 for " + SENDER);
        assertThat(again.exit).isEqualTo(ExitCodes.REFUSED);
        // in this JVM the store's log lines are on too (Main.main turns them off): only the command's own line counts
        assertThat(again.err.lines().filter(line -> line.startsWith("request:"))).singleElement().asString()
            .startsWith("request: a request for " + SENDER + " is pending since ");
        assertThat(listed.out).startsWith(SENDER + " rsa-2048 since ").contains(" in .pending/" + SENDER + ".p12");

        Path issued = Files.write(conf.resolve("billing.pem"), ca.chainPem(ca.sign(request.out,
            OpensslCa.Profile.sender(SENDER, Instant.now().minus(Duration.ofHours(1))))));
        CliRun install = CliRun.run("install", "--config", config.toString(), issued.toString());
        CliRun check = CliRun.run("check", "--config", config.toString());

        assertThat(install.exit).as(install.toString()).isZero();
        assertThat(install.out).startsWith("installed " + issued + " for " + SENDER + " as " + SENDER + ".p12 sha256=");
        assertThat(check.exit).as(check.toString()).isZero();
        assertThat(check.out).contains(SENDER + ".p12: " + SENDER + " ").contains(" ok");
        assertThat(CliRun.run("requests", "--config", config.toString()).out.strip()).isEqualTo("no request is pending");
        assertThat(CliRun.run("install", "--config", config.toString(), issued.toString()).err)
            .contains("refused: none of the 2 certificates given is for a pending key (none is pending)");
    }
}
