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

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoGeneratorBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;

import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.ThunderbirdClient;
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
    /** nsICMSMessageErrors: the From address is not among the certificate's, and the certificate names no address. */
    static final int VERIFY_HEADER_MISMATCH = 1038;
    static final int VERIFY_CERT_WITHOUT_ADDRESS = 1040;
    static final DateTimeFormatter RFC_5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
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
        // RFC 9788 header protection: the fields copied into the signed part change nothing of the verdict
        valid.put("header-protection", Verifiers.serialize(signer.sign(Verifiers.parse(invoice(TestMessages.withAttachment(SENDER), now)),
            rsa, Set.of(), true)));
        valid.put("header-protection-plain", Verifiers.serialize(signer.sign(Verifiers.parse(invoice(TestMessages.plain7bit(SENDER), now)),
            ec, Set.of(), true)));
        // the control: what the signer wrote before MessageDate, a signing time and a Date three days older (a resend)
        byte[] fresh = sign(signer, invoice(TestMessages.plain7bit(SENDER), now), rsa);
        byte[] oldDateWithSigningTime = new String(fresh, StandardCharsets.ISO_8859_1)
            .replace("Date: " + RFC_5322.format(now.atZone(ZoneOffset.UTC)),
                "Date: " + RFC_5322.format(now.minus(Duration.ofDays(3)).atZone(ZoneOffset.UTC)))
            .getBytes(StandardCharsets.ISO_8859_1);

        // why CertificateRules refuses id-RSASSA-PSS keys: openssl and BouncyCastle verify their signatures, Thunderbird does not
        byte[] pssSigned = signedByBouncyCastle(pki.sender(SENDER).keyType(KeyType.RSA_PSS_2048).issue(), "SHA256withRSAandMGF1", now);

        Map<String, byte[]> messages = new LinkedHashMap<>(valid);
        messages.put("control-old-date-with-signing-time", oldDateWithSigningTime);
        messages.put("rsassa-pss-key", pssSigned);

        Map<String, ThunderbirdClient.Verdict> verdicts = ThunderbirdClient.verdicts(messages, pki.root(),
            Optional.of(Map.entry("fresh", SCREENSHOT)));

        for (String name : valid.keySet()) {
            assertThat(verdicts).as("Thunderbird's verdicts").containsKey(name);
            assertThat(verdicts.get(name).validlySigned()).as("%s: Thunderbird says %s", name, verdicts.get(name)).isTrue();
        }
        assertThat(verdicts.get("control-old-date-with-signing-time")).as("the control").isNotNull()
            .satisfies(verdict -> assertThat(verdict.status).isEqualTo(1041))
            .satisfies(verdict -> assertThat(verdict.headline).isEqualTo(ThunderbirdClient.NOT_VALID));
        assertThat(verdicts.get("rsassa-pss-key")).as("the RSASSA-PSS key").isNotNull()
            .satisfies(verdict -> assertThat(verdict.headline).isEqualTo(ThunderbirdClient.NOT_VALID));
        assertThat(Verifiers.openssl(pssSigned, pki.root(), now).exitCode).as("openssl verifies the RSASSA-PSS key's signature").isZero();
        assertThat(SCREENSHOT).isRegularFile();
    }

    @Test
    void thunderbirdShouldMatchAnALabelFromButNeitherAULabelFromNorAnSmtpUtf8Mailbox() throws Exception {
        Instant now = Instant.now();
        TestPki pki = TestPki.create(now);
        SmimeSigner signer = new SmimeSigner(DigestAlgorithm.SHA_256, Clock.systemUTC());
        TestPki.Issued aLabel = pki.sender("billing@xn--mller-kva.example").issue();
        SigningIdentity idn = pki.rules().validate(Path.of("idn.p12"), aLabel.privateKey(), aLabel.chain(), now);
        TestPki.Issued utf8 = pki.sender("ignored").sanEmails(TestPki.SMTP_UTF8_MAILBOX + "jörg@shop.example").issue();
        SigningIdentity mailbox = pki.rules().validate(Path.of("utf8.p12"), utf8.privateKey(), utf8.chain(), now);

        Map<String, byte[]> messages = new LinkedHashMap<>();
        messages.put("a-label-from", sign(signer, internationalised("billing@xn--mller-kva.example", now), idn));
        messages.put("u-label-from", sign(signer, internationalised("billing@müller.example", now), idn));
        messages.put("utf8-local-part", sign(signer, internationalised("jörg@shop.example", now), mailbox));

        Map<String, ThunderbirdClient.Verdict> verdicts = ThunderbirdClient.verdicts(messages, pki.root(), Optional.empty());

        assertThat(verdicts.get("a-label-from")).as("the A-label From").isNotNull()
            .satisfies(verdict -> assertThat(verdict.validlySigned()).as(verdict.toString()).isTrue());
        // Thunderbird compares the From as written with the certificate's rfc822Names: no U-label to A-label conversion
        assertThat(verdicts.get("u-label-from")).as("the U-label From").isNotNull()
            .satisfies(verdict -> assertThat(verdict.status).as(verdict.toString()).isEqualTo(VERIFY_HEADER_MISMATCH));
        // nor does it read an SmtpUTF8Mailbox: the certificate names no address it knows
        assertThat(verdicts.get("utf8-local-part")).as("the non-ASCII local part").isNotNull()
            .satisfies(verdict -> assertThat(verdict.status).as(verdict.toString()).isEqualTo(VERIFY_CERT_WITHOUT_ADDRESS));
    }

    /** An invoice from {@code from}, its From header in UTF-8 (RFC 6532) as an SMTPUTF8 mail has it. */
    static byte[] internationalised(String from, Instant date) {
        return ("From: Buchhaltung <" + from + ">\r\nTo: kunde@client.example\r\nSubject: Rechnung 4711\r\n"
            + "Date: " + RFC_5322.format(date.atZone(ZoneOffset.UTC)) + "\r\nMessage-ID: <4711@shop.example>\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nIhre Rechnung über 42,00 EUR.\r\n")
            .getBytes(StandardCharsets.UTF_8);
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
}
