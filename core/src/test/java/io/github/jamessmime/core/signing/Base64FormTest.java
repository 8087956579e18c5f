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
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.SplittableRandom;

import javax.mail.internet.MimeUtility;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The relay-proof base64 form: lines of 76, the last shorter, each ending in CRLF. Bodies are given with
 * {@code [A*N]} for N characters and {@code |} for CRLF.
 */
class Base64FormTest {
    static byte[] body(String spec) {
        return QuotedPrintableFormTest.text(spec.replace("|", "\\r\\n"));
    }

    @ParameterizedTest(name = "{0}: holds {1}, clean {2}")
    @CsvSource({
        "'',                          true,  true",
        "QUJD|,                       true,  true",
        "[A*76]|QUI=|,                true,  true",
        "[A*76]|QQ==|,                true,  true",
        "[A*76]|[A*76]|,              true,  true",
        // other line lengths, blank lines, white space: clean, re-wrapped
        "[A*72]|[A*72]|,              false, true",
        "[A*60]|QUI=|,                false, true",
        "[A*76]|QUI=||,               false, true",
        "[A*76]|QUI=,                 false, true",
        "QU JD|,                      false, true",
        "[A*76]|QU|I=|,               false, true",
        // not clean: decoded and encoded again
        "QUJD!|,                      false, false",
        "QQ==QUJD|,                   false, false",
        "QUJ|,                        false, false",
        "QUI===|,                     false, false",
        "[A*76]=|,                    false, false",
        // pad bits not zero (QUJ= for QUI=): decoders ignore them, encoders write the other character
        "QUJ=|,                       false, false",
        "QUI=|,                       true,  true",
        "QR==|,                       false, false",
    })
    void formShouldBeLinesOfSeventySixEndingInCrLf(String spec, boolean holds, boolean clean) {
        byte[] bytes = body(spec);

        assertThat(Base64Form.holds(bytes, 0, bytes.length)).as("holds").isEqualTo(holds);
        assertThat(Base64Form.isClean(bytes, 0, bytes.length)).as("clean").isEqualTo(clean);
    }

    @Test
    void holdsBeforeFinalLineBreakShouldAcceptJavasMimeEncodingAndNothingElse() {
        SplittableRandom random = new SplittableRandom(4711);
        for (int size : new int[] {1, 2, 3, 56, 57, 58, 113, 114, 3000}) {
            byte[] javas = Base64.getMimeEncoder().encode(randomBytes(size, random));
            byte[] withLineBreak = new byte[javas.length + 2];
            System.arraycopy(javas, 0, withLineBreak, 0, javas.length);
            withLineBreak[javas.length] = '\r';
            withLineBreak[javas.length + 1] = '\n';

            assertThat(Base64Form.holdsBeforeFinalLineBreak(javas, 0, javas.length)).as("%d bytes", size).isTrue();
            assertThat(Base64Form.holds(withLineBreak, 0, withLineBreak.length)).as("%d bytes", size).isTrue();
            assertThat(Base64Form.holdsBeforeFinalLineBreak(withLineBreak, 0, withLineBreak.length)).as("%d bytes", size).isFalse();
            byte[] broken = javas.clone();
            broken[broken.length / 2] = '.';
            assertThat(Base64Form.holdsBeforeFinalLineBreak(broken, 0, broken.length)).as("%d bytes", size).isFalse();
        }
        byte[] lines72 = Base64.getMimeEncoder(72, new byte[] {'\r', '\n'}).encode(randomBytes(3000, random));
        assertThat(Base64Form.holdsBeforeFinalLineBreak(lines72, 0, lines72.length)).isFalse();
        // one full line and a CR that ends the array: nothing is read past it
        byte[] lineAndCr = java.util.Arrays.copyOf(Base64.getMimeEncoder().encode(randomBytes(57, random)), 77);
        lineAndCr[76] = '\r';
        assertThat(Base64Form.holdsBeforeFinalLineBreak(lineAndCr, 0, lineAndCr.length)).isFalse();
    }

