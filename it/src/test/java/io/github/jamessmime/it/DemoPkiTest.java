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
package io.github.jamessmime.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** bin/demo-pki as an operator meets it: its usage, what it keeps, what it refuses, and the certificates it issues. */
class DemoPkiTest {
    private static final Path ROOT = ItEnvironment.confDirectory().getParent();
    private static Path template;

    @Test
    void demoPkiShouldPrintItsUsageAndExitZeroWhenAskedForHelp() throws Exception {
        for (String help : List.of("--help", "-h")) {
            Run run = demoPki(help);
            assertThat(run.exitCode).as(run.output).isZero();
            assertThat(run.output).startsWith("usage: bin/demo-pki DIR").contains("bin/demo-pki issue [OPTIONS] DIR ADDRESS [rsa|ec]")
                .contains("--days N", "--expired", "--out FILE.p12", "--password-file FILE", "--replace")
                .doesNotContain("unbound variable");
        }
    }

    @Test
    void demoPkiShouldExitTwoWithItsUsageWithoutArgumentsOrWithAnUnknownOption() throws Exception {
        for (List<String> arguments : List.of(List.<String>of(), List.of("--bogus"), List.of("issue", "--bogus", "dir", "a@shop.example"))) {
            Run run = demoPki(arguments.toArray(String[]::new));
            assertThat(run.exitCode).as(run.output).isEqualTo(2);
            assertThat(run.output).as("%s", arguments).startsWith("demo-pki: ").contains("usage: bin/demo-pki DIR")
                .doesNotContain("unbound variable").doesNotContain("mkdir:");
        }
    }

    @Test
    void demoPkiShouldIssueOnlyAMissingDemoSenderFileUnderTheExistingCaAndStorePassword() throws Exception {
        Path pki = newPki();
        byte[] root = Files.readAllBytes(pki.resolve("root.pem"));
        byte[] password = Files.readAllBytes(pki.resolve("store.password"));
        byte[] parcels = Files.readAllBytes(pki.resolve("store/parcels@shop.example.p12"));
        byte[] dkim = Files.readAllBytes(pki.resolve("dkim-private.pem"));
        Files.delete(pki.resolve("store/billing@shop.example.p12"));

        Run run = demoPki(pki.toString());

        assertThat(run.exitCode).as(run.output).isZero();
        assertThat(run.output).contains("issued a new").contains("billing@shop.example.p12 under the existing demo CA");
        assertThat(Files.readAllBytes(pki.resolve("root.pem"))).isEqualTo(root);
        assertThat(Files.readAllBytes(pki.resolve("store.password"))).isEqualTo(password);
        assertThat(Files.readAllBytes(pki.resolve("store/parcels@shop.example.p12"))).isEqualTo(parcels);
        assertThat(Files.readAllBytes(pki.resolve("dkim-private.pem"))).isEqualTo(dkim);
        Run check = check(pki);
        assertThat(check.exitCode).as(check.output).isZero();
        assertThat(check.output).contains("billing@shop.example.p12: billing@shop.example", "parcels@shop.example.p12: parcels@shop.example");
    }

    @Test
    void demoPkiShouldRefuseADirectoryWithPartOfACaRatherThanMakeANewRoot() throws Exception {
        Path pki = newPki();
        byte[] root = Files.readAllBytes(pki.resolve("root.pem"));
        Files.delete(pki.resolve("work/intermediate.key"));
        Files.delete(pki.resolve("store/billing@shop.example.p12"));

        Run run = demoPki(pki.toString());

        assertThat(run.exitCode).as(run.output).isEqualTo(1);
        assertThat(run.output).contains("holds part of a demo PKI").contains("missing work/intermediate.key");
        assertThat(Files.readAllBytes(pki.resolve("root.pem"))).isEqualTo(root);
        assertThat(pki.resolve("store/billing@shop.example.p12")).doesNotExist();
    }

