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

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.assertj.core.api.Assertions;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.jamessmime.core.signing.SignatureProvider;
import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.RevocationChecker;
import io.github.jamessmime.core.usage.UsageCounter;
import io.github.jamessmime.testing.SoftHsm;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

class CliTest {
    static final String SENDER = "billing@shop.example";

    @TempDir
    Path work;
    Path store;
    Path passwordFile;
    TestPki pki;
    Path roots;
    String out;
    String err;

    @BeforeEach
    void setUp() throws Exception {
        // The CLI reads the system clock: certificates are valid around the real now, verified at that instant.
        pki = TestPki.create(Instant.now());
        store = Files.createDirectories(work.resolve("store"));
        passwordFile = Files.writeString(work.resolve("password"), "pw\n");
        pki.sender(SENDER).issue().writePkcs12(store.resolve("billing.p12"), "pw".toCharArray());
        roots = pki.writeRootPem(work.resolve("roots.pem"));
    }

    private int run(String... args) {
        CliRun run = CliRun.run(args);
        out = run.out;
        err = run.err;
        return run.exit;
    }

    @Test
    void signShouldWriteMessageThatOpensslVerifies() throws Exception {
        Path in = Files.write(work.resolve("in.eml"), TestMessages.utf8EightBit(SENDER));
        Path signed = work.resolve("out.eml");

        int exit = run("sign", "--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString(),
            "--in", in.toString(), "--out", signed.toString());

        assertThat(exit).as(err).isZero();
        Verifiers.OpensslResult openssl = Verifiers.openssl(Files.readAllBytes(signed), pki.root(), Instant.now());
        assertThat(openssl.ok()).as(openssl.toString()).isTrue();
        assertThat(Verifiers.leaves(Verifiers.parse(openssl.content))).isEqualTo(Verifiers.leaves(Verifiers.parse(Files.readAllBytes(in))));
        // the test message is dated 2026-06-01, the CLI signs with the real clock: as a resend, without signing time
        assertThat(err).contains("sign: signed without signing time: its Date 2026-06-01T09:58:00Z is ");
    }

