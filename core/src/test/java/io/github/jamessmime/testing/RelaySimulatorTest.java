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
package io.github.jamessmime.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import javax.mail.internet.MimeUtility;

import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoGeneratorBuilder;
import org.junit.jupiter.api.Test;

import io.github.jamessmime.testing.RelaySimulator.Transformation;

/** The relay simulator itself, on small hand-written messages: each transformation changes what it must, and no more. */
class RelaySimulatorTest {
    private static final String CRLF = "\r\n";
    private static final String OUTER = "From: Shop Billing <billing@shop.example>\r\n"
        + "To: Customer <customer@client.example>\r\n"
        + "Subject: Invoice\r\n"
        + "MIME-Version: 1.0\r\n"
        + "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"s\"\r\n"
        + "\r\n"
        + "This is an S/MIME signed message.\r\n"
        + "\r\n"
        + "--s\r\n";
    /**
     * A stand-in signature: 114 bytes, two full base64 lines, ending with a line break, which is exactly how both
     * javax.mail and Python encode it, so the re-encoding transformations leave it as it is.
     */
    private static final String SIGNATURE_PART = "\r\n--s\r\n"
        + "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
        + "Content-Transfer-Encoding: base64\r\n"
        + "\r\n"
        + Base64.getMimeEncoder().encodeToString(TestMessages.randomBytes(114, 7)) + "\r\n"
        + "\r\n--s--\r\n";

