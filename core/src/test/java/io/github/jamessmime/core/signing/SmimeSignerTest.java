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

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.Time;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.smime.SMIMEAttributes;
import org.bouncycastle.asn1.smime.SMIMECapability;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.TestPki.KeyType;
import io.github.jamessmime.testing.Verifiers;

class SmimeSignerTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final String SENDER = "billing@shop.example";

    static TestPki pki;

    @BeforeAll
    static void setUp() {
        pki = TestPki.create(NOW);
    }

    static SigningIdentity identity(KeyType keyType) throws Exception {
        TestPki.Issued issued = pki.sender(SENDER).keyType(keyType).issue();
        return pki.rules().validate(Path.of("test.p12"), issued.privateKey(), issued.chain(), pki.now());
    }

    static Stream<Arguments> shapes() {
        return TestMessages.all(SENDER).entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    private static byte[] signAndSerialize(byte[] raw, SigningIdentity identity, DigestAlgorithm digest) throws Exception {
        MimeMessage signed = new SmimeSigner(digest, CLOCK).sign(Verifiers.parse(raw), identity);
        return Verifiers.serialize(signed);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void signerShouldProduceSignatureOpensslVerifiesWithContentIntact(String shape, byte[] raw) throws Exception {
        byte[] signed = signAndSerialize(raw, identity(KeyType.RSA_2048), DigestAlgorithm.SHA_256);

        Verifiers.OpensslResult openssl = Verifiers.openssl(signed, pki.root(), NOW);
        assertThat(openssl.ok()).as(openssl.toString()).isTrue();
        assertThat(openssl.stderr).contains("Verification successful");
        MimeMessage verifiedContent = Verifiers.parse(openssl.content);
        assertThat(Verifiers.leaves(verifiedContent)).isEqualTo(Verifiers.leaves(Verifiers.parse(raw)));

        Verifiers.BcResult bc = Verifiers.bouncyCastle(signed);
        assertThat(bc.signatureValid).isTrue();
        assertThat(bc.signedContent).isEqualTo(openssl.content);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void signedMessageShouldBeSevenBitWithShortLines(String shape, byte[] raw) throws Exception {
        byte[] signed = signAndSerialize(raw, identity(KeyType.RSA_2048), DigestAlgorithm.SHA_256);

        int lineLength = 0;
        for (int i = 0; i < signed.length; i++) {
            int b = signed[i] & 0xFF;
            assertThat(b).as("byte %d", i).isBetween(1, 127);
            if (b == '\n') {
                assertThat(signed[i - 1]).as("LF at %d must follow CR", i).isEqualTo((byte) '\r');
                lineLength = 0;
            } else if (b == '\r') {
                assertThat(signed[i + 1]).as("CR at %d must precede LF", i).isEqualTo((byte) '\n');
            } else {
                assertThat(++lineLength).as("line length at %d", i).isLessThanOrEqualTo(998);
            }
        }
        String text = new String(Verifiers.rawPart(signed, Verifiers.parse(signed)), StandardCharsets.US_ASCII);
        assertThat(text).doesNotContain("\r\nFrom ").doesNotStartWith("From ").doesNotContain(" \r\n").doesNotContain("\t\r\n");
    }

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"RSA_2048", "RSA_3072", "EC_P256", "EC_P384"})
    void signerShouldSignWithEveryKeyType(KeyType keyType) throws Exception {
        byte[] signed = signAndSerialize(TestMessages.plain7bit(SENDER), identity(keyType), DigestAlgorithm.SHA_256);

        Verifiers.OpensslResult openssl = Verifiers.openssl(signed, pki.root(), NOW);
        assertThat(openssl.ok()).as(openssl.toString()).isTrue();
        assertThat(Verifiers.bouncyCastle(signed).signatureValid).isTrue();
    }

    @ParameterizedTest
    @EnumSource(DigestAlgorithm.class)
    void micalgShouldMatchTheDigestOfTheSignature(DigestAlgorithm digest) throws Exception {
        byte[] signed = signAndSerialize(TestMessages.plain7bit(SENDER), identity(KeyType.EC_P384), digest);

        Verifiers.BcResult bc = Verifiers.bouncyCastle(signed);
        assertThat(bc.micalg).isEqualTo(digest.micalg());
        ASN1ObjectIdentifier expected = Map.of(
            DigestAlgorithm.SHA_256, NISTObjectIdentifiers.id_sha256,
            DigestAlgorithm.SHA_384, NISTObjectIdentifiers.id_sha384,
            DigestAlgorithm.SHA_512, NISTObjectIdentifiers.id_sha512).get(digest);
        assertThat(bc.signerInformation.getDigestAlgOID()).isEqualTo(expected.getId());
        assertThat(Verifiers.openssl(signed, pki.root(), NOW).ok()).isTrue();
    }

    /** The test message with its Date field replaced by {@code date}, or removed when it is null. */
    static byte[] dated(byte[] raw, String date) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        String line = "Date: Mon, 1 Jun 2026 09:58:00 +0000\r\n";
        assertThat(text).contains(line);
        return text.replace(line, date == null ? "" : "Date: " + date + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    static Instant signingTime(byte[] signed) throws Exception {
        Attribute attribute = Verifiers.bouncyCastle(signed).signerInformation.getSignedAttributes().get(CMSAttributes.signingTime);
        return attribute == null ? null : Time.getInstance(attribute.getAttrValues().getObjectAt(0)).getDate().toInstant();
    }

    @Test
    void signerShouldKeepTheSigningTimeWhenTheDateIsCloseToIt() throws Exception {
        SignedMessage signed = new SmimeSigner(DigestAlgorithm.SHA_256, CLOCK)
            .sign(Verifiers.parse(TestMessages.withAttachment(SENDER)), identity(KeyType.RSA_2048));
        byte[] bytes = Verifiers.serialize(signed);

        assertThat(signed.dating().kind()).isEqualTo(MessageDate.Kind.SIGNING_TIME);
        assertThat(signingTime(bytes)).isEqualTo(NOW);
        assertThat(Verifiers.parse(bytes).getHeader("Date")).containsExactly("Mon, 1 Jun 2026 09:58:00 +0000");
        Verifiers.OpensslResult openssl = Verifiers.openssl(bytes, pki.root(), NOW);
        assertThat(openssl.ok()).as(openssl.toString()).isTrue();
    }

    @Test
    void signerShouldAddTheSigningTimeAsDateToAMessageWithoutDate() throws Exception {
        byte[] raw = dated(TestMessages.withAttachment(SENDER), null);
        SignedMessage signed = new SmimeSigner(DigestAlgorithm.SHA_256, CLOCK).sign(Verifiers.parse(raw), identity(KeyType.RSA_2048));
        byte[] bytes = Verifiers.serialize(signed);

        assertThat(signed.dating().kind()).isEqualTo(MessageDate.Kind.DATE_ADDED);
        assertThat(Verifiers.parse(bytes).getHeader("Date")).containsExactly("Mon, 1 Jun 2026 10:00:00 +0000");
        assertThat(Verifiers.parse(bytes).getSentDate().toInstant()).isEqualTo(NOW);
        assertThat(signingTime(bytes)).isEqualTo(NOW);
        assertThat(Verifiers.parse(bytes).getMessageID()).isEqualTo(Verifiers.parse(raw).getMessageID());
        Verifiers.OpensslResult openssl = Verifiers.openssl(bytes, pki.root(), NOW);
        assertThat(openssl.ok()).as(openssl.toString()).isTrue();
        assertThat(Verifiers.bouncyCastle(bytes).signatureValid).isTrue();
    }

    @ParameterizedTest
    @MethodSource("distantDates")
    void signerShouldLeaveOutTheSigningTimeAndKeepTheDateWhenClientsWouldCallThemAtOdds(String date) throws Exception {
        byte[] raw = dated(TestMessages.withAttachment(SENDER), date);
        SignedMessage signed = new SmimeSigner(DigestAlgorithm.SHA_256, CLOCK).sign(Verifiers.parse(raw), identity(KeyType.EC_P256));
        byte[] bytes = Verifiers.serialize(signed);

        assertThat(signed.dating().kind()).isEqualTo(MessageDate.Kind.SIGNING_TIME_OMITTED);
        assertThat(signed.dating().reason()).startsWith("signed without signing time");
        assertThat(signingTime(bytes)).isNull();
        assertThat(Verifiers.parse(bytes).getHeader("Date")).containsExactly(date);
        Verifiers.OpensslResult openssl = Verifiers.openssl(bytes, pki.root(), NOW);
        assertThat(openssl.ok()).as(openssl.toString()).isTrue();
        assertThat(Verifiers.bouncyCastle(bytes).signatureValid).isTrue();
    }

    static Stream<String> distantDates() {
        return Stream.of("Thu, 28 May 2026 08:00:00 +0000", "Mon, 1 Jun 2026 08:00:00 +0000", "Mon, 1 Jun 2026 11:00:00 +0100 (12:00 CEST)",
            "01/06/2026 09:58", "Mon, 1 Jun 2026 09:58:00 +01:00");
    }

    /** A signing time more than an hour from the Date, as the signer wrote before {@link MessageDate}: Thunderbird refuses it. */
    @Test
    void thunderbirdRulesShouldRefuseASigningTimeFarFromTheDate() throws Exception {
        byte[] resentNow = Verifiers.serialize(new SmimeSigner(DigestAlgorithm.SHA_256, CLOCK)
            .sign(Verifiers.parse(dated(TestMessages.plain7bit(SENDER), "Mon, 1 Jun 2026 10:00:00 +0000")), identity(KeyType.RSA_2048)));
        byte[] withTime = new String(resentNow, StandardCharsets.ISO_8859_1)
            .replace("Date: Mon, 1 Jun 2026 10:00:00 +0000", "Date: Mon, 1 Jun 2026 08:59:59 +0000").getBytes(StandardCharsets.ISO_8859_1);

        assertThat(Verifiers.openssl(withTime, pki.root(), NOW).exitCode).as("openssl alone has no such rule").isZero();
        assertThat(Verifiers.openssl(withTime, pki.root(), NOW).thunderbird.problem).startsWith("VERIFY_TIME_MISMATCH (1041)")
            .contains("3601 s");
        byte[] withinTheHour = new String(resentNow, StandardCharsets.ISO_8859_1)
            .replace("Date: Mon, 1 Jun 2026 10:00:00 +0000", "Date: Mon, 1 Jun 2026 09:00:00 +0000").getBytes(StandardCharsets.ISO_8859_1);
        assertThat(Verifiers.openssl(withinTheHour, pki.root(), NOW).thunderbird.ok()).as("3600 s are accepted").isTrue();
        byte[] undated = new String(resentNow, StandardCharsets.ISO_8859_1)
            .replace("Date: Mon, 1 Jun 2026 10:00:00 +0000\r\n", "").getBytes(StandardCharsets.ISO_8859_1);
        assertThat(Verifiers.openssl(undated, pki.root(), NOW).thunderbird.problem).contains("the Date is missing");
    }

    @Test
    void thunderbirdRulesShouldRefuseAFromAddressTheCertificateDoesNotName() throws Exception {
        byte[] signed = signAndSerialize(TestMessages.plain7bit(SENDER), identity(KeyType.RSA_2048), DigestAlgorithm.SHA_256);
        byte[] otherFrom = new String(signed, StandardCharsets.ISO_8859_1).replace("From: Shop Billing <" + SENDER + ">",
            "From: Shop Billing <sales@shop.example>").getBytes(StandardCharsets.ISO_8859_1);
        byte[] otherCase = new String(signed, StandardCharsets.ISO_8859_1).replace("From: Shop Billing <" + SENDER + ">",
            "From: Shop Billing <Billing@Shop.Example>").getBytes(StandardCharsets.ISO_8859_1);

        assertThat(Verifiers.openssl(otherFrom, pki.root(), NOW).thunderbird.problem).startsWith("VERIFY_HEADER_MISMATCH");
        assertThat(Verifiers.openssl(otherCase, pki.root(), NOW).thunderbird.ok()).isTrue();
    }

    @Test
    void thunderbirdRulesShouldRefuseWhatNssDoesNotVerify() throws Exception {
        byte[] signed = signAndSerialize(TestMessages.plain7bit(SENDER), identity(KeyType.RSA_2048), DigestAlgorithm.SHA_256);
        String text = new String(signed, StandardCharsets.ISO_8859_1);
        byte[] tampered = text.replace("Total: 42.00 EUR", "Total: 4.20 EUR").getBytes(StandardCharsets.ISO_8859_1);

        assertThat(text).contains("Total: 42.00 EUR");
        assertThat(Verifiers.openssl(tampered, pki.root(), NOW).thunderbird.problem).contains("NSS").contains("DigestMismatch");
        assertThat(Verifiers.openssl(signed, pki.root(), NOW.plus(Duration.ofDays(400))).thunderbird.problem)
            .as("NSS checks the certificate at the signing time: the rule runs NSS at the given time only without one")
            .isNull();
    }

    @Test
    void signatureShouldCarrySigningTimeCapabilitiesAndKeyPreference() throws Exception {
        SigningIdentity identity = identity(KeyType.RSA_2048);
        byte[] signed = signAndSerialize(TestMessages.plain7bit(SENDER), identity, DigestAlgorithm.SHA_256);

        Verifiers.BcResult bc = Verifiers.bouncyCastle(signed);
        var attributes = bc.signerInformation.getSignedAttributes();
        Attribute signingTime = attributes.get(CMSAttributes.signingTime);
        assertThat(Time.getInstance(signingTime.getAttrValues().getObjectAt(0)).getDate().toInstant()).isEqualTo(NOW);
        assertThat(attributes.get(CMSAttributes.contentType)).isNotNull();
        assertThat(attributes.get(CMSAttributes.messageDigest)).isNotNull();
        ASN1Sequence capabilities = ASN1Sequence.getInstance(
            attributes.get(SMIMEAttributes.smimeCapabilities).getAttrValues().getObjectAt(0));
        assertThat(capabilities.toArray()).extracting(c -> SMIMECapability.getInstance(c).getCapabilityID())
            .containsExactly(SMIMECapability.aES256_CBC, SMIMECapability.aES192_CBC, SMIMECapability.aES128_CBC);
        assertThat(attributes.get(SMIMEAttributes.encrypKeyPref)).isNotNull();
    }

    @Test
    void signatureShouldCarryChainWithoutRoot() throws Exception {
        SigningIdentity identity = identity(KeyType.RSA_2048);
        byte[] signed = signAndSerialize(TestMessages.plain7bit(SENDER), identity, DigestAlgorithm.SHA_256);

        List<X509Certificate> certificates = Verifiers.bouncyCastle(signed).certificates;
        assertThat(certificates).containsExactlyInAnyOrder(identity.certificate(), pki.intermediate());
    }

    @Test
    void signerShouldKeepOuterHeadersAndMoveOnlyContentHeaders() throws Exception {
        byte[] raw = TestMessages.withAttachment(SENDER);
        MimeMessage original = Verifiers.parse(raw);
        MimeMessage signed = Verifiers.parse(signAndSerialize(raw, identity(KeyType.RSA_2048), DigestAlgorithm.SHA_256));

        for (String header : List.of("Return-Path", "Received", "From", "To", "Cc", "Subject", "Date", "Message-ID", "X-Order-Id")) {
            assertThat(signed.getHeader(header)).as(header).containsExactly(original.getHeader(header));
        }
        assertThat(signed.getContentType()).startsWith("multipart/signed").contains("micalg=sha-256")
            .contains("protocol=\"application/pkcs7-signature\"");
        MimeMultipart parts = (MimeMultipart) signed.getContent();
        assertThat(parts.getCount()).isEqualTo(2);
        assertThat(parts.getBodyPart(0).getContentType()).startsWith("multipart/mixed");
        assertThat(parts.getBodyPart(0).getHeader("Subject")).isNull();
        assertThat(parts.getBodyPart(1).getContentType()).startsWith("application/pkcs7-signature");
    }

    @Test
    void signedMessageShouldSerializeToTheSameBytesEveryTime() throws Exception {
        MimeMessage signed = new SmimeSigner(DigestAlgorithm.SHA_256, CLOCK)
            .sign(Verifiers.parse(TestMessages.plain7bit(SENDER)), identity(KeyType.EC_P256));

        byte[] first = Verifiers.serialize(signed);
        byte[] second = Verifiers.serialize(signed);
        signed.saveChanges();
        byte[] afterSave = Verifiers.serialize(signed);

        assertThat(second).isEqualTo(first);
        assertThat(Verifiers.parse(afterSave).getMessageID()).isEqualTo("<Invoice4711.42@shop.example>");
        assertThat(Verifiers.openssl(afterSave, pki.root(), NOW).ok()).isTrue();
    }

    @Test
    void signerShouldRefuseAlreadySignedMessage() throws Exception {
        SigningIdentity identity = identity(KeyType.RSA_2048);
        byte[] signed = signAndSerialize(TestMessages.plain7bit(SENDER), identity, DigestAlgorithm.SHA_256);

        assertThat(SmimeSigner.isSignedOrEncrypted(Verifiers.parse(signed))).isTrue();
        assertThatThrownBy(() -> new SmimeSigner(DigestAlgorithm.SHA_256, CLOCK).sign(Verifiers.parse(signed), identity))
            .isInstanceOf(SigningException.class)
            .hasMessageContaining("already signed");
    }

    @Test
    void encryptedMessageShouldCountAsSignedOrEncrypted() throws Exception {
        byte[] raw = ("From: a@shop.example\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIACAQAx\r\n").getBytes(StandardCharsets.US_ASCII);

        assertThat(SmimeSigner.isSignedOrEncrypted(Verifiers.parse(raw))).isTrue();
        assertThat(SmimeSigner.isSignedOrEncrypted(Verifiers.parse(TestMessages.plain7bit(SENDER)))).isFalse();
    }

    @Test
    void malformedMessageShouldGiveSigningExceptionNamingTheProblem() throws Exception {
        byte[] raw = ("From: a@shop.example\r\nContent-Type: multipart/mixed\r\n\r\nno boundary here\r\n")
            .getBytes(StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> new SmimeSigner(DigestAlgorithm.SHA_256, CLOCK).sign(Verifiers.parse(raw), identity(KeyType.RSA_2048)))
            .isInstanceOf(SigningException.class)
            .hasMessageContaining("malformed message");
    }

    @Test
    void signerShouldMakeLineEndsCanonicalAcrossCopyBuffers() throws Exception {
        // A CRLF, a bare CR and a bare LF each straddle or end a 64 KiB copy buffer.
        StringBuilder body = new StringBuilder();
        String line = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz";
        while (body.length() < 65535 - line.length()) {
            body.append(line).append("\r\n");
        }
        while (body.length() < 65535) {
            body.append('y');
        }
        body.append("\r\nafter crlf\rafter bare cr\nafter bare lf\r\n");
        while (body.length() < 2 * 65536 - 1 - line.length() - 2) {
            body.append(line).append("\r\n");
        }
        while (body.length() < 2 * 65536 - 1) {
            body.append('x');
        }
        body.append("\r");
        body.append("tail\n");
        byte[] raw = (TestMessages.headers(SENDER, "Line ends") + "Content-Type: application/x-report\r\n"
            + "Content-Transfer-Encoding: 7bit\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);

        byte[] signed = signAndSerialize(raw, identity(KeyType.RSA_2048), DigestAlgorithm.SHA_256);

        String part = new String(Verifiers.rawPart(signed, Verifiers.parse(signed)), StandardCharsets.US_ASCII);
        String canonicalBody = body.toString().replace("\r\n", "\n").replace('\r', '\n').replace("\n", "\r\n");
        assertThat(part.substring(part.indexOf("\r\n\r\n") + 4)).isEqualTo(canonicalBody);
        assertThat(Verifiers.openssl(signed, pki.root(), NOW).ok()).isTrue();
    }

    @Test
    void partLabelledEightBitShouldBeRelabelledEvenWhenItsBytesAreAscii() throws Exception {
        // A 7-bit relay re-encodes parts labelled 8bit: the label alone would break the signature.
        byte[] raw = (TestMessages.headers(SENDER, "Labelled 8bit") + "Content-Type: multipart/mixed; boundary=\"b8\"\r\n\r\n"
            + "--b8\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 8bit\r\n\r\nplain ascii\r\n"
            + "--b8\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b8--\r\n")
            .getBytes(StandardCharsets.US_ASCII);

        byte[] signed = signAndSerialize(raw, identity(KeyType.RSA_2048), DigestAlgorithm.SHA_256);

        String part = new String(Verifiers.rawPart(signed, Verifiers.parse(signed)), StandardCharsets.US_ASCII);
        assertThat(part.toLowerCase()).doesNotContain("content-transfer-encoding: 8bit").contains("content-transfer-encoding: quoted-printable");
        Verifiers.OpensslResult openssl = Verifiers.openssl(signed, pki.root(), NOW);
        assertThat(openssl.ok()).as(openssl.toString()).isTrue();
        assertThat(Verifiers.leaves(Verifiers.parse(openssl.content))).isEqualTo(Verifiers.leaves(Verifiers.parse(raw)));
    }

    @Test
    void multipartLabelledEightBitShouldBeRelabelledSevenBit() throws Exception {
        byte[] raw = TestMessages.concat(("From: " + SENDER + "\r\nSubject: 8bit multipart\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"m8\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                + "--m8\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII),
            "Grüße\r\n".getBytes(StandardCharsets.UTF_8),
            "--m8--\r\n".getBytes(StandardCharsets.US_ASCII));

        byte[] signed = signAndSerialize(raw, identity(KeyType.RSA_2048), DigestAlgorithm.SHA_256);

        String part = new String(Verifiers.rawPart(signed, Verifiers.parse(signed)), StandardCharsets.US_ASCII).toLowerCase();
        assertThat(part).doesNotContain("content-transfer-encoding: 8bit").startsWith("content-type: multipart/mixed")
            .contains("content-transfer-encoding: 7bit");
        Verifiers.OpensslResult openssl = Verifiers.openssl(signed, pki.root(), NOW);
        assertThat(openssl.ok()).as(openssl.toString()).isTrue();
        assertThat(Verifiers.leaves(Verifiers.parse(openssl.content))).isEqualTo(Verifiers.leaves(Verifiers.parse(raw)));
    }

    /** A message whose header block is parsed when first asked for, not when it is made, as James's MimeMessageWrapper. */
    private static MimeMessage headersParsedOnFirstUse(byte[] raw) {
        return new MimeMessage(Session.getInstance(new Properties())) {
            private boolean parsed;

            private void parseHeaders() throws MessagingException {
                if (!parsed) {
                    headers = createInternetHeaders(new ByteArrayInputStream(raw));
                    parsed = true;
                }
            }

            @Override
            public String getHeader(String name, String delimiter) throws MessagingException {
                parseHeaders();
                return super.getHeader(name, delimiter);
            }

            @Override
            public String[] getHeader(String name) throws MessagingException {
                parseHeaders();
                return super.getHeader(name);
            }

            @Override
            public Enumeration<String> getAllHeaderLines() throws MessagingException {
                parseHeaders();
                return super.getAllHeaderLines();
            }
        };
    }

    @Test
    void signerShouldRefuseAHeaderBlockStartingWithAContinuationLineWithASigningException() throws Exception {
        // javax.mail fails on this block (IndexOutOfBoundsException) when it parses it: here, at the signer's first question
        byte[] raw = (" \r\n folded\r\n" + new String(TestMessages.plain7bit(SENDER), StandardCharsets.ISO_8859_1))
            .getBytes(StandardCharsets.ISO_8859_1);

        assertThatThrownBy(() -> new SmimeSigner(DigestAlgorithm.SHA_256, CLOCK).sign(headersParsedOnFirstUse(raw), identity(KeyType.RSA_2048)))
            .isInstanceOf(SigningException.class)
            .hasMessage("the header block starts with a continuation line (a line beginning with white space); it is not signed");
    }
}