    @Test
    void demoPkiShouldRefuseToReplaceAnExistingKey() throws Exception {
        Path pki = newPki();
        Path store = pki.resolve("store/orders@shop.example.p12");
        assertThat(demoPki("issue", pki.toString(), "orders@shop.example").exitCode).isZero();
        byte[] first = Files.readAllBytes(store);

        Run again = demoPki("issue", pki.toString(), "orders@shop.example");
        assertThat(again.exitCode).isEqualTo(1);
        assertThat(again.output.strip()).doesNotContain("\n").contains("orders@shop.example.p12 exists").contains("--replace");
        assertThat(Files.readAllBytes(store)).isEqualTo(first);
        Run billing = demoPki("issue", pki.toString(), "billing@shop.example");
        assertThat(billing.exitCode).as(billing.output).isEqualTo(1);

        Run replaced = demoPki("issue", "--replace", pki.toString(), "orders@shop.example", "ec");
        assertThat(replaced.exitCode).as(replaced.output).isZero();
        assertThat(Files.readAllBytes(store)).isNotEqualTo(first);
        assertThat(certificate(store, pki.resolve("store.password")).getPublicKey().getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void demoPkiShouldIssueForTheDaysAskedAndAnExpiredCertificateThatJamesCallsExpired() throws Exception {
        Path pki = newPki();
        assertThat(demoPki("issue", "--days", "10", pki.toString(), "short@shop.example").exitCode).isZero();
        Run expired = demoPki("issue", "--expired", pki.toString(), "old@shop.example");
        assertThat(expired.exitCode).as(expired.output).isZero();

        X509Certificate shortLived = certificate(pki.resolve("store/short@shop.example.p12"), pki.resolve("store.password"));
        assertThat(Duration.between(shortLived.getNotBefore().toInstant(), shortLived.getNotAfter().toInstant())).isEqualTo(Duration.ofDays(10));
        X509Certificate old = certificate(pki.resolve("store/old@shop.example.p12"), pki.resolve("store.password"));
        assertThat(old.getNotAfter().toInstant()).isBefore(Instant.now());
        Run check = check(pki);
        assertThat(check.exitCode).isEqualTo(1);
        assertThat(check.output).contains("short@shop.example.p12: short@shop.example").contains("old@shop.example.p12: old@shop.example refused (expired): certificate for [old@shop.example] expired on");
    }

    @Test
    void demoPkiShouldWriteAPkcs12OutsideTheStoreUnderAPasswordFromAFile() throws Exception {
        Path pki = newPki();
        Path out = pki.getParent().resolve("orders.p12");
        Path passwordFile = pki.getParent().resolve("orders.p12.password");

        Run run = demoPki("issue", "--out", out.toString(), "--password-file", passwordFile.toString(), pki.toString(), "orders@shop.example");

        assertThat(run.exitCode).as(run.output).isZero();
        assertThat(pki.resolve("store/orders@shop.example.p12")).doesNotExist();
        String password = Files.readAllLines(passwordFile, StandardCharsets.US_ASCII).get(0);
        assertThat(password).hasSizeGreaterThanOrEqualTo(20).isNotEqualTo(Files.readAllLines(pki.resolve("store.password")).get(0));
        assertThat(certificate(out, passwordFile).getSubjectX500Principal().getName()).contains("CN=orders@shop.example");
        assertThat(Files.readString(ROOT.resolve("bin/demo-pki"))).doesNotContain("pass:");

        Run withoutPassword = demoPki("issue", "--out", out.toString(), pki.toString(), "other@shop.example");
        assertThat(withoutPassword.exitCode).isEqualTo(2);
        assertThat(withoutPassword.output).startsWith("demo-pki: --out needs --password-file");
    }

    /** A copy of one demo PKI made for this class (its RSA 3072 CA keys take seconds to make). */
    private static synchronized Path newPki() throws Exception {
        if (template == null) {
            Path pki = ItEnvironment.newRunDirectory(DemoPkiTest.class.getSimpleName() + "-template").resolve("pki");
            Run run = demoPki(pki.toString());
            assertThat(run.exitCode).as(run.output).isZero();
            template = pki;
        }
        Path copy = ItEnvironment.newRunDirectory(DemoPkiTest.class.getSimpleName()).resolve("pki");
        Run run = run(List.of("cp", "-a", template.toString(), copy.toString()));
        assertThat(run.exitCode).as(run.output).isZero();
        return copy;
    }

    private static X509Certificate certificate(Path p12, Path passwordFile) throws Exception {
        char[] password = Files.readAllLines(passwordFile, StandardCharsets.US_ASCII).get(0).toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            store.load(in, password);
        }
        for (String alias : Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias)) {
                return (X509Certificate) store.getCertificate(alias);
            }
        }
        throw new AssertionError("no key entry in " + p12);
    }

    /** The drop-in jar's check: the store judged by the same rules as James. */
    private static Run check(Path pki) throws Exception {
        return run(List.of("java", "-jar", ItEnvironment.extensionJar().toString(), "check", "--store", pki.resolve("store").toString(),
            "--password-file", pki.resolve("store.password").toString(), "--trust-anchors", pki.resolve("root.pem").toString(), "--no-fetch-crls"));
    }

    private static Run demoPki(String... arguments) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ROOT.resolve("bin/demo-pki").toString());
        command.addAll(List.of(arguments));
        return run(command);
    }

    private static Run run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("%s did not end", command).isTrue();
        return new Run(process.exitValue(), output);
    }

    private static final class Run {
        final int exitCode;
        final String output;

        Run(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }
    }
}