    /** A multipart/signed message whose signed content is {@code content} (the signature is not a real one). */
    private static String signed(String content) {
        return OUTER + content + SIGNATURE_PART;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static String apply(Transformation t, String message) {
        return text(RelaySimulator.apply(t, bytes(message)));
    }

    /** Base64 in lines of {@code columns}, CRLF between lines, none after the last. */
    private static String base64(byte[] data, int columns) {
        return Base64.getMimeEncoder(columns, bytes(CRLF)).encodeToString(data);
    }

    private static byte[] decode(String body, String encoding) throws Exception {
        try (InputStream in = MimeUtility.decode(new ByteArrayInputStream(bytes(body)), encoding)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            int read;
            while ((read = in.read(buffer, 0, buffer.length)) >= 0) {
                out.write(buffer, 0, read);
            }
            return out.toByteArray();
        }
    }

    /** A multipart/mixed signed content: a 7bit text part, then an attachment with {@code encoding} and {@code body}. */
    private static String mixed(String encoding, String body) {
        return "Content-Type: multipart/mixed; boundary=m\r\n"
            + "\r\n"
            + "--m\r\n"
            + "Content-Type: text/plain; charset=us-ascii\r\n"
            + "\r\n"
            + "Your invoice is attached.\r\n"
            + "--m\r\n"
            + "Content-Type: application/pdf; name=\"invoice.pdf\"\r\n"
            + "Content-Transfer-Encoding: " + encoding + "\r\n"
            + "\r\n"
            + body + "\r\n"
            + "--m--\r\n";
    }

    @Test
    void simulatorShouldRewrapBase64At76ColumnsWithJavamail() throws Exception {
        byte[] data = TestMessages.randomBytes(300, 1); // 5 full lines of 57 bytes and 15 bytes more
        String message = signed(mixed("base64", base64(data, 64)));

        String relayed = apply(Transformation.BASE64_REENCODED_JAVAMAIL, message);

        // javax.mail's encoder, closed, ends every line, the last one too, with CRLF
        assertThat(relayed).isEqualTo(signed(mixed("base64", base64(data, 76) + CRLF)));
    }

    @Test
    void simulatorShouldEndJavamailBase64WithALineBreakAfterAFullLineToo() {
        byte[] data = TestMessages.randomBytes(171, 2); // exactly 3 lines of 57 bytes
        String message = signed(mixed("base64", base64(data, 64)));

        String relayed = apply(Transformation.BASE64_REENCODED_JAVAMAIL, message);

        assertThat(relayed).isEqualTo(signed(mixed("base64", base64(data, 76) + CRLF)));
    }

    @Test
    void simulatorShouldRewrapBase64At76ColumnsWithPython() {
        byte[] data = TestMessages.randomBytes(300, 1);
        String message = signed(mixed("base64", base64(data, 64)));

        String relayed = apply(Transformation.BASE64_REENCODED_PYTHON, message);

        // Python's body_encode ends every line, the last one too, with a line break (made CRLF)
        assertThat(relayed).isEqualTo(signed(mixed("base64", base64(data, 76) + CRLF)));
    }

    @Test
    void simulatorShouldLeaveBase64InTheEncodersOwnShapeAsItIs() {
        byte[] data = TestMessages.randomBytes(300, 3);
        String javamailShape = signed(mixed("base64", base64(data, 76) + CRLF));
        String pythonShape = signed(mixed("base64", base64(data, 76) + CRLF));

        assertThat(apply(Transformation.BASE64_REENCODED_JAVAMAIL, javamailShape)).isEqualTo(javamailShape);
        assertThat(apply(Transformation.BASE64_REENCODED_PYTHON, pythonShape)).isEqualTo(pythonShape);
    }

    @Test
    void simulatorShouldReencodeQuotedPrintableAsJavamailAndPythonEachDo() {
        // decoded: "café<TAB>au lait = ok" CRLF "trailing space " (no final line break)
        String body = "caf=E9\tau lait =3D ok\r\ntrailing space=20";
        String message = signed(mixed("quoted-printable", body));

        // javax.mail encodes the tab, Python keeps it; both encode the space at the end of the data
        assertThat(apply(Transformation.QP_REENCODED_JAVAMAIL, message))
            .isEqualTo(signed(mixed("quoted-printable", "caf=E9=09au lait =3D ok\r\ntrailing space=20")));
        assertThat(apply(Transformation.QP_REENCODED_PYTHON, message))
            .isEqualTo(signed(mixed("quoted-printable", "caf=E9\tau lait =3D ok\r\ntrailing space=20")));
    }

    @Test
    void simulatorShouldRewrapQuotedPrintableAt76Columns() throws Exception {
        // one decoded line of 150 octets, soft-broken at 40 columns
        StringBuilder body = new StringBuilder();
        String line = "x".repeat(150);
        for (int i = 0; i < line.length(); i += 39) {
            body.append(line, i, Math.min(line.length(), i + 39)).append(i + 39 < line.length() ? "=\r\n" : "");
        }
        String message = signed(mixed("quoted-printable", body + "\r\n"));

        for (Transformation t : List.of(Transformation.QP_REENCODED_JAVAMAIL, Transformation.QP_REENCODED_PYTHON)) {
            String relayed = apply(t, message);
            String start = "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
            String relayedBody = relayed.substring(relayed.indexOf(start) + start.length(), relayed.indexOf("\r\n--m--"));
            assertThat(relayedBody.split(CRLF)).as(t.toString()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(76));
            assertThat(relayedBody.split(CRLF)[0]).as(t.toString()).hasSizeGreaterThan(70);
            assertThat(text(decode(relayedBody, "quoted-printable"))).as(t.toString()).isEqualTo(line + CRLF);
            String before = mixed("quoted-printable", "BODY");
            assertThat(relayed).as(t.toString()).startsWith(OUTER + before.substring(0, before.indexOf("BODY")))
                .endsWith("\r\n--m--\r\n" + SIGNATURE_PART);
        }
    }

    @Test
    void simulatorShouldReencodeOnlyLeavesOfThatEncoding() {
        byte[] data = TestMessages.randomBytes(100, 4);
        String base64Part = base64(data, 64);
        String content = "Content-Type: multipart/mixed; boundary=m\r\n"
            + "\r\n"
            + "--m\r\n"
            + "Content-Type: text/plain; charset=iso-8859-1\r\n"
            + "Content-Transfer-Encoding: quoted-printable\r\n"
            + "\r\n"
            + "tab\there\r\n"
            + "--m\r\n"
            + "Content-Type: text/plain\r\n"
            + "\r\n"
            + "QUFBQUFB is not base64 here: the part is 7bit\r\n"
            + "--m\r\n"
            + "Content-Type: message/rfc822\r\n"
            + "\r\n"
            + "Subject: attached\r\n"
            + "Content-Type: application/octet-stream\r\n"
            + "Content-Transfer-Encoding: base64\r\n"
            + "\r\n"
            + base64Part + "\r\n"
            + "--m--\r\n";
        String message = signed(content);

        // the base64 leaf inside the attached message is re-encoded, the QP and 7bit leaves are not
        assertThat(apply(Transformation.BASE64_REENCODED_JAVAMAIL, message))
            .isEqualTo(message.replace(base64Part, base64(data, 76) + CRLF));
        // only the QP leaf changes (javax.mail encodes the tab)
        assertThat(apply(Transformation.QP_REENCODED_JAVAMAIL, message))
            .isEqualTo(message.replace("tab\there", "tab=09here"));
    }

    @Test
    void simulatorShouldTreatAnEncodedAttachedMessageAsOneLeaf() {
        String embedded = "Subject: attached\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64(bytes("inner"), 76) + "\r\n";
        String encodedEmbedded = base64(bytes(embedded), 64);
        String content = "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encodedEmbedded;

        String relayed = apply(Transformation.BASE64_REENCODED_JAVAMAIL, signed(content));

        assertThat(relayed).isEqualTo(signed("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + base64(bytes(embedded), 76) + CRLF));
    }

    @Test
    void simulatorShouldBreakBodyLinesAt78ButNotHeaderLines() {
        String longHeader = "X-Long: " + "h".repeat(100);
        String content = "Content-Type: multipart/mixed; boundary=m\r\n"
            + "\r\n"
            + "preamble " + "p".repeat(80) + "\r\n"
            + "--m\r\n"
            + "Content-Type: text/plain\r\n"
            + longHeader + "\r\n"
            + "\r\n"
            + "a".repeat(78) + "\r\n"
            + "b".repeat(200) + "\r\n"
            + "c".repeat(100) + "\n"
            + "--m\r\n"
            + "Content-Type: message/rfc822\r\n"
            + "\r\n"
            + "Subject: " + "s".repeat(90) + "\r\n"
            + "\r\n"
            + "d".repeat(79) + "\r\n"
            + "--m--\r\n";
        String message = "X-Outer: " + "o".repeat(90) + "\r\n" + signed(content);

        String relayed = apply(Transformation.LINES_BROKEN_AT_78, message);

        String expected = message
            .replace("preamble " + "p".repeat(80) + "\r\n", "preamble " + "p".repeat(69) + "\r\n" + "p".repeat(11) + "\r\n")
            .replace("b".repeat(200), "b".repeat(78) + "\r\n" + "b".repeat(78) + "\r\n" + "b".repeat(44))
            .replace("c".repeat(100) + "\n", "c".repeat(78) + "\r\n" + "c".repeat(22) + "\n")
            .replace("d".repeat(79), "d".repeat(78) + "\r\n" + "d");
        assertThat(relayed).isEqualTo(expected);
        assertThat(relayed).contains("X-Outer: " + "o".repeat(90) + "\r\n", longHeader + "\r\n",
            "Subject: " + "s".repeat(90) + "\r\n", "a".repeat(78) + "\r\n");
    }

    @Test
    void simulatorShouldBreakLinesAt998FoldingHeaderLines() {
        String longHeader = "X-Long: " + "h".repeat(2100 - 8);
        String content = "Content-Type: text/plain\r\n"
            + longHeader + "\r\n"
            + "\r\n"
            + "a".repeat(998) + "\r\n"
            + "b".repeat(2000) + "\r\n"
            + "short\r\n";
        String outerLong = "X-Outer: " + "o".repeat(1000);
        String message = outerLong + "\r\n" + signed(content);

        String relayed = apply(Transformation.LINES_BROKEN_AT_998, message);

        String expected = message
            .replace(longHeader, longHeader.substring(0, 998) + "\r\n " + longHeader.substring(998, 998 + 997) + "\r\n "
                + longHeader.substring(998 + 997))
            .replace(outerLong, outerLong.substring(0, 998) + "\r\n " + outerLong.substring(998))
            .replace("b".repeat(2000), "b".repeat(998) + "\r\n" + "b".repeat(998) + "\r\n" + "b".repeat(4));
        assertThat(relayed).isEqualTo(expected);
        for (String line : relayed.split(CRLF)) {
            assertThat(line.length()).isLessThanOrEqualTo(998);
        }
        assertThat(relayed).contains("\r\n" + "a".repeat(998) + "\r\n");
    }

    @Test
    void simulatorShouldStripTrailingWhiteSpaceOfEveryLine() {
        String message = "Subject: hello \t\r\n"
            + "X-Folded: one\r\n"
            + "\ttwo  \r\n"
            + "\r\n"
            + "text with  inner  spaces \r\n"
            + " \t \r\n"
            + "unix line \n"
            + "no line break at the end\t ";

        String relayed = apply(Transformation.TRAILING_WHITE_SPACE_STRIPPED, message);

        assertThat(relayed).isEqualTo("Subject: hello\r\n"
            + "X-Folded: one\r\n"
            + "\ttwo\r\n"
            + "\r\n"
            + "text with  inner  spaces\r\n"
            + "\r\n"
            + "unix line\n"
            + "no line break at the end");
    }

    @Test
    void simulatorShouldLeaveMessagesWithoutTrailingWhiteSpaceAsTheyAre() {
        String message = signed(mixed("base64", base64(TestMessages.randomBytes(300, 5), 76)));

        for (Transformation t : List.of(Transformation.TRAILING_WHITE_SPACE_STRIPPED, Transformation.LINES_BROKEN_AT_78,
            Transformation.LINES_BROKEN_AT_998, Transformation.PART_HEADERS_REFOLDED)) {
            assertThat(apply(t, message)).as(t.toString()).isEqualTo(message);
        }
    }

    @Test
    void simulatorShouldTurnEveryCrlfIntoLf() {
        String message = signed("Content-Type: text/plain\r\n\r\nbare\rCR stays\r\nlast line\r\n");

        String relayed = apply(Transformation.CRLF_TO_LF, message);

        assertThat(relayed).isEqualTo(message.replace(CRLF, "\n")).doesNotContain(CRLF).contains("bare\rCR stays\n");
        assertThat(RelaySimulator.signedPart(bytes(relayed))).isEqualTo(RelaySimulator.signedPart(bytes(message)));
    }

    @Test
    void simulatorShouldRefoldOnlyLongHeaderFieldsInsideTheSignedContent() {
        String content = "Content-Type: multipart/mixed; boundary=m\r\n"
            + "\r\n"
            + "--m\r\n"
            + "Content-Type: application/pdf; name=\"a-rather-long-file-name-for-the-invoice-of-the-month.pdf\"; x-extra=\"yes\"\r\n"
            + "Content-Disposition: attachment;\r\n"
            + "\tfilename=\"x.pdf\"\r\n"
            + "X-Folded: short\r\n"
            + " " + "word ".repeat(18) + "end\r\n"
            + "Content-Transfer-Encoding: base64\r\n"
            + "\r\n"
            + "AAAA\r\n"
            + "--m\r\n"
            + "Content-Type: message/rfc822\r\n"
            + "\r\n"
            + "Subject: " + "a subject that goes on ".repeat(5).trim() + "\r\n"
            + "\r\n"
            + "body " + "b".repeat(90) + " end\r\n"
            + "--m--\r\n";
        String outerLong = "X-Outer: " + "o ".repeat(50);
        String message = outerLong + "\r\n" + signed(content).replace("name=\"smime.p7s\"", "name=\"" + "p ".repeat(40) + "\"");

        String relayed = apply(Transformation.PART_HEADERS_REFOLDED, message);

        String expected = message
            .replace("Content-Type: application/pdf; name=\"a-rather-long-file-name-for-the-invoice-of-the-month.pdf\"; x-extra=\"yes\"",
                "Content-Type: application/pdf;\r\n name=\"a-rather-long-file-name-for-the-invoice-of-the-month.pdf\";\r\n x-extra=\"yes\"")
            .replace("X-Folded: short\r\n " + "word ".repeat(18) + "end",
                "X-Folded: short" + " word".repeat(12) + "\r\n" + " word".repeat(6) + " end")
            .replace("Subject: " + "a subject that goes on ".repeat(5).trim(),
                "Subject: " + "a subject that goes on ".repeat(3).trim() + "\r\n " + "a subject that goes on ".repeat(2).trim());
        assertThat(relayed).isEqualTo(expected);
        // short fields stay folded as they were; the outer header, the signature part and body lines are not touched
        assertThat(relayed).contains("Content-Disposition: attachment;\r\n\tfilename=\"x.pdf\"\r\n", outerLong + "\r\n",
            "name=\"" + "p ".repeat(40) + "\"", "body " + "b".repeat(90) + " end\r\n");
    }

    @Test
    void simulatorShouldKeepAWordLongerThanALineWholeWhenRefolding() {
        String token = "t".repeat(100);
        String message = signed("Content-Type: text/plain\r\nX-Token: " + token + " tail\r\n\r\nbody\r\n");

        String relayed = apply(Transformation.PART_HEADERS_REFOLDED, message);

        assertThat(relayed).isEqualTo(signed("Content-Type: text/plain\r\nX-Token:\r\n " + token + "\r\n tail\r\n\r\nbody\r\n"));
    }

    @Test
    void signedPartShouldBeTheBytesBetweenTheFirstTwoDelimiterLines() {
        String content = "Content-Type: text/plain\r\n\r\nline one\r\n\r\n";
        byte[] message = bytes(signed(content));

        assertThat(text(RelaySimulator.signedPart(message))).isEqualTo(content);
        // line breaks normalised to CRLF; a bare CR stays
        assertThat(text(RelaySimulator.signedPart(bytes(signed(content + "a\rb").replace(CRLF, "\n")))))
            .isEqualTo(content + "a\rb");
    }

    @Test
    void signedPartShouldRefuseAMessageThatIsNotMultipartSigned() {
        assertThatThrownBy(() -> RelaySimulator.signedPart(bytes("Content-Type: text/plain\r\n\r\nhello\r\n")))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RelaySimulator.signedPart(bytes("Content-Type: multipart/signed; boundary=s\r\n\r\nno parts\r\n")))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void simulatorShouldFindDelimitersOnlyOnWholeLines() {
        String content = "Content-Type: multipart/mixed; boundary=m\r\n"
            + "\r\n"
            + "--m \t\r\n" // transport padding after a delimiter
            + "Content-Type: text/plain\r\n"
            + "Content-Transfer-Encoding: quoted-printable\r\n"
            + "\r\n"
            + "--mx is not a delimiter, nor is text --m\r\n"
            + "tab\there\r\n"
            + "--m--\r\n"
            + "epilogue\ttab\r\n";
        String message = signed(content);

        // the part runs to the close delimiter: its lines are re-encoded, the epilogue is not
        assertThat(apply(Transformation.QP_REENCODED_JAVAMAIL, message))
            .isEqualTo(message.replace("tab\there", "tab=09here"));
    }

    @Test
    void simulatorShouldGiveTheSameResultInABatchAsForEachMessage() {
        Map<String, byte[]> messages = new LinkedHashMap<>();
        messages.put("b", bytes(signed(mixed("base64", base64(TestMessages.randomBytes(300, 1), 64)))));
        messages.put("a", bytes(signed(mixed("quoted-printable", "caf=E9\tau lait"))));
        messages.put("plain", bytes(signed("Content-Type: text/plain\r\n\r\nhello  \r\n")));
        messages.put("empty", new byte[0]);

        for (Transformation t : Transformation.values()) {
            Map<String, byte[]> batch = RelaySimulator.apply(t, messages);
            assertThat(batch.keySet()).as(t.toString()).containsExactly("b", "a", "plain", "empty");
            messages.forEach((key, message) ->
                assertThat(batch.get(key)).as(t + " " + key).isEqualTo(RelaySimulator.apply(t, message)));
        }
    }

    @Test
    void simulatorShouldNotThrowOnMessagesThatAreNotWellFormed() {
        Map<String, byte[]> messages = new LinkedHashMap<>();
        messages.put("empty", new byte[0]);
        messages.put("only a line break", bytes("\r\n"));
        messages.put("no body", bytes("Subject: no empty line"));
        messages.put("no boundary parameter", bytes("Content-Type: multipart/mixed\r\n\r\n--x\r\nhello\r\n"));
        messages.put("empty boundary", bytes("Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\nhello\r\n"));
        messages.put("boundary never found", bytes("Content-Type: multipart/mixed; boundary=x\r\n\r\nhello\r\n"));
        messages.put("no close delimiter", bytes("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n!!!* not base64 *!!!\r\n--x\r\n"));
        messages.put("unparseable type", bytes("Content-Type: ;;;\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n"));
        messages.put("continuation first", bytes(" folded: first\r\nContent-Type: text/plain\r\n\r\nx"));
        messages.put("bare CRs", bytes("Subject: a\rb\r\r\n\r\r\nbody\r"));
        messages.put("bad quoted-printable", bytes("Content-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=\r\n=4"));
        messages.put("signed without parts", bytes("Content-Type: multipart/signed; boundary=s\r\n\r\n--s--\r\n"));
        messages.put("random bytes", TestMessages.randomBytes(5000, 6));
        StringBuilder nested = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            nested.append("Content-Type: message/rfc822\r\n\r\n");
        }
        messages.put("500 nested messages", bytes(nested + "body\r\n"));
        StringBuilder multiparts = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            multiparts.append("Content-Type: multipart/mixed; boundary=b").append(i).append("\r\n\r\n--b").append(i).append("\r\n");
        }
        messages.put("500 nested multiparts", bytes(multiparts + "\r\nbody\r\n"));
        byte[] sample = bytes(signed(mixed("base64", base64(TestMessages.randomBytes(300, 1), 64))));
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 200; i++) {
            messages.put("mutated " + i, MimeMutator.mutate(sample, random).bytes);
        }

        for (Transformation t : Transformation.values()) {
            Map<String, byte[]> relayed = RelaySimulator.apply(t, messages);
            assertThat(relayed).as(t.toString()).containsOnlyKeys(messages.keySet());
        }
        assertThat(RelaySimulator.apply(Transformation.LINES_BROKEN_AT_78, messages.get("no body")))
            .isEqualTo(messages.get("no body"));
    }

