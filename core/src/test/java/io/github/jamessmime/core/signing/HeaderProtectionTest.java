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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.mail.Multipart;
import javax.mail.internet.MimeBodyPart;
import javax.mail.internet.MimeMessage;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

/**
 * Header protection (RFC 9788) as a signer of signed-only mail must do it: the user-facing fields copied into the
 * signed part, which is marked {@code hp=clear}, relay-proof; the outer fields as they were; every signature verified
 * by openssl and BouncyCastle, and the copies read by Python's {@code email} package (default policy) as the outer
 * fields read.
 */
class HeaderProtectionTest {
    static final String PYTHON_FIELDS = String.join("\n",
        "import sys, email, email.policy",
        "msg = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)",
        "inner = msg.get_payload(0)",
        "print('hp ' + str(inner.get_param('hp')))",
        "for name in sys.argv[2:]:",
        "    outer_values = [str(v) for v in (msg.get_all(name) or [])]",
        "    inner_values = [str(v) for v in (inner.get_all(name) or [])]",
        "    print(('same ' if outer_values == inner_values else 'differs ') + name + ' ' + repr(outer_values) + ' ' + repr(inner_values))");

    static TestPki pki;
    static SigningIdentity identity;
    static SmimeSigner signer;

    @TempDir
    Path directory;

    @BeforeAll
    static void setUp() throws Exception {
        pki = TestPki.create(SignedChecks.NOW);
        identity = SignedChecks.identity(pki);
        signer = new SmimeSigner(DigestAlgorithm.SHA_256, SignedChecks.CLOCK);
    }

    static byte[] signProtected(byte[] raw) throws Exception {
        return Verifiers.serialize(signer.sign(Verifiers.parse(raw), identity, Set.of(), true));
    }

    /** Python's reading: "hp VALUE", then "same NAME ..." or "differs NAME ..." for each field. */
    List<String> python(byte[] signed, List<String> fields) throws Exception {
        Path file = Files.write(directory.resolve("signed-" + System.nanoTime() + ".eml"), signed);
        List<String> command = new ArrayList<>(List.of("python3", "-c", PYTHON_FIELDS, file.toString()));
        command.addAll(fields);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output.lines().collect(java.util.stream.Collectors.toList());
    }

    @Test
    void signerShouldSignTheUserFacingFieldsInsideTheSignedPartOfEveryTestMessage() throws Exception {
        Map<String, byte[]> signed = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> message : TestMessages.all(SignedChecks.SENDER).entrySet()) {
            signed.put(message.getKey(), signProtected(message.getValue()));
        }
        Map<String, Verifiers.Verdict> verdicts = Verifiers.independentVerify(signed, pki.root(), SignedChecks.NOW);

