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

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.jamessmime.testing.ChunkedInputStream;
import io.github.jamessmime.testing.FailureReport;
import io.github.jamessmime.testing.MimeTreeGenerator;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.Verifiers;

/**
 * The canonical writer reads bodies in 64 KiB chunks: what it writes must not depend on where a read ends. Each
 * message is written from a body stream delivering 1 byte and 64 KiB per read; both must give the same bytes,
 * 7-bit canonical, with the leaves of the input.
 */
class CanonicalWriterTest {
    static final int CHUNK = 64 * 1024;
    static final String HEADERS = "From: billing@shop.example\r\nTo: customer@client.example\r\nSubject: Chunks\r\n"
        + "Date: Mon, 30 Nov 2026 06:00:00 +0000\r\nMessage-ID: <chunks.1@shop.example>\r\nMIME-Version: 1.0\r\n";

    /** A message whose body stream (raw and decoded) delivers at most {@code readSize} bytes per read. */
    static final class ChunkedMessage extends MimeMessage {
        private final int readSize;

        ChunkedMessage(byte[] raw, int readSize) throws MessagingException {
            super(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
            this.readSize = readSize;
        }

        @Override
        protected InputStream getContentStream() throws MessagingException {
            return new ChunkedInputStream(super.getContentStream(), readSize);
        }
    }

    /** The signed content the writer makes of {@code raw} when its body arrives {@code readSize} bytes per read. */
    static byte[] write(byte[] raw, int readSize) throws Exception {
        MimeMessage message = new ChunkedMessage(raw, readSize);
        MessageBuffer out = new MessageBuffer(raw.length + 1024);
        AtomicInteger boundaries = new AtomicInteger();
        new CanonicalWriter(out, message.getSize(), SmimeSigner.DEFAULT_MAX_DEPTH, () -> "=_test_" + boundaries.incrementAndGet())
            .writeContentOf(message, OuterHeaders.of(message).contentLines());
        return Arrays.copyOf(out.array(), out.size());
    }

    /** Writes {@code raw} at 1 byte and 64 KiB per read, checks both; gives the 64 KiB result. */
    static String assertSameCanonicalOutput(byte[] raw) throws Exception {
        byte[] large = write(raw, CHUNK);
        byte[] single = write(raw, 1);
        assertCanonical(large);
        assertThat(Verifiers.leaves(Verifiers.parse(large))).isEqualTo(Verifiers.leaves(Verifiers.parse(raw)));
        assertThat(ascii(single)).as("1-byte reads against 64 KiB reads, first difference at %d", firstDifference(single, large))
            .isEqualTo(ascii(large));
        return ascii(large);
    }

