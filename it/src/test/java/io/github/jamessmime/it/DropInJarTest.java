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

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

/**
 * The drop-in jar as an operator runs it ({@code java -jar}): its relocated BouncyCastle signs every message shape
 * for RSA and EC senders, and openssl verifies each result against the test root with the content intact.
 */
class DropInJarTest {
    private static final String RSA_SENDER = "billing@shop.example";
    private static final String EC_SENDER = "parcels@shop.example";

    private static Path run;
    private static ItStore itStore;
    private static Path store;
    private static Path passwordFile;
    private static TestPki pki;
    private static Path roots;

    @BeforeAll
    static void createStore() throws Exception {
        run = ItEnvironment.newRunDirectory(DropInJarTest.class.getSimpleName());
        itStore = ItStore.create(run);
        pki = itStore.pki();
        store = itStore.directory();
        roots = itStore.rootPem();
        passwordFile = itStore.passwordFile();
        itStore.add("billing.p12", pki.sender(RSA_SENDER));
        itStore.add("parcels.p12", pki.sender(EC_SENDER).keyType(TestPki.KeyType.EC_P256));
    }

    static Stream<Arguments> shapesAndSenders() {
        return Stream.of(RSA_SENDER, EC_SENDER).flatMap(sender -> TestMessages.all(sender).entrySet().stream()
            .map(shape -> Arguments.of(sender, shape.getKey(), shape.getValue())));
    }

    @Test
    void jarShouldHoldBouncyCastleOnlyUnderTheRelocatedPackage() throws Exception {
        try (JarFile jar = new JarFile(ItEnvironment.extensionJar().toFile())) {
            List<String> names = jar.stream().map(JarEntry::getName).collect(Collectors.toList());

            assertThat(names).noneMatch(name -> name.contains("org/bouncycastle/"));
            assertThat(names).contains("io/github/jamessmime/shaded/bouncycastle/cms/CMSSignedDataStreamGenerator.class",
                "io/github/jamessmime/mailet/SignBySenderMailet.class",
                "io/github/jamessmime/matcher/HasSenderCertificate.class",
                "io/github/jamessmime/cli/Main.class");
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("shapesAndSenders")
    void cliShouldSignEveryShapeSoThatOpensslVerifiesIt(String sender, String shape, byte[] raw) throws Exception {
        Path in = Files.write(run.resolve("in-" + Math.abs((sender + shape).hashCode()) + ".eml"), raw);
        Path out = run.resolve("signed-" + Math.abs((sender + shape).hashCode()) + ".eml");

        DropInJar.Run sign = DropInJar.run("sign", "--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString(),
            "--in", in.toString(), "--out", out.toString());

        assertThat(sign.exitCode).as(sign.output).isZero();
        Verifiers.OpensslResult openssl = Verifiers.openssl(Files.readAllBytes(out), pki.root(), Instant.now());
        assertThat(openssl.ok()).as(openssl.toString()).isTrue();
        assertThat(Verifiers.leaves(Verifiers.parse(openssl.content))).isEqualTo(Verifiers.leaves(Verifiers.parse(raw)));
    }

    @Test
    void cliShouldExitNonZeroWithReasonWhenSenderHasNoCertificate() throws Exception {
        Path in = Files.write(run.resolve("orders.eml"), TestMessages.plain7bit("orders@shop.example"));

        DropInJar.Run sign = DropInJar.run("sign", "--store", store.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString(),
            "--in", in.toString(), "--out", run.resolve("orders-signed.eml").toString());

        assertThat(sign.exitCode).isNotZero();
        assertThat(sign.output.strip()).isEqualTo("sign: no usable certificate for orders@shop.example in " + store
            + " (run the check command to see why)");
    }

    @Test
    void checkShouldListEveryFileAndFailOnARefusedOne() throws Exception {
        Path checkStore = Files.createDirectories(run.resolve("check-store"));
        itStore.write(checkStore.resolve("billing.p12"), pki.sender(RSA_SENDER).issue());
        itStore.write(checkStore.resolve("wildcard.p12"), pki.sender("*@shop.example").issue());
        itStore.write(checkStore.resolve("old.p12"),
            pki.sender("old@shop.example").validity(Instant.now().minus(Duration.ofDays(60)), Instant.now().minus(Duration.ofDays(2))).issue());

        DropInJar.Run check = DropInJar.run("check", "--store", checkStore.toString(), "--password-file", passwordFile.toString(), "--trust-anchors", roots.toString());

        assertThat(check.exitCode).isEqualTo(1);
        List<String> lines = check.output.lines().filter(line -> line.contains(".p12:")).collect(Collectors.toList());
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("billing.p12: billing@shop.example").endsWith(" ok");
        assertThat(lines.get(1)).startsWith("old.p12: old@shop.example refused (expired): certificate for [old@shop.example] expired on");
        assertThat(lines.get(2)).startsWith("wildcard.p12: refused (rule:wildcard): wildcard or domain-only address '*@shop.example'");
    }
}