        assertThat(verdicts).hasSameSizeAs(signed);
        for (Map.Entry<String, byte[]> message : signed.entrySet()) {
            byte[] bytes = message.getValue();
            assertThat(verdicts.get(message.getKey()).allOk()).as("%s: %s", message.getKey(), verdicts.get(message.getKey())).isTrue();
            assertThat(ProtectedFieldCheck.differences(bytes)).as(message.getKey()).isEmpty();
            assertThat(SignedChecks.sevenBitProblems(Verifiers.rawPart(bytes, Verifiers.parse(bytes)))).as(message.getKey()).isEmpty();
            List<String> python = python(bytes, ProtectedHeaders.FIELDS);
            assertThat(python).as(message.getKey()).first().isEqualTo("hp clear");
            assertThat(python).as(message.getKey()).filteredOn(line -> line.startsWith("differs")).isEmpty();
            assertThat(python).as(message.getKey()).filteredOn(line -> line.startsWith("same From")).hasSize(1);
        }
    }

    @Test
    void signedPartShouldHoldTheProtectedFieldsInTheMessagesOrderAndNoTransportField() throws Exception {
        byte[] signed = signProtected(TestMessages.withAttachment(SignedChecks.SENDER));
        MimeBodyPart first = firstPart(signed);
        List<String> names = new ArrayList<>();
        Collections.list(first.getAllHeaders()).forEach(header -> names.add(header.getName()));

        assertThat(names).containsSubsequence("From", "To", "Cc", "Subject", "Date", "Message-ID", "Content-Type");
        assertThat(names).doesNotContain("Received", "Return-Path", "X-Order-Id", "MIME-Version");
        assertThat(first.getContentType()).contains("hp=clear");
    }

    @Test
    void outerFieldsShouldStayAsTheyAreWithHeaderProtection() throws Exception {
        byte[] raw = TestMessages.withAttachment(SignedChecks.SENDER);
        MimeMessage plain = Verifiers.parse(Verifiers.serialize(signer.sign(Verifiers.parse(raw), identity)));
        MimeMessage protectedMessage = Verifiers.parse(signProtected(raw));

        assertThat(outerLines(protectedMessage)).isEqualTo(outerLines(plain));
    }

    private static List<String> outerLines(MimeMessage message) throws Exception {
        List<String> lines = new ArrayList<>();
        for (String line : Collections.list(message.getAllHeaderLines())) {
            if (!line.toLowerCase(java.util.Locale.ROOT).startsWith("content-type:")) {
                lines.add(line);
            }
        }
        return lines;
    }

    @Test
    void headerProtectionShouldWriteEightBitDisplayNamesAndSubjectsAsSevenBitWordsThatReadAsTheText() throws Exception {
        byte[] raw = TestMessages.concat("Return-Path: <billing@shop.example>\r\n".getBytes(StandardCharsets.US_ASCII),
            ("From: Müller & Söhne GmbH <" + SignedChecks.SENDER + ">\r\n"
                + "To: \"Jörg Weiß\" <joerg@client.example>, plain@client.example\r\n"
                + "Subject: Ihre Rechnung für Bestellung 4711 – vielen Dank für Ihren Einkauf bei uns, wir freuen uns\r\n"
                + "Date: Mon, 1 Jun 2026 09:58:00 +0000\r\nMessage-ID: <umlaut.1@shop.example>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n").getBytes(StandardCharsets.UTF_8));
        byte[] signed = signProtected(raw);
        MimeBodyPart first = firstPart(signed);
        Verifiers.Verdict verdict = Verifiers.independentVerify(signed, pki.root(), SignedChecks.NOW);

        assertThat(verdict.allOk()).as("%s", verdict).isTrue();
        assertThat(SignedChecks.sevenBitProblems(Verifiers.rawPart(signed, Verifiers.parse(signed)))).isEmpty();
        assertThat(ProtectedFieldCheck.differences(signed)).isEmpty();
        assertThat(first.getHeader("Subject", null)).startsWith("=?UTF-8?");
        assertThat(python(signed, List.of("From", "To", "Subject"))).contains(
            "hp clear");
        List<String> inner = pythonInner(signed);
        assertThat(inner).containsExactly("Müller & Söhne GmbH <billing@shop.example>",
            "Jörg Weiß <joerg@client.example>, plain@client.example",
            "Ihre Rechnung für Bestellung 4711 – vielen Dank für Ihren Einkauf bei uns, wir freuen uns");
    }

    /** Python's reading of the signed From, To and Subject. */
    private List<String> pythonInner(byte[] signed) throws Exception {
        Path file = Files.write(directory.resolve("inner-" + System.nanoTime() + ".eml"), signed);
        Process process = new ProcessBuilder("python3", "-c", String.join("\n",
            "import sys, email, email.policy",
            "inner = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default).get_payload(0)",
            "for name in ('From', 'To', 'Subject'):",
            "    sys.stdout.buffer.write((str(inner[name]) + '\\n').encode('utf-8'))"), file.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return output.lines().collect(java.util.stream.Collectors.toList());
    }

    @Test
    void anEightBitSubjectWithAnEncodedWordShouldBeSignedAsTheTextClientsShow() throws Exception {
        byte[] raw = TestMessages.concat("Return-Path: <billing@shop.example>\r\n".getBytes(StandardCharsets.US_ASCII),
            ("From: Shop Billing <" + SignedChecks.SENDER + ">\r\nTo: customer@client.example\r\n"
                + "Subject: Re: =?UTF-8?Q?caf=C3=A9?= – Bestellung\r\nDate: Mon, 1 Jun 2026 09:58:00 +0000\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain\r\n\r\nHello\r\n").getBytes(StandardCharsets.UTF_8));
        byte[] signed = signProtected(raw);

        assertThat(javax.mail.internet.MimeUtility.decodeText(firstPart(signed).getHeader("Subject", null).replace("\r\n", "")))
            .isEqualTo("Re: café – Bestellung");
        assertThat(ProtectedFieldCheck.differences(signed)).isEmpty();
        assertThat(Verifiers.independentVerify(signed, pki.root(), SignedChecks.NOW).allOk()).isTrue();
    }

    @Test
    void aClientThatKnowsHeaderProtectionShouldFindAnOuterSubjectChangedAfterSigning() throws Exception {
        byte[] signed = signProtected(TestMessages.plain7bit(SignedChecks.SENDER));
        String text = new String(signed, StandardCharsets.ISO_8859_1);
        int outerEnd = text.indexOf("\r\n\r\n");
        String outer = text.substring(0, outerEnd).replace("Subject: Invoice 4711", "Subject: Invoice 4711 - pay to IBAN XX00 9999 now");
        byte[] tampered = (outer + text.substring(outerEnd)).getBytes(StandardCharsets.ISO_8859_1);

        assertThat(outer).contains("pay to IBAN");
        // the outer fields are not under the signature: it still verifies, and only the comparison shows the change
        assertThat(Verifiers.openssl(tampered, pki.root(), SignedChecks.NOW).exitCode == 0).isTrue();
        assertThat(python(tampered, List.of("Subject", "From"))).contains("same From ['Shop Billing <billing@shop.example>'] "
            + "['Shop Billing <billing@shop.example>']").anyMatch(line -> line.startsWith("differs Subject"));
        assertThat(ProtectedFieldCheck.differences(tampered)).singleElement().asString().startsWith("Subject:");
    }

    @Test
    void headerProtectionShouldLeaveOutAMessageIdTooLongToFoldAndStillSign() throws Exception {
        String longId = "<" + "a".repeat(90) + "@mail.shop.example>";
        byte[] raw = (TestMessages.headers(SignedChecks.SENDER, "Invoice").replaceFirst("Message-ID: <[^>]*>", "Message-ID: " + longId)
            + "Content-Type: text/plain\r\n\r\nHello\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] signed = signProtected(raw);

        assertThat(Verifiers.independentVerify(signed, pki.root(), SignedChecks.NOW).allOk()).isTrue();
        assertThat(firstPart(signed).getHeader("Message-ID")).isNull();
        assertThat(Verifiers.parse(signed).getHeader("Message-ID", null)).isEqualTo(longId);
        assertThat(firstPart(signed).getHeader("Subject", null)).isEqualTo("Invoice");
    }

    @Test
    void headerProtectionShouldGiveWayToTheSignatureWhenAFieldCannotBeWrittenInSevenBits() throws Exception {
        byte[] raw = TestMessages.concat("Return-Path: <billing@shop.example>\r\n".getBytes(StandardCharsets.US_ASCII),
            ("From: Shop Billing <" + SignedChecks.SENDER + ">\r\nTo: Jörg <jörg@client.example>\r\nSubject: Hi\r\n"
                + "Date: Mon, 1 Jun 2026 09:58:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nHello\r\n")
                .getBytes(StandardCharsets.UTF_8));

        SignedMessage signed = signer.sign(Verifiers.parse(raw), identity, Set.of(), true);
        byte[] bytes = Verifiers.serialize(signed);

        assertThat(signed.unprotectedHeaders()).hasValueSatisfying(reason -> assertThat(reason)
            .startsWith("signed without header protection: the To field cannot be written in 7-bit form")
            .doesNotContain("\n"));
        assertThat(firstPart(bytes).getContentType()).doesNotContain("hp");
        assertThat(firstPart(bytes).getHeader("Subject")).isNull();
        assertThat(Verifiers.independentVerify(bytes, pki.root(), SignedChecks.NOW).allOk()).isTrue();
        assertThat(signer.sign(Verifiers.parse(TestMessages.plain7bit(SignedChecks.SENDER)), identity, Set.of(), true)
            .unprotectedHeaders()).isEmpty();
    }

    @Test
    void headerProtectionShouldMarkARootMultipartWrittenAnew() throws Exception {
        // a boundary too long to fold makes the root multipart be written anew, with a fresh boundary
        String boundary = "b".repeat(69);
        byte[] raw = (TestMessages.headers(SignedChecks.SENDER, "Invoice")
            + "Content-Type: multipart/mixed;boundary=\"" + boundary + "\"\r\n\r\n--" + boundary
            + "\r\nContent-Type: text/plain\r\n\r\nHello\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] signed = signProtected(raw);

        assertThat(Verifiers.independentVerify(signed, pki.root(), SignedChecks.NOW).allOk()).isTrue();
        assertThat(ProtectedFieldCheck.differences(signed)).isEmpty();
        assertThat(((Multipart) firstPart(signed).getContent()).getCount()).isEqualTo(1);
    }

    private static MimeBodyPart firstPart(byte[] signed) throws Exception {
        return (MimeBodyPart) ((Multipart) Verifiers.parse(signed).getContent()).getBodyPart(0);
    }
}
