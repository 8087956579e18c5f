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
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import javax.mail.internet.MimeUtility;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The relay-proof quoted-printable form: javax.mail's encoding when encoders that allow 76 characters on a hard
 * line's last segment (Python's {@code email}) write the same, and no line starts with {@code From }. Each case
 * gives the text, then the form ({@code base64} when it has none); the differential test asks real Python.
 */
class QuotedPrintableFormTest {
    static byte[] decode(byte[] encoded) throws Exception {
        return QuotedPrintableForm.decode(encoded, 0, encoded.length);
    }

    /** The input with every CRLF, bare CR and bare LF as CRLF: what the encoding stands for. */
    static byte[] canonicalLineEnds(byte[] input) {
        String text = new String(input, StandardCharsets.ISO_8859_1).replace("\r\n", "\n").replace('\r', '\n').replace("\n", "\r\n");
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String ascii(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** Test text: {@code \\r}, {@code \\n}, {@code \\t} and {@code \\u00XX} escapes, {@code x*N} for N times x. */
    static byte[] text(String spec) {
        StringBuilder out = new StringBuilder();
        for (String piece : spec.split("(?=\\[)|(?<=\\])")) {
            if (piece.matches("\\[.\\*\\d+\\]")) {
                out.append(String.valueOf(piece.charAt(1)).repeat(Integer.parseInt(piece.substring(3, piece.length() - 1))));
            } else {
                out.append(piece.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t").replace("\\s", " "));
            }
        }
        return out.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // text | form (\r\n as |, escaped the same way) ; "base64" when there is none
        "plain line\\r\\n                   | plain line\\r\\n",
        "a=b\\r\\n=3D                         | a=3Db\\r\\n=3D3D",
        "end\\s\\r\\nlast\\s                  | end=20\\r\\nlast=20",
        "two\\s\\s\\r\\n                      | two =20\\r\\n",
        "Gr\u00fc\u00dfe                      | Gr=FC=DFe",
        "[x*75]\\r\\n                         | [x*75]\\r\\n",
        "[x*77]\\r\\n                         | [x*75]=\\r\\nxx\\r\\n",
        "[x*152]\\r\\n                        | [x*75]=\\r\\n[x*75]=\\r\\nxx\\r\\n",
        "[x*74]\u00fcend                       | [x*74]=\\r\\n=FCend",
        "[x*73]\u00fc\u00fc                   | [x*73]=\\r\\n=FC=FC",
        "[x*72]\\s\\r\\n                      | [x*72]=20\\r\\n",
        "tab at end\\t\\r\\n                  | tab at end=09\\r\\n",
        // encoders disagree: a hard line's last segment of 76, a tab inside a line, white space at 73-75
        "[x*76]\\r\\n                         | base64",
        "[x*151]\\r\\n                        | base64",
        "a\\tb                                | base64",
        "[x*73]\\s\\r\\n                      | base64",
        "[x*74]\\s\\r\\n                      | base64",
        // mbox stores rewrite a line starting with From, and no common encoder escapes it
        "From the shop\\r\\n                  | base64",
        "[x*75]From here                      | base64",
        "From                                 | From",
        "Friday                               | Friday",
    })
    void formShouldBeWhatBothEncodersWriteOrNone(String input, String expected) throws Exception {
        byte[] form = QuotedPrintableForm.encode(text(input));

        if (expected.equals("base64")) {
            assertThat(form).as("no relay-proof quoted-printable").isNull();
            return;
        }
        assertThat(ascii(form)).isEqualTo(ascii(text(expected)));
        assertThat(QuotedPrintableForm.holds(form, 0, form.length)).isTrue();
        assertThat(ascii(decode(form))).isEqualTo(ascii(canonicalLineEnds(text(input))));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // quoted-printable as other encoders write it, which a re-encoding relay would change
        "[x*71]=\\r\\n[x*6]\\r\\n             | soft breaks at 72",
        "caf=e9\\r\\n                         | lower-case hex",
        "=41BC\\r\\n                          | an escaped printable byte",
        "end =\\r\\n\\r\\n                    | a space kept before a soft break at the end",
        "[x*76]\\r\\n                         | a line of 76 javax.mail would break",
        "a=09b\\r\\n                          | a tab Python would write as it is",
    })
    void bodiesOtherEncodersWriteShouldNotHold(String body, String why) {
        byte[] bytes = text(body);

        assertThat(QuotedPrintableForm.holds(bytes, 0, bytes.length)).as(why).isFalse();
    }

    @Test
    void lineLimitedEncodingShouldBeWhatPythonsEmailPackageWrites() throws Exception {
        SplittableRandom random = new SplittableRandom(8551);
        String[] pieces = {" ", "\t", "=", "\r\n", "\r", "\n", "\u00fc", "x", "word", ".", "From ", "\u0000", "\u007f", "=20",
            "a".repeat(40), " \r\n", "\t\n", "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"};
        List<byte[]> inputs = new ArrayList<>();
        for (int n = 0; n < 3000; n++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(400);
            while (text.length() < length) {
                text.append(pieces[random.nextInt(pieces.length)]);
            }
            inputs.add(text.toString().getBytes(StandardCharsets.ISO_8859_1));
        }
        List<String> python = pythonQuotedPrintable(inputs);
        List<String> failures = new ArrayList<>();
        int stable = 0;
        for (int n = 0; n < inputs.size(); n++) {
            String expected = python.get(n);
            String ours = ascii(QuotedPrintableForm.lineLimited(inputs.get(n)));
            if (!ours.equals(expected)) {
                failures.add("input " + n + " '" + ascii(inputs.get(n)).replace("\r", "\\r").replace("\n", "\\n") + "': python '"
                    + expected.replace("\r", "\\r").replace("\n", "\\n") + "', ours '" + ours.replace("\r", "\\r").replace("\n", "\\n") + "'");
            }
            byte[] form = QuotedPrintableForm.encode(inputs.get(n));
            if (form != null) {
                stable++;
                // the form is what both re-encoders write for what a decoder reads from it
                assertThat(ascii(form)).isEqualTo(expected);
                assertThat(ascii(QuotedPrintableForm.javaMail(decode(form)))).isEqualTo(ascii(form));
            }
        }
        assertThat(failures).isEmpty();
        assertThat(stable).as("inputs with a relay-proof form").isBetween(inputs.size() / 10, inputs.size() - 1);
    }

    /** Python's {@code email.quoprimime.body_encode} of each input (latin-1 text), line breaks as CRLF. */
    static List<String> pythonQuotedPrintable(List<byte[]> inputs) throws Exception {
        Process process = new ProcessBuilder("python3", "-c", String.join("\n",
            "import sys, base64, email.quoprimime",
            "for line in sys.stdin:",
            "    data = base64.b64decode(line.strip()).decode('latin-1')",
            "    out = email.quoprimime.body_encode(data).replace('\\n', '\\r\\n')",
            "    print(base64.b64encode(out.encode('latin-1')).decode('ascii'))"))
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Thread writer = new Thread(() -> {
            try (var stdin = process.getOutputStream()) {
                for (byte[] input : inputs) {
                    stdin.write((Base64.getEncoder().encodeToString(input) + "\n").getBytes(StandardCharsets.US_ASCII));
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        List<String> results = new ArrayList<>();
        try (InputStream stdout = process.getInputStream()) {
            for (String line : new String(stdout.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                results.add(new String(Base64.getDecoder().decode(line.strip()), StandardCharsets.ISO_8859_1));
            }
        }
        writer.join();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(results).hasSize(inputs.size());
        return results;
    }

    @Test
    void decoderShouldBeJavaMails() throws Exception {
        byte[] encoded = "caf=C3=A9 =\r\nend\r\n".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (InputStream in = MimeUtility.decode(new ByteArrayInputStream(encoded), "quoted-printable")) {
            int b;
            while ((b = in.read()) >= 0) {
                expected.write(b);
            }
        }

        assertThat(decode(encoded)).isEqualTo(expected.toByteArray());
    }

    /** The one-pass encoder writes javax.mail's encoder's very bytes, for text of every shape that matters to it. */
    @Test
    void theOnePassEncoderShouldWriteExactlyWhatJavaMailsEncoderWrites() {
        java.util.Random random = new java.util.Random(27);
        byte[] alphabet = {'a', 'b', ' ', ' ', '\t', '=', '\r', '\n', (byte) 0xE9, (byte) 0x7F, 0x01, '.', 'F', 'r', 'o', 'm', '-'};
        for (int n = 0; n < 20_000; n++) {
            int length = random.nextInt(n % 10 == 0 ? 600 : 160);
            byte[] text = new byte[length];
            for (int i = 0; i < length; i++) {
                text[i] = random.nextInt(4) == 0 ? alphabet[random.nextInt(alphabet.length)] : (byte) ('a' + random.nextInt(26));
            }
            assertThat(QuotedPrintableForm.likeJavaMail(text)).as("text %d: %s", n, java.util.Arrays.toString(text))
                .isEqualTo(QuotedPrintableForm.javaMail(text));
        }
        for (int width = 60; width < 90; width++) {
            for (String end : new String[] {"", " ", "  ", "\t", "=", " \r\n", "\r", "\n", "\u00e9"}) {
                byte[] text = ("x".repeat(width) + end + "y".repeat(width % 7)).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                assertThat(QuotedPrintableForm.likeJavaMail(text)).as("%d + %s", width, end).isEqualTo(QuotedPrintableForm.javaMail(text));
            }
        }
    }
}