    @ParameterizedTest
    @ValueSource(strings = {" folded\r\n", "\tfolded\r\n", " \r\n folded\r\n"})
    void signShouldSayInOneLineThatTheHeaderBlockStartsWithAContinuationLine(String firstLines) throws Exception {
        // the last: javax.mail fails on it with an IndexOutOfBoundsException; the others it reads as a field "folded"
        Path in = Files.write(work.resolve("in.eml"), (firstLines + new String(TestMessages.plain7bit(SENDER), StandardCharsets.ISO_8859_1))
            .getBytes(StandardCharsets.ISO_8859_1));
        Path signed = work.resolve("out.eml");

        int exit = run("sign", "--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString(),
            "--in", in.toString(), "--out", signed.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(err.lines().filter(line -> line.startsWith("sign:"))).containsExactly("sign: " + in + " cannot be signed: the header"
            + " block starts with a continuation line (a line beginning with white space)");
        assertThat(signed).doesNotExist();
    }

    @Test
    void signShouldRefuseALookAlikeFromInOneLine() throws Exception {
        // a Cyrillic і among Latin letters
        Path in = Files.write(work.resolve("in.eml"), "From: b\u0456lling@shop.example\r\nSubject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8));
        Path signed = work.resolve("out.eml");

        int exit = run("sign", "--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString(),
            "--in", in.toString(), "--out", signed.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(err.lines().filter(line -> line.startsWith("sign:"))).singleElement().asString()
            .startsWith("sign: the From header of " + in + " names no sender address: the local part 'b\u0456lling' mixes the scripts");
        assertThat(signed).doesNotExist();
    }

    @Test
    void signShouldGiveAMessageWithoutDateTheSigningTimeAndSayIt() throws Exception {
        String raw = new String(TestMessages.plain7bit(SENDER), StandardCharsets.ISO_8859_1).replace("Date: Mon, 1 Jun 2026 09:58:00 +0000\r\n", "");
        Path in = Files.write(work.resolve("in.eml"), raw.getBytes(StandardCharsets.ISO_8859_1));
        Path signed = work.resolve("out.eml");

        int exit = run("sign", "--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString(),
            "--in", in.toString(), "--out", signed.toString());

        assertThat(exit).as(err).isZero();
        assertThat(err).contains("sign: the message had no Date; Date: ").contains(" added, the signing time");
        assertThat(Verifiers.parse(Files.readAllBytes(signed)).getHeader("Date", null)).isNotNull();
        Verifiers.OpensslResult openssl = Verifiers.openssl(Files.readAllBytes(signed), pki.root(), Instant.now());
        assertThat(openssl.ok()).as(openssl.toString()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "auto"})
    void signShouldSignWithTheProviderAskedFor(String provider) throws Exception {
        Path in = Files.write(work.resolve("in.eml"), TestMessages.plain7bit(SENDER));
        Path signed = work.resolve("out.eml");

        int exit = run("sign", "--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString(),
            "--in", in.toString(), "--out", signed.toString(), "--provider", provider);

        assertThat(exit).as(err).isZero();
        Verifiers.OpensslResult openssl = Verifiers.openssl(Files.readAllBytes(signed), pki.root(), Instant.now());
        assertThat(openssl.ok()).as(openssl.toString()).isTrue();
        assertThat(Verifiers.bouncyCastle(Files.readAllBytes(signed)).signatureValid).isTrue();
    }

    @Test
    void signShouldRefuseAnUnknownProviderInOneLine() throws Exception {
        Path in = Files.write(work.resolve("in.eml"), TestMessages.plain7bit(SENDER));
        Path signed = work.resolve("out.eml");

        int exit = run("sign", "--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString(),
            "--in", in.toString(), "--out", signed.toString(), "--provider", "openssl");

        assertThat(exit).isNotZero();
        assertThat(err.strip()).isEqualTo("sign: --provider: 'openssl' is not a provider; use auto, native or jdk");
        assertThat(signed).doesNotExist();
    }

    @Test
    void signShouldFailWithOneLineReasonWhenSenderHasNoCertificate() throws Exception {
        Path in = Files.write(work.resolve("in.eml"), TestMessages.plain7bit("orders@shop.example"));
        Path signed = work.resolve("out.eml");

        int exit = run("sign", "--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString(),
            "--in", in.toString(), "--out", signed.toString());

        assertThat(exit).isNotZero();
        // the CLI runs the store at WARN (Main.main); in this JVM the store's INFO line may precede the reason
        String lastLine = err.strip().lines().reduce((first, second) -> second).orElse("");
        assertThat(lastLine).startsWith("sign: no usable certificate for orders@shop.example");
        assertThat(signed).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "\tfolded before any field\r\nFrom: billing@shop.example\r\n\r\nbody\r\n",
        "From: billing@shop.example\r\nSubject: a folded\r\n  refusal\r\nnot a field\r\n\r\nbody\r\n",
        "From: billing@shop.example\r\nContent-Type: multipart/mixed; boundary=\"x\"\r\n\r\nno delimiter\r\n"})
    void signShouldRefuseBrokenMessagesWithExactlyOneLine(String message) throws Exception {
        Path in = Files.writeString(work.resolve("in.eml"), message);
        Path signed = work.resolve("out.eml");

        int exit = run("sign", "--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString(),
            "--in", in.toString(), "--out", signed.toString());

        assertThat(exit).isNotZero();
        List<String> reasons = err.strip().lines().filter(line -> !line.contains("INFO")).collect(Collectors.toList());
        assertThat(reasons).hasSize(1);
        assertThat(reasons.get(0)).startsWith("sign: ");
        assertThat(signed).doesNotExist();
    }

    @Test
    void checkShouldPrintOneLinePerFileAndExitZeroWhenAllUsable() throws Exception {
        int exit = run("check", "--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString());

        assertThat(exit).isZero();
        assertThat(out.lines()).hasSize(2);
        assertThat(out).contains("billing.p12: billing@shop.example").contains("CN=Test Intermediate CA")
            .contains(" ok");
        assertThat(out.lines().reduce((first, second) -> second).orElse(""))
            .isEqualTo("key operations: " + SignatureProvider.select(SignatureProvider.Setting.AUTO).description());
    }

    @Test
    void checkShouldPrintReasonAndExitOneWhenAFileIsRefused() throws Exception {
        pki.sender("old@shop.example").validity(Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)))
            .issue().writePkcs12(store.resolve("old.p12"), "pw".toCharArray());

        int exit = run("check", "--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(out.lines()).hasSize(3);
        assertThat(out).contains("old.p12: old@shop.example refused (expired): certificate for [old@shop.example] expired on");
    }

    /** {@link Main#main} in a JVM of its own, as an operator runs it: its loggers are made there, after main set their level. */
    private int runInItsOwnJvm(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectOutput(work.resolve("stdout").toFile())
            .redirectError(work.resolve("stderr").toFile()).start();
        process.getOutputStream().close();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        out = Files.readString(work.resolve("stdout"));
        err = Files.readString(work.resolve("stderr"));
        return process.exitValue();
    }

    @Test
    void checkShouldPrintARefusalOnceAndNoLogLineOnStderrUnlessVerbose() throws Exception {
        Files.writeString(store.resolve("text.p12"), "not a PKCS#12 file at all");
        String logLine = "WARN " + CertificateStore.class.getName() + " - S/MIME certificate file";

        int quiet = runInItsOwnJvm("check", "--store", store.toString(), "--password-file", passwordFile.toString(),
            "--trust-anchors", roots.toString());
        String quietErr = err;
        assertThat(out).contains("text.p12: refused (unreadable): not a readable PKCS#12 file");
        int verbose = runInItsOwnJvm("check", "--store", store.toString(), "--password-file", passwordFile.toString(),
            "--trust-anchors", roots.toString(), "--verbose");

        assertThat(quiet).isEqualTo(1);
        assertThat(quietErr).doesNotContain(logLine).doesNotContain(" INFO ").doesNotContain(" WARN ");
        assertThat(verbose).isEqualTo(1);
        assertThat(out).contains("text.p12: refused (unreadable): not a readable PKCS#12 file");
        assertThat(err).contains(logLine).contains("INFO " + CertificateStore.class.getName());
    }

    private int importP12(TestPki.Issued issued, boolean withTrustStore) throws Exception {
        Path p12 = issued.writePkcs12(work.resolve("incoming.p12"), "p12-secret".toCharArray());
        Path p12Password = Files.writeString(work.resolve("p12.password"), "p12-secret\n");
        Path root = pki.writeRootPem(work.resolve("root.pem"));
        return withTrustStore
            ? run("import", "--store", store.toString(), "--password-file", passwordFile.toString(), "--p12", p12.toString(),
                "--p12-password-file", p12Password.toString(), "--trust-store", root.toString())
            : run("import", "--store", store.toString(), "--password-file", passwordFile.toString(), "--p12", p12.toString(),
                "--p12-password-file", p12Password.toString());
    }

    @Test
    void importShouldWriteTheCertificateReencryptedUnderTheStorePassword() throws Exception {
        TestPki.Issued issued = pki.sender("parcels@shop.example").keyType(TestPki.KeyType.EC_P256).issue();

        int exit = importP12(issued, true);

        assertThat(exit).as(err).isZero();
        Path written = store.resolve("parcels@shop.example.p12");
        assertThat(out).contains("imported").contains(written.toString());
        assertThat(CertificateStore.open(store, "pw".toCharArray(), Clock.systemUTC(), Optional.empty(), RevocationChecker.none(), pki.rules())
            .find("parcels@shop.example")).map(identity -> identity.certificate()).contains(issued.certificate());
        KeyStore reopened = KeyStore.getInstance("PKCS12");
        Assertions.assertThatThrownBy(() -> {
            try (var in = Files.newInputStream(written)) {
                reopened.load(in, "p12-secret".toCharArray());
            }
        }).as("the imported file no longer opens with its original password").isInstanceOf(IOException.class);
        assertThat(Files.list(store).map(p -> p.getFileName().toString())).noneMatch(name -> name.endsWith(".tmp"));
    }

    @Test
    void importShouldRefuseAChainThatDoesNotLeadToATrustedRoot() throws Exception {
        int exit = importP12(pki.sender("parcels@shop.example").issue(), false);

        assertThat(exit).isEqualTo(1);
        assertThat(err).contains("refused: the certificate does not chain to a trusted root");
        assertThat(store.resolve("parcels@shop.example.p12")).doesNotExist();
    }

    @Test
    void importShouldSayWhenACertificateIsNotYetValid() throws Exception {
        Instant notBefore = Instant.now().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS);

        int exit = importP12(pki.sender("renewal@shop.example").validity(notBefore, notBefore.plus(Duration.ofDays(365))).issue(), true);

        assertThat(exit).isZero();
        assertThat(out).contains("renewal@shop.example.p12 (not yet valid until " + notBefore + ": James uses it from then)");
    }

    @Test
    void importShouldRefuseWhatTheStoreAndTheProfileRefuse() throws Exception {
        Instant now = Instant.now();
        assertThat(importP12(pki.sender("*@shop.example").issue(), true)).isEqualTo(1);
        assertThat(err).contains("wildcard or domain-only address '*@shop.example'");
        assertThat(importP12(pki.sender("old@shop.example").validity(now.minus(Duration.ofDays(40)), now.minus(Duration.ofDays(1))).issue(), true))
            .isEqualTo(1);
        assertThat(err).contains("expired on");
        assertThat(importP12(pki.sender("sha1@shop.example").signatureAlgorithm("SHA1withRSA").issue(), true)).isEqualTo(1);
        assertThat(err).contains("signed with SHA1withRSA");
        assertThat(importP12(pki.sender("long@shop.example").validity(now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(900))).issue(), true))
            .isEqualTo(1);
        assertThat(err).contains("valid for 901 days, more than the 825");
        assertThat(Files.list(store).map(p -> p.getFileName().toString())).containsExactly("billing.p12");
    }

