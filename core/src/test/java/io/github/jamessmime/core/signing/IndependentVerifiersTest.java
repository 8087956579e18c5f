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
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoGeneratorBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

/**
 * The harness, not the signer: {@link Verifiers#independentVerify} runs openssl (hashes the first part as sent) and
 * BouncyCastle's bcmail SMIMESigned (hashes the part as it rebuilds it from javax.mail's parse) on a batch, and reports
 * each verdict with the content each verifier saw.
 */
class IndependentVerifiersTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final String SENDER = "billing@shop.example";
    static final String HEADERS = "From: Shop Billing <" + SENDER + ">\r\nTo: customer@client.example\r\n"
        + "Subject: Order\r\nDate: Mon, 30 Nov 2026 06:00:00 +0000\r\nMessage-ID: <verify.1@shop.example>\r\nMIME-Version: 1.0\r\n";

    static TestPki pki;
    static TestPki.Issued issued;
    static SigningIdentity identity;

    @BeforeAll
    static void setUp() throws Exception {
        pki = TestPki.create(NOW);
        issued = pki.sender(SENDER).issue();
        identity = pki.rules().validate(Path.of("test.p12"), issued.privateKey(), issued.chain(), pki.now());
    }

    static byte[] sign(byte[] raw) throws Exception {
        return Verifiers.serialize(new SmimeSigner(DigestAlgorithm.SHA_256, Clock.fixed(NOW, ZoneOffset.UTC))
            .sign(Verifiers.parse(raw), identity));
    }

    static Map<String, byte[]> signedTestMessages() throws Exception {
        Map<String, byte[]> signed = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> message : TestMessages.all(SENDER).entrySet()) {
            signed.put(message.getKey(), sign(message.getValue()));
        }
        return signed;
    }

    /** A multipart/signed whose signature covers {@code content} exactly as given: no signer normalises it. */
    static byte[] signedByHand(String content) throws Exception {
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new JcaSimpleSignerInfoGeneratorBuilder()
            .build("SHA256withRSA", issued.privateKey(), issued.certificate()));
        generator.addCertificates(new JcaCertStore(issued.chain()));
        byte[] cms = generator.generate(new CMSProcessableByteArray(content.getBytes(StandardCharsets.ISO_8859_1)), false).getEncoded();
        // BouncyCastle's generator stamps the signing time of the real clock: the Date says the same, as a client expects
        String headers = HEADERS.replace("Date: Mon, 30 Nov 2026 06:00:00 +0000",
            "Date: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)));
        return (headers + "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; "
            + "boundary=\"signed-1\"\r\n\r\n--signed-1\r\n" + content + "\r\n--signed-1\r\n"
            + "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Base64.getMimeEncoder().encodeToString(cms) + "\r\n--signed-1--\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** {@code signed} with the first {@code from} after the first delimiter replaced by {@code to} (same length). */
    static byte[] tampered(byte[] signed, String from, String to) {
        assertThat(to).hasSameSizeAs(from);
        String text = new String(signed, StandardCharsets.ISO_8859_1);
        int at = text.indexOf(from, text.indexOf("\r\n--"));
        assertThat(at).as("'" + from + "' in the signed content").isPositive();
        return (text.substring(0, at) + to + text.substring(at + from.length())).getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void bothVerifiersShouldAcceptASignedMessage() throws Exception {
        Map<String, byte[]> signed = signedTestMessages();

        Map<String, Verifiers.Verdict> verdicts = Verifiers.independentVerify(signed, pki.root(), NOW);

        assertThat(verdicts).containsOnlyKeys(signed.keySet());
        for (Map.Entry<String, Verifiers.Verdict> entry : verdicts.entrySet()) {
            String name = entry.getKey();
            Verifiers.Verdict verdict = entry.getValue();
            assertThat(verdict.allOk()).as(name + ": " + verdict).isTrue();
            assertThat(verdict.opensslError).as(name).isEqualTo("CMS Verification successful"); // openssl's stderr
            assertThat(verdict.bcError).as(name).isEmpty();
            byte[] rawFirstPart = Verifiers.rawPart(signed.get(name), Verifiers.parse(signed.get(name)));
            assertThat(verdict.opensslContent).as(name).isEqualTo(rawFirstPart);
            assertThat(Verifiers.leaves(Verifiers.parse(verdict.bcContent))).as(name)
                .isEqualTo(Verifiers.leaves(Verifiers.parse(verdict.opensslContent)));
        }
    }

    @Test
    void bothVerifiersShouldRejectATamperedBody() throws Exception {
        Map<String, byte[]> tampered = new LinkedHashMap<>();
        tampered.put("plain text", tampered(sign(TestMessages.plain7bit(SENDER)), "please find", "pleasE find"));
        tampered.put("first leaf of a multipart", tampered(sign(TestMessages.withAttachment(SENDER)), "is attached", "is attacheD"));
        tampered.put("nested html leaf", tampered(sign(TestMessages.nestedMultipart(SENDER)), "<p>Order</p>", "<p>Ordex</p>"));
        tampered.put("part header", tampered(sign(TestMessages.plain7bit(SENDER)), "charset=us-ascii", "charset=us-asciI"));

        Map<String, Verifiers.Verdict> verdicts = Verifiers.independentVerify(tampered, pki.root(), NOW);

        assertThat(verdicts).containsOnlyKeys(tampered.keySet());
        verdicts.forEach((name, verdict) -> {
            assertThat(verdict.opensslOk).as(name + ": " + verdict).isFalse();
            assertThat(verdict.bcOk).as(name + ": " + verdict).isFalse();
            assertThat(verdict.bcError).as(name).startsWith("org.bouncycastle.cms.CMSSignerDigestMismatchException");
            assertThat(verdict.bcContent).as(name).isEmpty();
        });
    }

    @Test
    void onlyOpensslShouldCheckTheCertificateChainAndItsValidity() throws Exception {
        byte[] signed = sign(TestMessages.plain7bit(SENDER));

        // bcmail checks the signature with the certificate the message carries, and nothing about that certificate
        Verifiers.Verdict untrusted = Verifiers.independentVerify(signed, pki.intermediate(), NOW);
        assertThat(untrusted.opensslOk).as(untrusted.toString()).isFalse();
        assertThat(untrusted.opensslError).contains("unable to get issuer certificate");
        assertThat(untrusted.bcOk).as(untrusted.toString()).isTrue();

        Verifiers.Verdict expired = Verifiers.independentVerify(signed, pki.root(), NOW.plus(Duration.ofDays(5 * 365)));
        assertThat(expired.opensslOk).as(expired.toString()).isFalse();
        assertThat(expired.opensslError).contains("certificate has expired");
        assertThat(expired.bcOk).as(expired.toString()).isTrue();
    }

    @Test
    void bouncyCastleShouldHashTheRebuiltPartWhereOpensslHashesTheBytesSent() throws Exception {
        // signed over bytes no signer should send: white space after a delimiter inside a nested multipart; the
        // signature holds over the bytes as sent, but SMIMESigned rewrites each delimiter line without it
        String content = "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
            + "--outer\r\nContent-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n"
            + "--inner \r\nContent-Type: text/plain\r\n\r\nplain\r\n"
            + "--inner\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--inner--\r\n"
            + "--outer--\r\n";

        Verifiers.Verdict verdict = Verifiers.independentVerify(signedByHand(content), pki.root(), NOW);

        assertThat(verdict.opensslOk).as(verdict.toString()).isTrue();
        assertThat(verdict.opensslContent).isEqualTo(content.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(verdict.bcOk).as(verdict.toString()).isFalse();
        assertThat(verdict.bcError).startsWith("org.bouncycastle.cms.CMSSignerDigestMismatchException");

        // the same content without the white space: both agree, so the disagreement above is the rebuilt delimiter
        Verifiers.Verdict clean = Verifiers.independentVerify(signedByHand(content.replace("--inner \r\n", "--inner\r\n")),
            pki.root(), NOW);
        assertThat(clean.allOk()).as(clean.toString()).isTrue();

        // what the signer makes of that shape is recorded, not asserted (the signer's business, not the harness's)
        byte[] raw = (HEADERS + content).getBytes(StandardCharsets.ISO_8859_1);
        String observed;
        try {
            observed = Verifiers.independentVerify(sign(raw), pki.root(), NOW).toString();
        } catch (SigningException e) {
            observed = "refused: " + e.getMessage();
        }
        System.out.println("signer on white space after a nested delimiter: " + observed);
    }

    @Test
    void aBatchShouldReportEveryMessageEvenWhenSomeAreNotSignedMail() throws Exception {
        Map<String, byte[]> batch = new LinkedHashMap<>();
        batch.put("garbage", new byte[] {0, 1, 2, (byte) 0xFF, '\n'});
        batch.put("not multipart", (HEADERS + "Content-Type: text/plain\r\n\r\nHello\r\n").getBytes(StandardCharsets.US_ASCII));
        batch.put("../odd name/ü*?", sign(TestMessages.plain7bit(SENDER)));
        batch.put("..-odd name-ü__", sign(TestMessages.fromLines(SENDER)));
        batch.put("empty", new byte[0]);

        Map<String, Verifiers.Verdict> verdicts = Verifiers.independentVerify(batch, pki.root(), NOW);

        assertThat(verdicts).containsOnlyKeys(batch.keySet());
        assertThat(verdicts.get("../odd name/ü*?").allOk()).as(verdicts.get("../odd name/ü*?").toString()).isTrue();
        assertThat(verdicts.get("..-odd name-ü__").allOk()).as(verdicts.get("..-odd name-ü__").toString()).isTrue();
        for (String broken : new String[] {"garbage", "not multipart", "empty"}) {
            Verifiers.Verdict verdict = verdicts.get(broken);
            assertThat(verdict.opensslOk).as(broken + ": " + verdict).isFalse();
            assertThat(verdict.bcOk).as(broken + ": " + verdict).isFalse();
            assertThat(verdict.bcError).as(broken).isNotBlank().doesNotContain("\n", "\r");
            assertThat(verdict.toString()).as(broken).doesNotContain("\n", "\r");
        }
    }

    @Test
    void aBatchOfAHundredMessagesShouldBeVerifiedInOneGo() throws Exception {
        Map<String, byte[]> shapes = signedTestMessages();
        Map<String, byte[]> batch = new LinkedHashMap<>();
        for (int i = 0; batch.size() < 100; i++) {
            for (Map.Entry<String, byte[]> shape : shapes.entrySet()) {
                if (batch.size() < 100) {
                    batch.put(i + " " + shape.getKey(), shape.getValue());
                }
            }
        }

        long started = System.nanoTime();
        Map<String, Verifiers.Verdict> verdicts = Verifiers.independentVerify(batch, pki.root(), NOW);
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.println("independentVerify of " + batch.size() + " messages: " + millis + " ms");

        assertThat(verdicts).hasSize(100).containsOnlyKeys(batch.keySet());
        verdicts.forEach((name, verdict) -> assertThat(verdict.allOk()).as(name + ": " + verdict).isTrue());
    }
}