    @Test
    void outsideAlphabetShouldFlagEveryByteThatIsNotABase64CharacterInEveryPosition() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int value = 0; value < 256; value++) {
            for (int position = 0; position < 8; position++) {
                long word = 0x4141414141414141L & ~(0xFFL << (8 * position)) | ((long) value << (8 * position));
                assertThat(Base64Form.outsideAlphabet(word) != 0)
                    .as("byte 0x%02x at %d", value, position)
                    .isEqualTo(alphabet.indexOf(value) < 0);
            }
        }
    }

    @Test
    void holdsShouldAgreeWithTheCharacterByCharacterDefinitionOnBrokenLines() {
        SplittableRandom random = new SplittableRandom(20261207);
        byte[] encoded = Base64.getMimeEncoder().encode(randomBytes(3000, random));
        byte[] body = new byte[encoded.length + 2];
        System.arraycopy(encoded, 0, body, 0, encoded.length);
        body[encoded.length] = '\r';
        body[encoded.length + 1] = '\n';
        assertThat(Base64Form.holds(body, 0, body.length)).isTrue();
        for (int round = 0; round < 5000; round++) {
            byte[] broken = body.clone();
            int at = random.nextInt(broken.length - 80);
            broken[at] = (byte) random.nextInt(256);
            boolean lineBreak = broken[at] == '\r' || broken[at] == '\n' || body[at] == '\r' || body[at] == '\n';
            boolean expected = lineBreak ? broken[at] == body[at]
                : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".indexOf(broken[at] & 0xFF) >= 0;
            assertThat(Base64Form.holds(broken, 0, broken.length)).as("byte 0x%02x at %d", broken[at] & 0xFF, at).isEqualTo(expected);
        }
    }

    private static byte[] randomBytes(int size, SplittableRandom random) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    @Test
    void rewrappedBodyShouldHoldAndDecodeToTheSameBytes() throws Exception {
        SplittableRandom random = new SplittableRandom(2045);
        for (int n = 0; n < 200; n++) {
            byte[] content = new byte[random.nextInt(3000)];
            random.nextBytes(content);
            int width = 4 * (1 + random.nextInt(25));
            String wrapped = Base64.getEncoder().encodeToString(content).replaceAll("(.{" + width + "})", "$1\r\n");
            byte[] body = (wrapped + (random.nextBoolean() ? "\r\n\r\n" : "")).getBytes(StandardCharsets.US_ASCII);
            assertThat(Base64Form.isClean(body, 0, body.length)).isTrue();

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Base64Form.rewrap(body, 0, body.length, out);

            byte[] rewrapped = out.toByteArray();
            assertThat(Base64Form.holds(rewrapped, 0, rewrapped.length)).isTrue();
            assertThat(decode(rewrapped)).isEqualTo(content);
            assertThat(rewrapped).isEqualTo(javaMail(content));
        }
    }

    @Test
    void encodedBodyShouldBeWhatJavaMailWrites() throws Exception {
        for (int length : new int[] {0, 1, 2, 3, 56, 57, 58, 114, 1000, 100_000}) {
            byte[] content = new byte[length];
            new SplittableRandom(length).nextBytes(content);
            ByteArrayOutputStream out = new ByteArrayOutputStream();

            Base64Form.encode(new ByteArrayInputStream(content), out);

            assertThat(out.toByteArray()).as("%d bytes", length).isEqualTo(javaMail(content));
            assertThat(Base64Form.holds(out.toByteArray(), 0, out.size())).isTrue();
        }
    }

    static byte[] javaMail(byte[] content) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream encoder = MimeUtility.encode(out, "base64")) {
            encoder.write(content);
        }
        return out.toByteArray();
    }

    static byte[] decode(byte[] body) throws Exception {
        return MimeUtility.decode(new ByteArrayInputStream(body), "base64").readAllBytes();
    }
}