    private int sync(Path source, boolean dryRun) throws Exception {
        Path sourcePassword = Files.writeString(work.resolve("source.password"), "export-secret\n");
        Path root = pki.writeRootPem(work.resolve("root.pem"));
        return dryRun
            ? run("sync", "--from", source.toString(), "--from-password-file", sourcePassword.toString(), "--store", store.toString(),
                "--password-file", passwordFile.toString(), "--trust-store", root.toString(), "--dry-run")
            : run("sync", "--from", source.toString(), "--from-password-file", sourcePassword.toString(), "--store", store.toString(),
                "--password-file", passwordFile.toString(), "--trust-store", root.toString());
    }

    private Map<String, byte[]> storeContent() throws Exception {
        Map<String, byte[]> content = new TreeMap<>();
        try (var files = Files.list(store)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                content.put(file.getFileName().toString(), Files.readAllBytes(file));
            }
        }
        return content;
    }

    @Test
    void syncShouldMirrorTheSourceAndChangeNothingTheSecondTime() throws Exception {
        Path source = Files.createDirectories(work.resolve("export"));
        pki.sender(SENDER).issue().writePkcs12(source.resolve("a.p12"), "export-secret".toCharArray());
        pki.sender("parcels@shop.example").keyType(TestPki.KeyType.EC_P256).issue().writePkcs12(source.resolve("b.p12"), "export-secret".toCharArray());
        Map<String, byte[]> before = storeContent();

        assertThat(sync(source, true)).as(err).isZero();
        assertThat(out.lines().map(line -> line.replaceAll(":.*", ""))).containsExactly(
            "would remove billing.p12", "would add billing@shop.example.p12", "would add parcels@shop.example.p12");
        assertThat(storeContent()).containsOnlyKeys(before.keySet());

        assertThat(sync(source, false)).as(err).isZero();
        assertThat(storeContent()).containsOnlyKeys("billing@shop.example.p12", "parcels@shop.example.p12");
        Map<String, byte[]> afterFirst = storeContent();

        assertThat(sync(source, false)).as(err).isZero();
        assertThat(out.lines()).allMatch(line -> line.startsWith("unchanged ")).hasSize(2);
        assertThat(storeContent()).containsOnlyKeys(afterFirst.keySet());
        for (String name : afterFirst.keySet()) {
            assertThat(storeContent().get(name)).as(name).isEqualTo(afterFirst.get(name));
        }
    }

    @Test
    void syncShouldReplaceRenewedRemoveGoneAndRefuseBadFiles() throws Exception {
        Path source = Files.createDirectories(work.resolve("export"));
        pki.sender(SENDER).keyIndex(0).issue().writePkcs12(source.resolve("a.p12"), "export-secret".toCharArray());
        pki.sender("parcels@shop.example").issue().writePkcs12(source.resolve("b.p12"), "export-secret".toCharArray());
        assertThat(sync(source, false)).as(err).isZero();
        TestPki.Issued renewed = pki.sender(SENDER).keyIndex(1).issue();
        renewed.writePkcs12(source.resolve("a.p12"), "export-secret".toCharArray());
        Files.delete(source.resolve("b.p12"));
        pki.sender("*@shop.example").issue().writePkcs12(source.resolve("wild.p12"), "export-secret".toCharArray());

        int exit = sync(source, false);

        assertThat(exit).isEqualTo(1);
        assertThat(out).contains("replace billing@shop.example.p12").contains("remove parcels@shop.example.p12: not in the source")
            .contains("refuse wild.p12: wildcard or domain-only address '*@shop.example'");
        assertThat(CertificateStore.open(store, "pw".toCharArray(), Clock.systemUTC(), Optional.empty(), RevocationChecker.none(), pki.rules())
            .find(SENDER)).map(identity -> identity.certificate()).contains(renewed.certificate());
        assertThat(storeContent()).containsOnlyKeys("billing@shop.example.p12");
    }

    @Test
    void usageShouldSayWhereToLookWhenTheStoreHasNoCounts() throws Exception {
        assertThat(run("usage", "--store", store.toString(), "--month", "2026-06")).isEqualTo(1);
        assertThat(err).contains(".usage does not exist; give --usage-dir", "var/smime/usage when the store directory is read-only");
    }

    @Test
    void usageShouldAddUpTheNodesOfAMonth() throws Exception {
        Clock june = Clock.fixed(Instant.parse("2026-06-15T12:00:00Z"), ZoneOffset.UTC);
        UsageCounter a = new UsageCounter(store.resolve(".usage"), "node-a", june);
        UsageCounter b = new UsageCounter(store.resolve(".usage"), "node-b", june);
        a.count(SENDER);
        b.count(SENDER);
        b.count("parcels@shop.example");
        a.flush();
        b.flush();

        assertThat(run("usage", "--store", store.toString(), "--month", "2026-06")).isZero();
        assertThat(out.lines()).containsExactly("billing@shop.example 2", "parcels@shop.example 1",
            "2026-06: 3 signatures by 2 active sender addresses");
        assertThat(run("usage", "--store", store.toString(), "--month", "June")).isEqualTo(1);
        assertThat(err).contains("--month 'June' is not a month");
        Files.createDirectories(store.resolve(".usage/2026-06/node-c.journal"));
        assertThat(run("usage", "--store", store.toString(), "--month", "2026-06")).as("no partial total").isEqualTo(1);
        assertThat(err).contains("node-c.journal", "no total is given");
    }

    @Test
    void showAndDeleteShouldWorkOnOneCertificate() throws Exception {
        String fingerprint = CertificateStore.open(store, "pw".toCharArray(), Clock.systemUTC(), Optional.empty(), RevocationChecker.none(), pki.rules())
            .find(SENDER).orElseThrow().fingerprint();

        assertThat(run("show", "--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString(), "--address", SENDER)).isZero();
        assertThat(out.strip()).startsWith("billing.p12: billing@shop.example").contains("sha256=" + fingerprint).endsWith("ok, in use");

        assertThat(run("delete", "--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString(), "--sha256", fingerprint)).isZero();
        assertThat(store.resolve("billing.p12")).doesNotExist();
        assertThat(run("show", "--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString(), "--address", SENDER)).isEqualTo(1);
        assertThat(err).contains("show: no certificate for billing@shop.example");
        assertThat(run("delete", "--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString(), "--sha256", fingerprint)).isEqualTo(1);
    }

    @Test
    void checkAndShowShouldListTheKeyEntriesOfAPkcs11Token() throws Exception {
        SoftHsm.Token token = SoftHsm.shared().token(1);
        token.clear();
        TestPki.Issued issued = pki.sender("orders@shop.example").keyType(TestPki.KeyType.EC_P256).issue();
        token.put("orders", issued.privateKey(), issued.chain());
        Path pin = token.writePin(work.resolve("pin"));
        String[] options = {"--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString(),
            "--pkcs11-library", SoftHsm.LIBRARY.toString(), "--pkcs11-slot", Long.toString(token.slot()), "--pkcs11-pin-file", pin.toString(),
            "--pkcs11-name", "hsm"};

        assertThat(run(concat(new String[] {"check"}, options))).isZero();
        assertThat(out).contains("billing.p12: billing@shop.example").contains("pkcs11:hsm/orders: orders@shop.example issuer=")
            .doesNotContain(token.pin());
        assertThat(run(concat(new String[] {"show", "--address", "orders@shop.example"}, options))).isZero();
        assertThat(out.strip()).startsWith("pkcs11:hsm/orders: orders@shop.example").endsWith("ok, in use");

        Files.writeString(pin, "wrong\n");
        token.logout();
        assertThat(run(concat(new String[] {"check"}, options))).isEqualTo(1);
        assertThat(out).contains("PKCS#11 token 'hsm' cannot be opened (CKR_PIN_INCORRECT)");
    }

    @Test
    void tokenKeygenAndTokenCertificateShouldEnrolAKeyThatNeverLeavesTheToken() throws Exception {
        SoftHsm.Token token = SoftHsm.shared().token(1);
        token.clear();
        Path pin = token.writePin(work.resolve("pin"));
        String[] tokenOptions = {"--pkcs11-library", SoftHsm.LIBRARY.toString(), "--pkcs11-slot", Long.toString(token.slot()),
            "--pkcs11-pin-file", pin.toString(), "--pkcs11-name", "hsm"};
        Path csr = work.resolve("orders.csr");

        assertThat(run(concat(new String[] {"token-keygen", "--alias", "orders", "--address", "orders@shop.example", "--key-type", "rsa-2048",
            "--csr", csr.toString()}, tokenOptions))).as(err).isZero();
        String pem = Files.readString(csr);
        assertThat(pem).startsWith("-----BEGIN CERTIFICATE REQUEST-----");
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        PublicKey publicKey = new JcaPKCS10CertificationRequest(der).getPublicKey();
        TestPki.Issued issued = pki.sender("orders@shop.example").issueFor(publicKey);
        Path certificate = TestPki.writePem(work.resolve("orders.pem"), issued.certificate(), issued.chain().get(1));

        assertThat(run(concat(new String[] {"token-certificate", "--alias", "orders", "--certificate", certificate.toString(),
            "--trust-anchors", roots.toString()}, tokenOptions))).as(err).isZero();
        assertThat(out).startsWith("pkcs11:hsm/orders: orders@shop.example").contains("put on the token");
        assertThat(run(concat(new String[] {"show", "--store", store.toString(), "--password-file", passwordFile.toString(),
            "--trust-anchors", roots.toString(), "--address", "orders@shop.example"}, tokenOptions))).isZero();
        assertThat(out.strip()).startsWith("pkcs11:hsm/orders: orders@shop.example").endsWith("ok, in use");

        assertThat(run(concat(new String[] {"token-certificate", "--alias", "orders", "--certificate", roots.toString()}, tokenOptions)))
            .isEqualTo(1);
        assertThat(err.strip()).startsWith("token-certificate: " + roots + " refused: none of the 1 certificates given is for the key 'orders'")
            .doesNotContain("\n");
    }

    private static String[] concat(String[] first, String[] second) {
        String[] all = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }

    @Test
    void everyCommandShouldAnswerHelpWithExitZero() {
        for (String command : new String[] {"sign", "check", "import", "sync", "show", "delete", "usage"}) {
            assertThat(run(command, "--help")).as(command + " --help: " + err).isZero();
            assertThat(out).as(command).startsWith("Usage: james-smime " + command);
        }
    }

    @Test
    void usageOfAStoreThatDoesNotExistShouldFailNamingIt() {
        assertThat(run("usage", "--store", work.resolve("nonexistent").toString())).isEqualTo(1);
        assertThat(err).contains("store directory " + work.resolve("nonexistent") + " does not exist");
    }

    @Test
    void checkShouldPrintSubjectsAndIssuersReadably() throws Exception {
        pki.sender("ceo@shop.example").subject("CN=CEO,E=ceo@shop.example,O=james-smime tests").issue()
            .writePkcs12(store.resolve("ceo.p12"), "pw".toCharArray());

        assertThat(run("check", "--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString()))
            .isZero();
        assertThat(out).contains("issuer=\"O=james-smime tests,CN=Test Intermediate CA\"").doesNotContain("#16");
    }

    @Test
    void aFileThatIsNoPkcs12ShouldSayWhyNotNull() throws Exception {
        Files.write(store.resolve("empty.p12"), new byte[0]);
        Files.writeString(store.resolve("text.p12"), "not a PKCS#12 file at all");

        run("check", "--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString());

        assertThat(out).contains("empty.p12: refused (unreadable): is empty (0 bytes); write the PKCS#12 file again, or remove it")
            .contains("text.p12: refused (unreadable): not a readable PKCS#12 file (").doesNotContain("(null)").doesNotContain("at all");
    }
}
