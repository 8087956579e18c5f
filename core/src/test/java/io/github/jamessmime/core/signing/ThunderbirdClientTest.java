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

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoGeneratorBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;

import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.TestPki.KeyType;
import io.github.jamessmime.testing.Verifiers;

/**
 * The real recipient's client: Debian's Thunderbird ESR under Xvfb, with a fresh profile that trusts the test root,
 * opens signed messages and tells its verdict ({@code tools/thunderbird/verdict.py}, through Marionette: the status
 * Thunderbird's S/MIME sink received, and the headline of the message security popup). The clock is the real one:
 * Thunderbird checks certificates and the Date rule against its own time.
 */
class ThunderbirdClientTest {
    static final String SENDER = "billing@shop.example";
    static final DateTimeFormatter RFC_5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
    static final Path VERDICT = Path.of("../tools/thunderbird/verdict.py").toAbsolutePath().normalize();
    /** Made by {@link #thunderbirdShouldShowEverySignedMessageAsValidlySigned}: the README's picture of what recipients see. */
    static final Path SCREENSHOT = Path.of("target/thunderbird/invoice-in-thunderbird.png").toAbsolutePath();

    /** A message as the application hands it to James, dated {@code date} (no Date field when null). */
    static byte[] invoice(byte[] raw, Instant date) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        String line = "Date: Mon, 1 Jun 2026 09:58:00 +0000\r\n";
        assertThat(text).contains(line);
        return text.replace(line, date == null ? "" : "Date: " + RFC_5322.format(date.atZone(ZoneOffset.UTC)) + "\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void thunderbirdShouldShowEverySignedMessageAsValidlySigned() throws Exception {
        Instant now = Instant.now();
        TestPki pki = TestPki.create(now);
        SigningIdentity rsa = identity(pki, KeyType.RSA_2048);
        SigningIdentity ec = identity(pki, KeyType.EC_P256);
        SmimeSigner signer = new SmimeSigner(DigestAlgorithm.SHA_256, Clock.systemUTC());

        Map<String, byte[]> valid = new LinkedHashMap<>();
        valid.put("fresh", sign(signer, invoice(TestMessages.withAttachment(SENDER), now), rsa));
        valid.put("resent-3-days-later", sign(signer, invoice(TestMessages.withAttachment(SENDER), now.minus(Duration.ofDays(3))), rsa));
        valid.put("no-date", sign(signer, invoice(TestMessages.withAttachment(SENDER), null), rsa));
        valid.put("date-2-hours-old", sign(signer, invoice(TestMessages.plain7bit(SENDER), now.minus(Duration.ofHours(2))), rsa));
        valid.put("ec-p256", sign(signer, invoice(TestMessages.alternativeWithInlineImage(SENDER), now), ec));
        valid.put("large-attachment", sign(signer, invoice(largeInvoice(), now), rsa));
        valid.put("utf8-nested", sign(signer, invoice(TestMessages.nestedMultipart(SENDER), now.minus(Duration.ofMinutes(20))), rsa));
        // the control: what the signer wrote before MessageDate, a signing time and a Date three days older (a resend)
        byte[] fresh = sign(signer, invoice(TestMessages.plain7bit(SENDER), now), rsa);
        byte[] oldDateWithSigningTime = new String(fresh, StandardCharsets.ISO_8859_1)
            .replace("Date: " + RFC_5322.format(now.atZone(ZoneOffset.UTC)),
                "Date: " + RFC_5322.format(now.minus(Duration.ofDays(3)).atZone(ZoneOffset.UTC)))
            .getBytes(StandardCharsets.ISO_8859_1);

        // why CertificateRules refuses id-RSASSA-PSS keys: openssl and BouncyCastle verify their signatures, Thunderbird does not
        byte[] pssSigned = signedByBouncyCastle(pki.sender(SENDER).keyType(KeyType.RSA_PSS_2048).issue(), "SHA256withRSAandMGF1", now);

        Path dir = Files.createTempDirectory("thunderbird-client");
        try {
            Path root = TestPki.writePem(dir.resolve("root.pem"), pki.root());
            List<String> command = new ArrayList<>(List.of("/usr/bin/python3", VERDICT.toString(), "--root", root.toString(),
                "--screenshot", "fresh.eml=" + SCREENSHOT));
            for (Map.Entry<String, byte[]> message : valid.entrySet()) {
                command.add(Files.write(dir.resolve(message.getKey() + ".eml"), message.getValue()).toString());
            }
            command.add(Files.write(dir.resolve("control-old-date-with-signing-time.eml"), oldDateWithSigningTime).toString());
            command.add(Files.write(dir.resolve("rsassa-pss-key.eml"), pssSigned).toString());
            Files.createDirectories(SCREENSHOT.getParent());
            Map<String, String[]> verdicts = thunderbird(command, dir);

            for (String name : valid.keySet()) {
                assertThat(verdicts).as("Thunderbird's verdicts").containsKey(name + ".eml");
                String[] verdict = verdicts.get(name + ".eml");
                assertThat(verdict[0]).as("%s: Thunderbird says %s", name, String.join(" / ", verdict)).isEqualTo("0");
                assertThat(verdict[1]).as(name).isEqualTo("Message Is Signed");
            }
            String[] control = verdicts.get("control-old-date-with-signing-time.eml");
            assertThat(control).as("the control's verdict").isNotNull();
            assertThat(control[0]).as("the control: %s", String.join(" / ", control)).isEqualTo("1041");
            assertThat(control[1]).isEqualTo("Digital Signature Is Not Valid");
            String[] pss = verdicts.get("rsassa-pss-key.eml");
            assertThat(pss).as("the RSASSA-PSS key's verdict").isNotNull();
            assertThat(pss[1]).as("RSASSA-PSS key: %s", String.join(" / ", pss)).isEqualTo("Digital Signature Is Not Valid");
            assertThat(Verifiers.openssl(pssSigned, pki.root(), now).exitCode).as("openssl verifies the RSASSA-PSS key's signature").isZero();
            assertThat(SCREENSHOT).isRegularFile();
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static SigningIdentity identity(TestPki pki, KeyType keyType) throws Exception {
        TestPki.Issued issued = pki.sender(SENDER).keyType(keyType).issue();
        return pki.rules().validate(Path.of("test.p12"), issued.privateKey(), issued.chain(), pki.now());
    }

    private static byte[] sign(SmimeSigner signer, byte[] raw, SigningIdentity identity) throws Exception {
        return Verifiers.serialize(signer.sign(Verifiers.parse(raw), identity));
    }

    /** A multipart/signed made by BouncyCastle's generator alone, with {@code algorithm}: for keys the store refuses. */
    private static byte[] signedByBouncyCastle(TestPki.Issued issued, String algorithm, Instant now) throws Exception {
        String content = "Content-Type: text/plain; charset=us-ascii\r\n\r\nDear customer,\r\nyour invoice is attached.\r\n";
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new JcaSimpleSignerInfoGeneratorBuilder().setProvider(new BouncyCastleProvider())
            .build(algorithm, issued.privateKey(), issued.certificate()));
        generator.addCertificates(new JcaCertStore(issued.chain()));
        byte[] cms = generator.generate(new CMSProcessableByteArray(content.getBytes(StandardCharsets.US_ASCII)), false).getEncoded();
        return ("From: Shop Billing <" + SENDER + ">\r\nTo: customer@client.example\r\nSubject: Invoice 4713\r\n"
            + "Date: " + RFC_5322.format(now.atZone(ZoneOffset.UTC)) + "\r\nMessage-ID: <pss.4713@shop.example>\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"signed-1\"\r\n\r\n"
            + "--signed-1\r\n" + content + "\r\n--signed-1\r\n"
            + "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Base64.getMimeEncoder().encodeToString(cms) + "\r\n--signed-1--\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** An invoice with a 4 MB attachment. */
    private static byte[] largeInvoice() {
        return TestMessages.concat(TestMessages.headers(SENDER, "Invoice 4712 with scans").getBytes(StandardCharsets.US_ASCII),
            ("Content-Type: multipart/mixed; boundary=\"inv\"\r\n\r\n--inv\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
                + "Dear customer,\r\n\r\nthe scans of your delivery notes are attached.\r\n\r\n--inv\r\n"
                + "Content-Type: application/pdf; name=\"scans.pdf\"\r\nContent-Disposition: attachment; filename=\"scans.pdf\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
            TestMessages.base64Lines(TestMessages.randomBytes(4 * 1024 * 1024, 4712)).getBytes(StandardCharsets.US_ASCII),
            "\r\n--inv--\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    /** Runs the harness; each line of its output as file name → {status, headline}. */
    private static Map<String, String[]> thunderbird(List<String> command, Path dir) throws Exception {
        Path out = dir.resolve("verdicts.txt");
        Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        // verdict.py keeps a total deadline of its own (300 s); this one only guards against a harness that hangs
        boolean finished = process.waitFor(10, TimeUnit.MINUTES);
        if (!finished) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(finished).as("verdict.py finished: %s", output).isTrue();
        assertThat(process.exitValue()).as("verdict.py (bin/test installs thunderbird, xvfb and libnss3-tools): %s", output).isZero();
        Map<String, String[]> verdicts = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            String[] fields = line.split("\t", -1);
            if (fields.length >= 3) {
                verdicts.put(Path.of(fields[0]).getFileName().toString(), new String[] {fields[1].trim(), fields[2].trim()});
            }
        }
        System.out.println("Thunderbird's verdicts:\n" + output.trim());
        return verdicts;
    }
}