    @Test
    void simulatorShouldTransformA25MegabyteMessageInReasonableTime() throws Exception {
        byte[] data = TestMessages.randomBytes(18 * 1024 * 1024, 8);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            text.append("line ").append(i).append(" caf=E9, long enough to be broken by a relay that breaks lines at 78 ")
                .append("octets=20\r\n");
        }
        String content = "Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\n"
            + "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + text
            + "\r\n--m\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64(data, 64)
            + "\r\n--m--\r\n";
        byte[] message = bytes(signed(content));
        assertThat(message.length).isGreaterThan(25_000_000);

        List<String> slow = new ArrayList<>();
        for (Transformation t : Transformation.values()) {
            long start = System.nanoTime();
            byte[] relayed = RelaySimulator.apply(t, message);
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (millis > 20_000) {
                slow.add(t + " took " + millis + " ms");
            }
            if (t == Transformation.BASE64_REENCODED_PYTHON) {
                String relayedText = text(relayed);
                String start64 = "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n";
                int from = relayedText.indexOf(start64) + start64.length();
                assertThat(decode(relayedText.substring(from, relayedText.indexOf("\r\n--m--", from)), "base64")).isEqualTo(data);
            }
        }
        assertThat(slow).isEmpty();
    }

    @Test
    void checkAllShouldVerifyTheMessagesARelayChangedAndReportThoseItBroke() throws Exception {
        Instant now = Instant.now();
        TestPki pki = TestPki.create(now);
        TestPki.Issued issued = pki.sender("billing@shop.example").issue();
        // base64 at 64 columns: every re-encoding relay changes it; a part header over 78 octets: refolding changes it
        String changing = mixed("base64", base64(TestMessages.randomBytes(300, 9), 64))
            .replace("name=\"invoice.pdf\"", "name=\"" + "invoice-".repeat(10) + ".pdf\"");
        String untouched = "Content-Type: text/plain; charset=us-ascii\r\n\r\nNothing a relay changes.\r\n";
        Map<String, byte[]> messages = new LinkedHashMap<>();
        messages.put("changing", signedByHand(changing, issued, now));
        messages.put("untouched", signedByHand(untouched, issued, now));

        RelaySimulator.Outcome outcome = RelaySimulator.checkAll(messages, pki.root(), now);

        assertThat(outcome.failures).hasSize(3)
            .anySatisfy(f -> assertThat(f).startsWith("changing after BASE64_REENCODED_JAVAMAIL: openssl FAILED"))
            .anySatisfy(f -> assertThat(f).startsWith("changing after BASE64_REENCODED_PYTHON: openssl FAILED"))
            .anySatisfy(f -> assertThat(f).startsWith("changing after PART_HEADERS_REFOLDED: openssl FAILED"))
            .allSatisfy(f -> assertThat(f).contains("BouncyCastle FAILED"));
        for (Transformation t : Transformation.values()) {
            boolean breaks = t == Transformation.BASE64_REENCODED_JAVAMAIL || t == Transformation.BASE64_REENCODED_PYTHON
                || t == Transformation.PART_HEADERS_REFOLDED;
            assertThat(outcome.identical(t)).as(t.toString()).isEqualTo(breaks ? 1 : 2);
            assertThat(outcome.changedButVerified(t)).as(t.toString()).isZero();
            assertThat(outcome.failed(t)).as(t.toString()).isEqualTo(breaks ? 1 : 0);
        }
        assertThat(outcome.summary()).contains("2 signed messages", "BASE64_REENCODED_JAVAMAIL", "1 failed");
    }

    /** A multipart/signed whose detached signature covers {@code content} exactly as given. */
    private static byte[] signedByHand(String content, TestPki.Issued issued, Instant now) throws Exception {
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new JcaSimpleSignerInfoGeneratorBuilder()
            .build("SHA256withRSA", issued.privateKey(), issued.certificate()));
        generator.addCertificates(new JcaCertStore(issued.chain()));
        byte[] cms = generator.generate(new CMSProcessableByteArray(bytes(content)), false).getEncoded();
        String date = "Date: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(now, ZoneOffset.UTC)) + "\r\n";
        return bytes(date + OUTER + content + "\r\n--s\r\n"
            + "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
            + "Content-Transfer-Encoding: base64\r\n"
            + "\r\n"
            + base64(cms, 76) + "\r\n"
            + "--s--\r\n");
    }
}
