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

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Breaks messages the ways real mail and hostile senders do: flipped bytes, truncation, duplicated and deleted
 * lines, stray CR, LF, NUL and 8-bit bytes, extra and missing delimiter lines, header lines without a colon or
 * starting with a continuation, a byte-order mark, huge header lines, uuencoded garbage, other line ends, and
 * wrong Content-Type or Content-Transfer-Encoding values. Deterministic for a given random.
 */
public final class MimeMutator {
    private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\"\r\n;]*)\"?", Pattern.CASE_INSENSITIVE);
    private static final Pattern CTE = Pattern.compile("(?im)^Content-Transfer-Encoding:[^\r\n]*");
    private static final Pattern CT = Pattern.compile("(?im)^Content-Type:[^\r\n]*");
    private static final String[] ENCODINGS = {"base64", "quoted-printable", "8bit", "binary", "7bit", "x-uuencode", "uuencode",
        "bogus", "7bit 8bit", "", "BASE64 ", "quoted-printable; x=y"};
    private static final String[] TYPES = {"multipart/mixed", "multipart/mixed; boundary=\"\"", "multipart/alternative; boundary=x",
        "message/rfc822", "text/plain; charset=x-bogus", "text/plain; charset=\"utf-8", "application/pkcs7-mime",
        "multipart/signed; boundary=\"s\"", "multipart/digest; boundary=\"d\"", "message/partial; id=\"1\"; number=1",
        "text/plain; name*=utf-8''%FF%FE", "multipart/mixed; boundary=\"a\"; boundary=\"b\"", ";;;", "text"};

    private MimeMutator() {
    }

    /** The mutated bytes and the names of the mutations applied, for the report. */
    public static final class Mutated {
        public final byte[] bytes;
        public final List<String> mutations;

        Mutated(byte[] bytes, List<String> mutations) {
            this.bytes = bytes;
            this.mutations = mutations;
        }
    }

    /** One to three mutations of {@code message}. */
    public static Mutated mutate(byte[] message, SplittableRandom random) {
        List<String> applied = new ArrayList<>();
        byte[] bytes = message;
        int count = 1 + random.nextInt(3);
        for (int i = 0; i < count; i++) {
            int kind = random.nextInt(17);
            Result result = apply(kind, bytes, random);
            bytes = result.bytes;
            applied.add(result.name);
        }
        return new Mutated(bytes, applied);
    }

    private static final class Result {
        final byte[] bytes;
        final String name;

        Result(byte[] bytes, String name) {
            this.bytes = bytes;
            this.name = name;
        }
    }

    private static Result apply(int kind, byte[] bytes, SplittableRandom random) {
        int at = bytes.length == 0 ? 0 : random.nextInt(bytes.length);
        switch (kind) {
            case 0: {
                byte[] copy = bytes.clone();
                if (copy.length > 0) {
                    copy[at] = random.nextBoolean() ? (byte) (copy[at] ^ (1 << random.nextInt(8))) : (byte) random.nextInt(256);
                }
                return new Result(copy, "flip@" + at);
            }
            case 1:
                return new Result(Arrays.copyOf(bytes, at), "truncate@" + at);
            case 2: {
                int[] line = lineAround(bytes, at);
                return new Result(splice(bytes, line[1], 0, slice(bytes, line[0], line[1])), "duplicate-line@" + line[0]);
            }
            case 3: {
                int[] line = lineAround(bytes, at);
                return new Result(splice(bytes, line[0], line[1] - line[0], new byte[0]), "delete-line@" + line[0]);
            }
            case 4: {
                byte[][] choices = {{'\r'}, {'\n'}, {0}, {(byte) (0x80 + random.nextInt(128))}, {'\r', '\r'}, {'\n', '\n'}};
                int pick = random.nextInt(choices.length);
                return new Result(splice(bytes, at, 0, choices[pick]), "insert-" + new String[] {"CR", "LF", "NUL", "8bit", "CRCR", "LFLF"}[pick]
                    + "@" + at);
            }
            case 5: {
                List<String> boundaries = boundaries(bytes);
                String boundary = boundaries.isEmpty() ? "b" : boundaries.get(random.nextInt(boundaries.size()));
                String line = "--" + boundary + (random.nextBoolean() ? "--" : "") + (random.nextInt(4) == 0 ? " \t" : "") + "\r\n";
                int start = lineAround(bytes, at)[0];
                return new Result(splice(bytes, start, 0, latin1(line)), "insert-delimiter@" + start);
            }
            case 6: {
                List<String> boundaries = boundaries(bytes);
                if (boundaries.isEmpty()) {
                    return new Result(bytes, "remove-close(none)");
                }
                String close = "--" + boundaries.get(random.nextInt(boundaries.size())) + "--";
                String text = latin1(bytes);
                return new Result(latin1(random.nextBoolean() ? text.replace(close, "") : replaceLast(text, close, "")), "remove-close");
            }
            case 7: {
                int position = headerLineStart(bytes, random);
                return new Result(splice(bytes, position, 0, latin1("This header line has no colon\r\n")), "no-colon-header@" + position);
            }
            case 8: {
                int position = random.nextBoolean() ? 0 : afterDelimiter(bytes, random);
                return new Result(splice(bytes, position, 0, latin1(random.nextBoolean() ? " continued\r\n" : "\tcontinued\r\n")),
                    "continuation-first@" + position);
            }
            case 9: {
                int position = random.nextInt(3) > 0 ? 0 : afterDelimiter(bytes, random);
                return new Result(splice(bytes, position, 0, new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}), "bom@" + position);
            }
            case 10: {
                int position = headerLineStart(bytes, random);
                int length = 1000 + random.nextInt(300_000);
                boolean folded = random.nextBoolean();
                StringBuilder header = new StringBuilder(random.nextBoolean() ? "X-Huge: " : "Subject: ");
                for (int i = 0; i < length; i++) {
                    header.append(folded && i % 70 == 69 ? "\r\n " : String.valueOf((char) ('a' + i % 26)));
                }
                return new Result(splice(bytes, position, 0, latin1(header + "\r\n")), "huge-header(" + length + (folded ? ",folded" : "")
                    + ")@" + position);
            }
            case 11: {
                int start = lineAround(bytes, at)[0];
                StringBuilder uu = new StringBuilder("begin 644 x\r\n");
                uu.append("M").append("!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_".substring(0, 30 + random.nextInt(30)))
                    .append("\r\n");
                uu.append("this is not uuencoded at all \u00fc\r\n").append("Mshort\r\n");
                if (random.nextBoolean()) {
                    uu.append("`\r\nend\r\n");
                }
                return new Result(splice(bytes, start, 0, latin1(uu.toString())), "uuencode-garbage@" + start);
            }
            case 12: {
                String text = latin1(bytes);
                boolean lf = random.nextBoolean();
                return new Result(latin1(text.replace("\r\n", lf ? "\n" : "\r")), lf ? "all-LF" : "all-CR");
            }
            case 13:
                return new Result(replaceOne(bytes, CTE, "Content-Transfer-Encoding: " + ENCODINGS[random.nextInt(ENCODINGS.length)], random),
                    "change-transfer-encoding");
            case 14:
                return new Result(replaceOne(bytes, CT, "Content-Type: " + TYPES[random.nextInt(TYPES.length)], random), "change-content-type");
            case 15: {
                int[] line = lineAround(bytes, at);
                byte[] copy = bytes.clone();
                for (int i = line[0]; i < line[1]; i++) {
                    if (copy[i] == ':') {
                        copy[i] = ' ';
                        break;
                    }
                }
                return new Result(copy, "colon-removed@" + line[0]);
            }
            default: {
                int[] line = lineAround(bytes, at);
                byte[] repeated = slice(bytes, line[0], line[1]);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (int i = 0; i < 50 + random.nextInt(2000); i++) {
                    out.writeBytes(repeated);
                }
                return new Result(splice(bytes, line[1], 0, out.toByteArray()), "repeat-line@" + line[0]);
            }
        }
    }

    /** Start and end (after its LF) of the line holding {@code at}. */
    private static int[] lineAround(byte[] bytes, int at) {
        int start = at;
        while (start > 0 && bytes[start - 1] != '\n') {
            start--;
        }
        int end = at;
        while (end < bytes.length && bytes[end] != '\n') {
            end++;
        }
        return new int[] {start, Math.min(bytes.length, end + 1)};
    }

    /** The start of a line in some header block: the message's or a part's (after a delimiter line). */
    private static int headerLineStart(byte[] bytes, SplittableRandom random) {
        if (random.nextBoolean()) {
            int end = latin1(bytes).indexOf("\r\n\r\n");
            int limit = end < 0 ? bytes.length : end + 2;
            return limit == 0 ? 0 : lineAround(bytes, random.nextInt(limit))[0];
        }
        return afterDelimiter(bytes, random);
    }

    /** Just after some delimiter line (the start of a part's headers), or 0 without any. */
    private static int afterDelimiter(byte[] bytes, SplittableRandom random) {
        String text = latin1(bytes);
        List<Integer> starts = new ArrayList<>();
        for (String boundary : boundaries(bytes)) {
            int from = 0;
            int found;
            while ((found = text.indexOf("\n--" + boundary + "\r\n", from)) >= 0 && starts.size() < 1000) {
                starts.add(found + 3 + boundary.length() + 2);
                from = found + 1;
            }
        }
        return starts.isEmpty() ? 0 : starts.get(random.nextInt(starts.size()));
    }

    public static List<String> boundaries(byte[] bytes) {
        List<String> boundaries = new ArrayList<>();
        Matcher matcher = BOUNDARY.matcher(latin1(bytes));
        while (matcher.find() && boundaries.size() < 100) {
            if (!matcher.group(1).isEmpty()) {
                boundaries.add(matcher.group(1));
            }
        }
        return boundaries;
    }

    private static byte[] replaceOne(byte[] bytes, Pattern pattern, String replacement, SplittableRandom random) {
        String text = latin1(bytes);
        Matcher matcher = pattern.matcher(text);
        List<int[]> found = new ArrayList<>();
        while (matcher.find() && found.size() < 200) {
            found.add(new int[] {matcher.start(), matcher.end()});
        }
        if (found.isEmpty()) {
            return bytes;
        }
        int[] pick = found.get(random.nextInt(found.size()));
        return latin1(text.substring(0, pick[0]) + replacement + text.substring(pick[1]));
    }

    private static String replaceLast(String text, String target, String replacement) {
        int at = text.lastIndexOf(target);
        return at < 0 ? text : text.substring(0, at) + replacement + text.substring(at + target.length());
    }

    private static byte[] slice(byte[] bytes, int from, int to) {
        return Arrays.copyOfRange(bytes, from, to);
    }

    private static byte[] splice(byte[] bytes, int at, int remove, byte[] insert) {
        byte[] result = new byte[bytes.length - remove + insert.length];
        System.arraycopy(bytes, 0, result, 0, at);
        System.arraycopy(insert, 0, result, at, insert.length);
        System.arraycopy(bytes, at + remove, result, at + insert.length, bytes.length - at - remove);
        return result;
    }

    private static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static byte[] latin1(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