    static int firstDifference(byte[] a, byte[] b) {
        int i = 0;
        while (i < Math.min(a.length, b.length) && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    static void assertCanonical(byte[] content) {
        List<String[]> problems = SignedChecks.sevenBitProblems(content);
        assertThat(problems).extracting(p -> p[0] + " " + p[1]).isEmpty();
        for (String line : ascii(content).split("\r\n")) {
            assertThat(line).doesNotStartWith("From ").doesNotEndWith(" ").doesNotEndWith("\t");
        }
    }

    static String ascii(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    static byte[] latin1(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A 7bit text/plain message whose body has {@code feature} starting {@code before} bytes before each 64 KiB edge. */
    static byte[] textAcrossEdges(String contentType, String encoding, String feature, int before) {
        StringBuilder body = new StringBuilder();
        for (int edge = CHUNK; edge <= 3 * CHUNK; edge += CHUNK) {
            // filler lines short enough that only the feature can break a line rule
            while (body.length() < edge - before - 40) {
                body.append("0123456789 abcdefghij\r\n");
            }
            while (body.length() < edge - before - 2) {
                body.append('y');
            }
            body.append("\r\n").append(feature);
        }
        body.append("\r\nlast line\r\n");
        return latin1(HEADERS + "Content-Type: " + contentType + "\r\nContent-Transfer-Encoding: " + encoding + "\r\n\r\n" + body);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void crAtTheEndOfAChunkShouldGiveOneLineBreak(int lfOffset) throws Exception {
        // the CR is the last byte of a 64 KiB read, its LF the first of the next (or a bare CR there)
        // (a bare CR is made CRLF, which changes the bytes of a non-text leaf: that one is text)
        byte[] raw = lfOffset == 2 ? textAcrossEdges("text/plain", "7bit", "ab\rcd\r\n", 3)
            : textAcrossEdges("application/x-report", "7bit", "a\r\nbc", 2 + lfOffset);

        String written = assertSameCanonicalOutput(raw);

        assertThat(written).doesNotContain("\r\r").doesNotContain("\r\n\r\na\r\n");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void fromSplitAcrossChunksShouldBeReencoded(int before) throws Exception {
        byte[] raw = textAcrossEdges("text/plain; charset=us-ascii", "7bit", "From the warehouse\r\n", before);

        String written = assertSameCanonicalOutput(raw);

        // no quoted-printable escapes a leading From the way every encoder would write it again: base64
        assertThat(written).doesNotContain("\r\nFrom ").contains("Content-Transfer-Encoding: base64");
    }

    @ParameterizedTest
    @ValueSource(strings = {" ", "\t", "  ", " \t"})
    void trailingWhiteSpaceAtAChunkEdgeShouldBeReencoded(String blank) throws Exception {
        // the white space ends one read, the line break starts the next
        byte[] raw = textAcrossEdges("text/plain", "7bit", "word" + blank + "\r\n", 4 + blank.length());

        String written = assertSameCanonicalOutput(raw);

        assertThat(written).doesNotContain(" \r\n").doesNotContain("\t\r\n").contains("word");
    }

    @ParameterizedTest
    @ValueSource(ints = {75, 76, 77, 998, 999})
    void lineOfMaximumLengthAcrossAChunkEdgeShouldBeKeptOrReencoded(int length) throws Exception {
        byte[] raw = textAcrossEdges("text/plain", "7bit", "z".repeat(length) + "\r\n", length / 2);

        String written = assertSameCanonicalOutput(raw);

        assertThat(written.contains("Content-Transfer-Encoding: quoted-printable")).isEqualTo(length > 76);
    }

    @Test
    void lineStartingWithFButNotFromShouldNotDependOnTheReadSize() throws Exception {
        // "Fr" at a read edge cannot be told from "From "; the output must still be the same for any read size
        byte[] raw = latin1(HEADERS + "Content-Type: text/plain\r\n\r\nFriday delivery\r\nFrom\r\nF\r\nFro\r\n");

        assertSameCanonicalOutput(raw);
    }

    @Test
    void canonicalMultipartWithHeadersAcrossChunkEdgesShouldBeCopiedTheSameWay() throws Exception {
        StringBuilder body = new StringBuilder();
        int part = 0;
        for (int edge = CHUNK; edge <= 3 * CHUNK; edge += CHUNK) {
            // the next part's Content-Transfer-Encoding header starts 10 bytes before the edge
            String next = "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: 7bit\r\n\r\npart " + part++ + "\r\n";
            int target = edge - 10 - next.indexOf("Content-Transfer-Encoding") - 2;
            body.append("--b\r\nContent-Type: text/plain\r\n\r\n");
            while (body.length() < target - 40) {
                body.append("0123456789 abcdefghij\r\n");
            }
            while (body.length() < target) {
                body.append('q');
            }
            body.append("\r\n").append(next);
        }
        body.append("--b--\r\n");
        byte[] raw = latin1(HEADERS + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" + body);
        assertThat(body.indexOf("Content-Transfer-Encoding", CHUNK - 12)).isEqualTo(CHUNK - 10);

        String written = assertSameCanonicalOutput(raw);

        assertThat(written).startsWith("Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n");
    }

    @Test
    void eightBitTextShouldBeQuotedPrintableThatDecodesToTheInput() throws Exception {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            text.append(i % 7 == 0 ? "Von Gr\u00fc\u00dfe = 1 \r\n" : i % 5 == 0 ? "tab\t\n" : "K\u00e4se ist gut, sagt der Frosch.\r");
        }
        byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
        byte[] raw = TestMessages.concat(latin1(HEADERS + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"),
            body);

        String written = assertSameCanonicalOutput(raw);

        String encoded = written.substring(written.indexOf("\r\n\r\n") + 4);
        assertThat(written).contains("Content-Transfer-Encoding: quoted-printable");
        assertThat(ascii(QuotedPrintableFormTest.decode(latin1(encoded)))).isEqualTo(ascii(QuotedPrintableFormTest.canonicalLineEnds(body)));
        assertThat(encoded.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(76));
    }

    @Test
    void textThatNoQuotedPrintableKeepsShouldBeBase64ThatDecodesToTheInput() throws Exception {
        // a tab inside a line: javax.mail writes =09, Python's email a tab; a line starting with From
        for (String body : new String[] {"Artikel\tMenge\tPreis\r\n", "From the shop, with love\r\n"}) {
            byte[] raw = latin1(HEADERS + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body + "Gr\u00fc\u00dfe\r\n");

            String written = assertSameCanonicalOutput(raw);

            assertThat(written).contains("Content-Transfer-Encoding: base64");
        }
    }

    @Test
    void onlyTheLeafThatBreaksARuleShouldBeWrittenAnewTheRestCopied() throws Exception {
        String attachment = TestMessages.base64Lines(TestMessages.randomBytes(20_000, 7));
        String letter = "Dear customer, thank you for your order. This line is longer than seventy-six octets, as JavaMail "
            + "writes 7bit text.\r\n";
        byte[] raw = latin1(HEADERS + "Content-Type: multipart/mixed; boundary=\"keep-me\"\r\n\r\nA preamble.\r\n--keep-me\r\n"
            + "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" + letter
            + "--keep-me\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + attachment
            + "\r\n--keep-me--\r\n");

        String written = assertSameCanonicalOutput(raw);

        assertThat(written).startsWith("Content-Type: multipart/mixed; boundary=\"keep-me\"\r\n\r\nA preamble.\r\n--keep-me\r\n")
            .contains("Content-Transfer-Encoding: quoted-printable\r\n\r\nDear customer")
            .contains("Content-Transfer-Encoding: base64\r\n\r\n" + attachment + "\r\n--keep-me--\r\n");
    }

    @Test
    void binaryDataShouldNeverBeWrittenFromAConvertedCopy() throws Exception {
        // a bare LF in binary data is data: the multipart is written anew from the original bytes
        byte[] raw = TestMessages.concat(latin1(HEADERS + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
            + "Content-Type: text/plain\r\n\r\n" + "x".repeat(90) + "\r\n--b\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Transfer-Encoding: binary\r\n\r\n"), new byte[] {1, '\n', 2, '\r', 3, '\r', '\n', 4},
            latin1("\r\n--b--\r\n"));

        assertSameCanonicalOutput(raw);
    }

    @ParameterizedTest
    @ValueSource(ints = {60, 64, 72})
    void base64InOtherLinesShouldBeRewrappedAtSeventySix(int width) throws Exception {
        byte[] pdf = new byte[5000];
        new java.util.SplittableRandom(width).nextBytes(pdf);
        String base64 = java.util.Base64.getEncoder().encodeToString(pdf).replaceAll("(.{" + width + "})", "$1\r\n");
        byte[] raw = latin1(HEADERS + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
            + "Your invoice\r\n--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64
            + "\r\n--b--\r\n");

        String written = assertSameCanonicalOutput(raw);

        String body = written.substring(written.indexOf("base64\r\n\r\n") + 10, written.lastIndexOf("\r\n\r\n--"));
        assertThat(body.split("\r\n")).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(76));
        assertThat(body.split("\r\n")[0]).hasSize(76);
        assertThat(Base64Form.holds(latin1(body + "\r\n"), 0, body.length() + 2)).isTrue();
    }

    /** Read-size independence, 7-bit form and leaves (not the From/white-space rule) of {@code raw}, into {@code report}. */
    static void check(String id, byte[] raw, FailureReport report) throws Exception {
        byte[] large = write(raw, CHUNK);
        byte[] single = write(raw, 1);
        for (String[] problem : SignedChecks.sevenBitProblems(large)) {
            report.add(id, problem[0], problem[1]);
        }
        List<String> leaves = Verifiers.leaves(Verifiers.parse(large));
        String difference = MimeTreeGenerator.difference(Verifiers.leaves(Verifiers.parse(raw)), leaves);
        if (!difference.isEmpty()) {
            report.add(id, "written content decodes to other leaves", difference);
        }
        if (!Arrays.equals(single, large)) {
            int at = firstDifference(single, large);
            String lineOf64k = lineAt(large, at);
            report.add(id, "1-byte reads write other bytes than 64 KiB reads" + (lineOf64k.startsWith("F") ? " (64 KiB copy has a line starting"
                + " with F there)" : ""), "first difference at " + at + ", 64 KiB reads: '" + lineOf64k + "', 1-byte reads: '"
                + lineAt(single, at) + "'");
        }
    }

    /** The line holding {@code at}, up to 60 characters. */
    static String lineAt(byte[] bytes, int at) {
        int start = Math.min(at, bytes.length);
        while (start > 0 && bytes[start - 1] != '\n') {
            start--;
        }
        int end = start;
        while (end < bytes.length && end < start + 60 && bytes[end] != '\r' && bytes[end] != '\n') {
            end++;
        }
        return ascii(Arrays.copyOfRange(bytes, start, end));
    }

    @Test
    void knownShapesShouldBeWrittenTheSameForEveryReadSize() throws Exception {
        FailureReport report = new FailureReport("known shapes");
        for (Map.Entry<String, byte[]> shape : TestMessages.all("billing@shop.example").entrySet()) {
            check(shape.getKey(), shape.getValue(), report);
        }
        assertThat(report.isEmpty()).withFailMessage("%s", report.render()).isTrue();
    }

    @Test
    void generatedMessagesShouldBeWrittenTheSameForEveryReadSize() throws Exception {
        FailureReport report = new FailureReport("generated messages 0..59");
        for (long seed = 0; seed < 60; seed++) {
            MimeTreeGenerator.Generated generated = MimeTreeGenerator.generate(seed);
            check(generated.toString(), generated.bytes, report);
        }
        assertThat(report.isEmpty()).withFailMessage("%s", report.render()).isTrue();
    }

    @Test
    void noWrittenLineShouldStartWithFromOrEndInWhiteSpace() throws Exception {
        // mbox stores and some relays alter such lines in any body, not only in text ones (SmimeSignerTest asks the
        // same of the known shapes)
        FailureReport report = new FailureReport("generated messages 0..59");
        for (long seed = 0; seed < 60; seed++) {
            MimeTreeGenerator.Generated generated = MimeTreeGenerator.generate(seed);
            byte[] written = write(generated.bytes, CHUNK);
            Matcher matcher = RELAY_UNSAFE.matcher(ascii(written));
            if (matcher.find()) {
                report.add(generated.toString(), "a written line " + (matcher.group().startsWith("From ") ? "starts with 'From '"
                    : "ends in white space") + " in a " + partOf(written, matcher.start()), "'" + matcher.group().trim() + "'");
            }
        }
        assertThat(report.isEmpty()).withFailMessage("%s", report.render()).isTrue();
    }

    static final Pattern RELAY_UNSAFE = Pattern.compile("(?m)^From [^\r\n]*|[^\r\n]*[ \t](?=\r\n)");
    static final Pattern PART_HEADERS = Pattern.compile("(?i)Content-Type:\\s*([^;\\s]+)(?:[^\\r\\n]|\\r\\n[ \\t])*\\r\\n"
        + "(?:(?:[^\\r\\n]|\\r\\n[ \\t])*\\r\\n)*?(?:Content-Transfer-Encoding:\\s*(\\S+))?");

    /** The type and encoding of the last part header before {@code at}, roughly: "application/pdf body (7bit)". */
    static String partOf(byte[] written, int at) {
        String before = ascii(written).substring(0, at);
        int type = before.toLowerCase().lastIndexOf("content-type:");
        if (type < 0) {
            return "body";
        }
        String headers = before.substring(type, Math.max(type, before.indexOf("\r\n\r\n", type)));
        Matcher encoding = Pattern.compile("(?im)^Content-Transfer-Encoding:\\s*(\\S+)").matcher(headers);
        String name = headers.substring("content-type:".length()).trim().split("[;\\s]")[0].toLowerCase();
        return name + " body (" + (encoding.find() ? encoding.group(1).toLowerCase() : "7bit") + ")";
    }
}
