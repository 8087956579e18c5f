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
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import javax.mail.internet.MimeUtility;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.jamessmime.testing.ChunkedInputStream;

/**
 * The quoted-printable encoder of re-encoded text leaves: the same bytes whatever the read size, lines canonical
 * (at most 76 characters, no trailing white space, no leading {@code From }, 7-bit), and javax.mail decodes it back
 * to the input with its line breaks as CRLF.
 */
class QuotedPrintableTest {
    static final int[] READ_SIZES = {1, 2, 3, 75, 76, 77, 8191, 8192, 65536};

    static byte[] encode(byte[] input, int readSize) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        QuotedPrintable.encodeText(new ChunkedInputStream(new ByteArrayInputStream(input), readSize), out);
        return out.toByteArray();
    }

    static byte[] decode(byte[] encoded) throws Exception {
        try (InputStream in = MimeUtility.decode(new ByteArrayInputStream(encoded), "quoted-printable")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            int read;
            // not readAllBytes: javax.mail's decoder answers a read of 0 bytes with -1
            while ((read = in.read(buffer, 0, buffer.length)) >= 0) {
                out.write(buffer, 0, read);
            }
            return out.toByteArray();
        }
    }

    /** The input with every CRLF, bare CR and bare LF as CRLF: what the encoding stands for. */
    static byte[] canonicalLineEnds(byte[] input) {
        String text = new String(input, StandardCharsets.ISO_8859_1).replace("\r\n", "\n").replace('\r', '\n').replace("\n", "\r\n");
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String ascii(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** Checks one input at every read size; gives the encoding. */
    static String assertEncodesCanonically(byte[] input) throws Exception {
        byte[] expected = encode(input, 65536);
        for (int readSize : READ_SIZES) {
            assertThat(encode(input, readSize)).as("read size %d", readSize).isEqualTo(expected);
        }
        assertCanonical(expected);
        assertThat(ascii(decode(expected))).isEqualTo(ascii(canonicalLineEnds(input)));
        return ascii(expected);
    }

    static void assertCanonical(byte[] encoded) {
        String text = ascii(encoded);
        for (int i = 0; i < encoded.length; i++) {
            int b = encoded[i] & 0xFF;
            assertThat(b == '\r' || b == '\n' || b == '\t' || (b >= 32 && b <= 126)).as("byte 0x%02X at %d", b, i).isTrue();
            if (b == '\r') {
                assertThat(i + 1 < encoded.length && encoded[i + 1] == '\n').as("CR at %d not followed by LF", i).isTrue();
            }
            if (b == '\n') {
                assertThat(i > 0 && encoded[i - 1] == '\r').as("LF at %d not after CR", i).isTrue();
            }
        }
        for (String line : text.split("\r\n", -1)) {
            assertThat(line.length()).as("line '%s'", line).isLessThanOrEqualTo(76);
            assertThat(line).doesNotStartWith("From ").doesNotEndWith(" ").doesNotEndWith("\t");
            assertThat(line.replaceAll("=[0-9A-F]{2}", "").replaceAll("=$", "")).as("line '%s'", line).doesNotContain("=");
        }
    }

    @Test
    void encoderShouldSoftWrapLongLinesAtSeventySixCharacters() throws Exception {
        String encoded = assertEncodesCanonically("a".repeat(300).getBytes(StandardCharsets.US_ASCII));

        assertThat(encoded.split("\r\n")[0]).hasSize(76).endsWith("=");
    }

    @Test
    void encoderShouldNotSplitAnEscapeAcrossASoftBreak() throws Exception {
        for (int prefix = 60; prefix < 80; prefix++) {
            String encoded = assertEncodesCanonically(("x".repeat(prefix) + "=\u00fc=end").getBytes(StandardCharsets.ISO_8859_1));

            assertThat(encoded).doesNotContainPattern("=[0-9A-F]?=\r\n");
        }
    }

    @Test
    void encoderShouldEscapeEqualsSign() throws Exception {
        assertThat(assertEncodesCanonically("a=b\r\n=3D".getBytes(StandardCharsets.US_ASCII))).isEqualTo("a=3Db\r\n=3D3D");
    }

    @Test
    void encoderShouldEscapeTrailingSpaceAndTab() throws Exception {
        assertThat(assertEncodesCanonically("end \r\ntab\t\nlast ".getBytes(StandardCharsets.US_ASCII)))
            .isEqualTo("end=20\r\ntab=09\r\nlast=20");
    }

    @Test
    void encoderShouldEscapeLeadingFrom() throws Exception {
        String encoded = assertEncodesCanonically("From here\r\nFrom\r\nnot From here\r\n".getBytes(StandardCharsets.US_ASCII));

        assertThat(encoded).startsWith("=46rom here\r\n").contains("\r\nnot From here\r\n");
    }

    @Test
    void encoderShouldEscapeEightBitAndControlBytes() throws Exception {
        byte[] input = ("Gr\u00fc\u00dfe \u20ac").getBytes(StandardCharsets.UTF_8);

        assertThat(assertEncodesCanonically(input)).isEqualTo("Gr=C3=BC=C3=9Fe =E2=82=AC");
        assertThat(assertEncodesCanonically(new byte[] {0, 1, 27, 127, (byte) 0xFF, 'x'})).isEqualTo("=00=01=1B=7F=FFx");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 8191, 8192})
    void encoderShouldReadOneLineBreakFromACrLfSplitAcrossReads(int readSize) throws Exception {
        // the CR ends one read, its LF starts the next
        byte[] input = ("x".repeat(readSize - 1) + "\r\n" + "y\r\rz\n\nw").getBytes(StandardCharsets.US_ASCII);

        assertThat(ascii(encode(input, readSize))).isEqualTo(ascii(encode(input, 65536)))
            .isEqualTo("x".repeat(readSize - 1).replaceAll("(.{75})(?=.)", "$1=\r\n") + "\r\ny\r\n\r\nz\r\n\r\nw");
    }

    @Test
    void encoderShouldEscapeFromSplitAcrossReadsAndAtSoftBreaks() throws Exception {
        for (int offset = 0; offset < 8; offset++) {
            byte[] input = ("x".repeat(8192 - offset - 2) + "\r\nFrom the shop\r\n" + "y".repeat(75) + "From\r\n")
                .getBytes(StandardCharsets.US_ASCII);
            assertEncodesCanonically(input);
        }
    }

    @Test
    void encoderShouldEscapeTrailingWhiteSpaceAtAReadEdge() throws Exception {
        for (String blank : new String[] {" ", "\t", "  ", " \t"}) {
            byte[] input = ("x".repeat(8192 - blank.length()) + blank + "\r\nnext").getBytes(StandardCharsets.US_ASCII);
            assertThat(assertEncodesCanonically(input)).doesNotContain(" \r\n").doesNotContain("\t\r\n");
        }
    }

    @Test
    void encoderShouldKeepWhiteSpaceBeforeASoftBreak() throws Exception {
        for (int prefix = 70; prefix < 78; prefix++) {
            assertEncodesCanonically(("w".repeat(prefix) + "  \t word").getBytes(StandardCharsets.US_ASCII));
        }
    }

    @Test
    void encoderShouldGiveTheSameCanonicalBytesForRandomTextAtEveryReadSize() throws Exception {
        SplittableRandom random = new SplittableRandom(2045);
        String[] pieces = {"From ", "From", " ", "\t", "=", "\r\n", "\r", "\n", "\u00fc", "x", "word", ".", "-", "=20", "\u0000",
            "a".repeat(80), " \r\n", "\t\n"};
        List<String> failures = new ArrayList<>();
        for (int n = 0; n < 300; n++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(3) == 0 ? 20_000 + random.nextInt(60_000) : random.nextInt(400);
            while (text.length() < length) {
                text.append(pieces[random.nextInt(pieces.length)]);
            }
            byte[] input = text.toString().getBytes(random.nextBoolean() ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            try {
                assertEncodesCanonically(input);
            } catch (AssertionError e) {
                failures.add("input " + n + ": " + e.getMessage().lines().findFirst().orElse(""));
            }
        }
        assertThat(failures).isEmpty();
    }
}
