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

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import javax.mail.Multipart;
import javax.mail.internet.MimeBodyPart;
import javax.mail.internet.MimeMessage;

import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoGeneratorBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.core.store.TestIdentities;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

/**
 * The shapes of real-world mail that verifiers used to read differently: each is signed so that openssl and
 * BouncyCastle's re-serialising verifier both accept it with the content intact, or refused with one line.
 */
class CanonicalShapesTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final String SENDER = "billing@shop.example";
    static final String HEADERS = "From: Shop Billing <" + SENDER + ">\r\nTo: customer@client.example\r\n"
        + "Subject: Order\r\nDate: Mon, 30 Nov 2026 06:00:00 +0000\r\nMessage-ID: <shape.1@shop.example>\r\nMIME-Version: 1.0\r\n";

    static TestPki pki;
    static SigningIdentity identity;

    @BeforeAll
    static void setUp() throws Exception {
        pki = TestPki.create(NOW);
        identity = SignedChecks.identity(pki);
    }

    static byte[] mixed(String boundary, String body) {
        return (HEADERS + "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n" + body)
            .getBytes(StandardCharsets.ISO_8859_1);
    }

    static Map<String, byte[]> realWorldShapes() {
        Map<String, byte[]> shapes = new LinkedHashMap<>();
        shapes.put("empty part", mixed("b1", "--b1\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nHello\r\n--b1--\r\n"));
        shapes.put("consecutive delimiters", mixed("b1", "--b1\r\n--b1\r\nContent-Type: text/plain\r\n\r\nHello\r\n--b1--\r\n"));
        shapes.put("missing inner close delimiter", mixed("o", "--o\r\nContent-Type: multipart/alternative; boundary=\"i\"\r\n\r\n"
            + "--i\r\nContent-Type: text/plain\r\n\r\nplain\r\n--i\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n"
            + "--o\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--o--\r\n"));
        shapes.put("unterminated multipart", mixed("o", "--o\r\nContent-Type: text/plain\r\n\r\nno close delimiter follows\r\n"));
        shapes.put("epilogue", mixed("b1", "preamble\r\n--b1\r\nContent-Type: text/plain\r\n\r\nHello\r\n--b1--\r\nepilogue text\r\nmore"));
        shapes.put("trailing white space on delimiters", mixed("b1", "--b1  \r\nContent-Type: text/plain\r\n\r\nHello\r\n--b1-- \r\n"));
        shapes.put("transfer encoding with trailing white space", mixed("b1", "--b1\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Transfer-Encoding: base64 \r\n\r\nAAECAwQF\r\n--b1--\r\n"));
        shapes.put("boundary prefix of inner boundary", mixed("b", "--b\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n"
            + "--b1\r\nContent-Type: text/plain\r\n\r\nplain\r\n--b1--\r\n\r\n--b--\r\n"));
        shapes.put("stray delimiter-like text", mixed("b1", "--b1\r\nContent-Type: text/plain\r\n\r\n--b1x is not a delimiter\r\n--b1--\r\n"));
        shapes.put("two content types in a part", mixed("b1", "--b1\r\nContent-Type: text/plain\r\nContent-Type: text/html\r\n\r\nHello\r\n--b1--\r\n"));
        shapes.put("8-bit filename", TestMessages.concat(mixed("b1", "--b1\r\nContent-Type: text/plain\r\n"
            + "Content-Disposition: attachment; filename=\"Hasen und Fr"), new byte[] {(byte) 0xC3, (byte) 0xB6},
            "sche.txt\"\r\n\r\nHello\r\n--b1--\r\n".getBytes(StandardCharsets.US_ASCII)));
        shapes.put("8-bit ISO-8859-1 description", TestMessages.concat(mixed("b1", "--b1\r\nContent-Type: text/plain\r\n"
            + "Content-Description: Fr"), new byte[] {(byte) 0xF6},
            "sche\r\n\r\nHello\r\n--b1--\r\n".getBytes(StandardCharsets.US_ASCII)));
        shapes.put("obsolete header syntax", (HEADERS.replace("Subject: Order", "Subject : Order")
            + "Content-Type: text/plain\r\n\r\nHello\r\n").getBytes(StandardCharsets.US_ASCII));
        shapes.put("byte order mark", TestMessages.concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
            (HEADERS + "Content-Type: text/plain\r\n\r\nHello\r\n").getBytes(StandardCharsets.US_ASCII)));
        shapes.put("mbox separator line", ("From billing@shop.example Mon Nov 30 06:00:00 2026\r\n" + HEADERS
            + "Content-Type: text/plain\r\n\r\nHello\r\n").getBytes(StandardCharsets.US_ASCII));
        shapes.put("canonical with preamble", TestMessages.withAttachment(SENDER));
        return shapes;
    }

    static Stream<Arguments> shapes() {
        return realWorldShapes().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    static byte[] sign(byte[] raw) throws Exception {
        return Verifiers.serialize(new SmimeSigner(DigestAlgorithm.SHA_256, CLOCK).sign(Verifiers.parse(raw), identity));
    }

    @Test
    void signerShouldWriteRealWorldShapesSoThatEveryVerifierAgrees() throws Exception {
        Map<String, byte[]> signed = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> shape : realWorldShapes().entrySet()) {
            signed.put(shape.getKey(), sign(shape.getValue()));
        }

        Map<String, Verifiers.Verdict> verdicts = Verifiers.independentVerify(signed, pki.root(), NOW);

        assertThat(verdicts).hasSameSizeAs(signed);
        for (Map.Entry<String, Verifiers.Verdict> verdict : verdicts.entrySet()) {
            String shape = verdict.getKey();
            assertThat(verdict.getValue().allOk()).as(shape + ": " + verdict.getValue()).isTrue();
            List<String> original = Verifiers.leaves(Verifiers.parse(realWorldShapes().get(shape)));
            assertThat(Verifiers.leaves(Verifiers.parse(verdict.getValue().opensslContent))).as(shape).isEqualTo(original);
            assertThat(Verifiers.leaves(Verifiers.parse(verdict.getValue().bcContent))).as(shape).isEqualTo(original);
            for (byte b : signed.get(shape)) {
                assertThat(b & 0xFF).as(shape).isBetween(1, 127);
            }
        }
    }

    @Test
    void base64WhoseLastLineEndsAtTheDelimiterShouldBeKeptAsItCameWithItsLineBreakAdded() throws Exception {
        byte[] pdf = TestMessages.randomBytes(100_000, 7);
        // Java's MIME encoder: lines of 76, the last one without CRLF, so the delimiter's CRLF follows it directly
        String base64 = Base64.getMimeEncoder().encodeToString(pdf);
        String headers = TestMessages.headers(SENDER, "Invoice");
        String pdfPart = "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n";
        Map<String, byte[]> raw = new LinkedHashMap<>();
        raw.put("in a multipart", (headers + "Content-Type: multipart/mixed; boundary=\"b-4711\"\r\n\r\n--b-4711\r\n"
            + "Content-Type: text/plain\r\n\r\nYour invoice.\r\n--b-4711\r\n" + pdfPart + base64 + "\r\n--b-4711--\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        raw.put("alone", (headers + pdfPart + base64).getBytes(StandardCharsets.US_ASCII));
        Map<String, byte[]> signed = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> message : raw.entrySet()) {
            signed.put(message.getKey(), sign(message.getValue()));
        }

        Map<String, Verifiers.Verdict> verdicts = Verifiers.independentVerify(signed, pki.root(), NOW);

        for (Map.Entry<String, byte[]> message : signed.entrySet()) {
            String text = new String(message.getValue(), StandardCharsets.US_ASCII);
            assertThat(verdicts.get(message.getKey()).allOk()).as("%s: %s", message.getKey(), verdicts.get(message.getKey())).isTrue();
            assertThat(text).as("%s: the lines as they came and the last one's CRLF", message.getKey()).contains(base64 + "\r\n\r\n--");
            MimeMessage verified = Verifiers.parse(verdicts.get(message.getKey()).opensslContent);
            javax.mail.Part attachment = verified.isMimeType("multipart/*") ? ((Multipart) verified.getContent()).getBodyPart(1) : verified;
            byte[] decoded = decoded(attachment);
            assertThat(decoded.length).as("%s: decoded length", message.getKey()).isEqualTo(pdf.length);
            assertThat(decoded).as(message.getKey()).isEqualTo(pdf);
        }
        assertThat(new String(signed.get("in a multipart"), StandardCharsets.US_ASCII)).as("the multipart copied, not written anew")
            .contains("--b-4711\r\n");
    }

    /** The decoded content, read in full (javax.mail's decoder answers a read of 0 bytes with -1: not readAllBytes). */
    private static byte[] decoded(javax.mail.Part part) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try (java.io.InputStream in = part.getInputStream()) {
            for (int read = in.read(buffer, 0, buffer.length); read >= 0; read = in.read(buffer, 0, buffer.length)) {
                out.write(buffer, 0, read);
            }
        }
        return out.toByteArray();
    }

    /** A multipart/signed over {@code content} exactly as given, as the signer used to copy a 7-bit multipart. */
    static byte[] signedVerbatim(String content) throws Exception {
        TestPki.Issued issued = pki.sender(SENDER).issue();
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new JcaSimpleSignerInfoGeneratorBuilder()
            .build("SHA256withRSA", issued.privateKey(), issued.chain().get(0)));
        generator.addCertificates(new JcaCertStore(issued.chain()));
        byte[] cms = generator.generate(new CMSProcessableByteArray(
            content.getBytes(StandardCharsets.ISO_8859_1)), false).getEncoded();
        return (HEADERS.replace("MIME-Version: 1.0\r\n", "") + "MIME-Version: 1.0\r\nContent-Type: multipart/signed; "
            + "protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"signed-1\"\r\n\r\n--signed-1\r\n" + content
            + "\r\n--signed-1\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Base64.getMimeEncoder().encodeToString(cms) + "\r\n--signed-1--\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void verifiersShouldDisagreeOnAShapeCopiedAsItWas() throws Exception {
        // what the signer did before it wrote canonical MIME: the signature holds over the bytes sent, which openssl
        // hashes, but BouncyCastle's SMIMESigned rebuilds the part without the white space after the delimiter
        byte[] verbatim = signedVerbatim("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            + "--b1  \r\nContent-Type: text/plain\r\n\r\nHello\r\n--b1--\r\n");

        Verifiers.Verdict verdict = Verifiers.independentVerify(verbatim, pki.root(), NOW);

        assertThat(verdict.opensslOk).as(verdict.toString()).isTrue();
        assertThat(verdict.bcOk).as(verdict.toString()).isFalse();
    }

    @Test
    void signerShouldCopyACanonicalMultipartByteForByte() throws Exception {
        byte[] raw = TestMessages.withAttachment(SENDER);
        String body = new String(raw, StandardCharsets.US_ASCII);
        body = body.substring(body.indexOf("Content-Type: multipart/mixed"));

        byte[] signed = sign(raw);

        assertThat(new String(Verifiers.rawPart(signed, Verifiers.parse(signed)), StandardCharsets.US_ASCII)).isEqualTo(body);
    }

    @Test
    void signerShouldEncodeAnEightBitFilenameAsRfc2231() throws Exception {
        byte[] signed = sign(realWorldShapes().get("8-bit filename"));

        String content = new String(Verifiers.rawPart(signed, Verifiers.parse(signed)), StandardCharsets.US_ASCII);
        assertThat(content).contains("filename*=utf-8''Hasen%20und%20Fr%C3%B6sche.txt");
        MimeMessage parsed = Verifiers.parse(Verifiers.openssl(signed, pki.root(), NOW).content);
        MimeBodyPart part = (MimeBodyPart)
            ((Multipart) parsed.getContent()).getBodyPart(0);
        assertThat(part.getFileName()).isEqualTo("Hasen und Frösche.txt");
    }

    @Test
    void signerShouldRepairObsoleteHeaderSyntaxOnTheOuterMessage() throws Exception {
        byte[] signed = sign(realWorldShapes().get("obsolete header syntax"));

        String text = new String(signed, StandardCharsets.US_ASCII);
        assertThat(text).contains("\r\nSubject: Order\r\n").doesNotContain("Subject :");
    }

    static Stream<Arguments> refused() {
        return Stream.of(
            Arguments.of("continuation line without white space",
                HEADERS.replace("Subject: Order\r\n", "Subject: Order for\r\nsomething\r\n") + "Content-Type: text/plain\r\n\r\nHello\r\n",
                "not a header field"),
            Arguments.of("body text without a blank line", HEADERS + "Dear customer, here is the body\r\nof the message\r\n",
                "not a header field"),
            Arguments.of("boundary that never occurs", new String(mixed("absent", "no delimiter here\r\n"), StandardCharsets.ISO_8859_1),
                "malformed message"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void signerShouldRefuseWhatParsersReadDifferentlyWithOneLine(String shape, String raw, String reason) {
        assertThatThrownBy(() -> sign(raw.getBytes(StandardCharsets.ISO_8859_1)))
            .isInstanceOf(SigningException.class)
            .hasMessageContaining(reason)
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\r").doesNotContain("\n"));
    }

    @Test
    void signerShouldRefuseNestingBeyondTheLimitWithoutCrashing() {
        int depth = 5000;
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            body.append("--b").append(i).append("\r\nContent-Type: multipart/mixed; boundary=\"b").append(i + 1).append("\"\r\n\r\n");
        }
        body.append("--b").append(depth).append("\r\nContent-Type: text/plain\r\n\r\ndeep\r\n");
        for (int i = depth; i >= 0; i--) {
            body.append("--b").append(i).append("--\r\n");
        }
        byte[] raw = mixed("b0", body.toString());

        assertThatThrownBy(() -> sign(raw))
            .isInstanceOf(SigningException.class)
            .hasMessageContaining("nest more than " + SmimeSigner.DEFAULT_MAX_DEPTH + " levels");
    }

    static byte[] nestedMessages(int depth, String innermostBody) {
        String message = HEADERS + "Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + innermostBody;
        for (int i = 0; i < depth; i++) {
            message = HEADERS + "Content-Type: message/rfc822\r\n\r\n" + message;
        }
        return message.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void signerShouldSignDeeplyNestedSevenBitMessagesAsOneOpaquePart() throws Exception {
        byte[] signed = sign(nestedMessages(3000, "innermost\r\n"));

        assertThat(Verifiers.openssl(signed, pki.root(), NOW).ok()).isTrue();
    }

    @Test
    void signerShouldRefuseDeeplyNestedMessagesThatNeedReencodingWithoutCrashing() {
        assertThatThrownBy(() -> sign(nestedMessages(3000, "Gr\u00fc\u00dfe\r\n")))
            .isInstanceOf(SigningException.class)
            .hasMessageContaining("nest more than");
    }

    /** An identity whose key does not belong to its certificate: what a faulty key operation looks like to a verifier. */
    static SigningIdentity mismatchedIdentity() throws Exception {
        TestPki.Issued other = pki.sender(SENDER).mismatchedKey().issue();
        return TestIdentities.withKey(identity, other.privateKey());
    }

    @Test
    void selfCheckShouldStopASignatureThatDoesNotVerify() throws Exception {
        SigningIdentity faulty = mismatchedIdentity();
        MimeMessage message = Verifiers.parse(TestMessages.plain7bit(SENDER));

        assertThatThrownBy(() -> new SmimeSigner(DigestAlgorithm.SHA_256, CLOCK).sign(message, faulty))
            .isInstanceOf(SelfCheckException.class)
            .hasMessageContaining("does not verify with the certificate's public key");
        byte[] unchecked = Verifiers.serialize(new SmimeSigner(DigestAlgorithm.SHA_256, CLOCK, SmimeSigner.DEFAULT_MAX_DEPTH, false)
            .sign(message, faulty));
        assertThat(Verifiers.openssl(unchecked, pki.root(), NOW).exitCode).isNotZero();
    }
}
