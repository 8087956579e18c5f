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

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

import javax.mail.MessagingException;
import javax.mail.internet.MimeUtility;

/**
 * The relay-proof form of a quoted-printable body (RFC 2045 6.7): exactly what javax.mail's encoder writes for the
 * decoded text (line breaks CRLF, soft line breaks so that no line is over 76 characters, {@code =}, control and
 * 8-bit bytes, tabs and a space at a line's end escaped in upper-case hex), when that is also what encoders that
 * allow a hard line's last segment 76 characters write, as Python's {@code email} package does, and when no line
 * starts with {@code From }. A relay that decodes and encodes the body again with either gives back the same bytes.
 *
 * <p>The two encoders disagree on text with a tab inside a line, and where the last segment of a line or its
 * trailing white space falls at 73 to 76 characters; there, and for a line that would start with {@code From }
 * (mbox stores alter it, and no encoder escapes it), no quoted-printable form survives every relay: {@link #encode}
 * gives null and the text goes as base64 ({@link LeafForm}). Verifiers hash the body as it is.
 */
final class QuotedPrintableForm {
    static final int MAX_LINE = LineRule.MAX_LINE;
    private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};

    private QuotedPrintableForm() {
    }

    /** Whether {@code bytes[from, to)} is a quoted-printable body in the relay-proof form. */
    static boolean holds(byte[] bytes, int from, int to) {
        byte[] decoded;
        try {
            decoded = decode(bytes, from, to);
        } catch (IOException e) {
            return false;
        }
        byte[] canonical = encode(decoded);
        return canonical != null && Arrays.equals(canonical, 0, canonical.length, bytes, from, to);
    }

    /** The relay-proof quoted-printable of {@code text}, or null when it has none. */
    static byte[] encode(byte[] text) {
        byte[] encoded = likeJavaMail(text);
        if (!Arrays.equals(encoded, lineLimited(text)) || LineRule.firstBrokenInLines(encoded, 0, encoded.length) != null) {
            return null;
        }
        return encoded;
    }

    /** What javax.mail's decoder reads from a quoted-printable body. */
    static byte[] decode(byte[] bytes, int from, int to) throws IOException {
        try (InputStream in = MimeUtility.decode(new ByteArrayInputStream(bytes, from, to - from), "quoted-printable")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
            byte[] buffer = new byte[8192];
            int read;
            // not readAllBytes: javax.mail's decoder answers a read of 0 bytes with -1
            while ((read = in.read(buffer, 0, buffer.length)) >= 0) {
                out.write(buffer, 0, read);
            }
            return out.toByteArray();
        } catch (MessagingException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * The bytes javax.mail's quoted-printable encoder ({@code QPEncoderStream}, 76 characters a line) writes for {@code
     * text}, written in one pass into an array instead of a byte at a time through its stream (the hot path of every
     * quoted-printable leaf); {@link #javaMail} runs the encoder itself, and the tests hold the two equal. Its rules: CR,
     * LF and CRLF are each one line break (CRLF); a space is written as it is unless a line break or the end follows,
     * then as {@code =20}; control bytes (tab included), {@code =} and bytes from 127 up as {@code =XX} in upper-case
     * hex; a soft break {@code =CRLF} before a character that would make the line longer than 75 characters.
     */
    static byte[] likeJavaMail(byte[] text) {
        Output out = new Output(text.length + text.length / 8 + 16);
        int count = 0;
        boolean gotSpace = false;
        boolean gotCr = false;
        for (byte value : text) {
            int c = value & 0xFF;
            if (gotSpace) {
                count = put(out, ' ', c == '\r' || c == '\n', count);
                gotSpace = false;
            }
            if (c == '\r') {
                gotCr = true;
                out.crlf();
                count = 0;
                continue;
            }
            if (c == '\n') {
                if (!gotCr) {
                    out.crlf();
                    count = 0;
                }
            } else if (c == ' ') {
                gotSpace = true;
            } else {
                count = put(out, c, c < 0x20 || c >= 0x7F || c == '=', count);
            }
            gotCr = false;
        }
        if (gotSpace) {
            put(out, ' ', true, count);
        }
        return out.toArray();
    }

    /** One character as javax.mail's encoder puts it: escaped or not, after a soft break when the line would pass 75. */
    private static int put(Output out, int c, boolean escape, int count) {
        int width = escape ? 3 : 1;
        int next = count + width;
        if (next > MAX_LINE - 1) {
            out.put('=');
            out.crlf();
            next = width;
        }
        if (escape) {
            out.put('=');
            out.put(HEX[c >> 4]);
            out.put(HEX[c & 0xF]);
        } else {
            out.put(c);
        }
        return next;
    }

    /** javax.mail's quoted-printable encoding of text (CR, LF and CRLF are line breaks), by its own encoder stream. */
    static byte[] javaMail(byte[] text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length + text.length / 8 + 16);
        try (OutputStream encoder = MimeUtility.encode(out, "quoted-printable")) {
            encoder.write(text);
        } catch (IOException | MessagingException e) {
            throw new IllegalStateException("javax.mail's quoted-printable encoder failed in memory", e);
        }
        return out.toByteArray();
    }

    /**
     * The encoding by the rule of encoders that break a line only when more than 76 characters remain (Python's
     * {@code email.quoprimime}): each hard line escaped (tab and space kept), pieces of 75 characters and a soft
     * break taken while 77 or more remain, an escape never split, and white space at a line's end escaped, or moved
     * after a soft break, as the room left allows.
     */
    static byte[] lineLimited(byte[] text) {
        Output out = new Output(text.length + text.length / 8 + 16);
        Output line = new Output(128);
        int lineStart = 0;
        boolean first = true;
        int i = 0;
        while (i <= text.length) {
            boolean end = i == text.length;
            if (!end && text[i] != '\r' && text[i] != '\n') {
                i++;
                continue;
            }
            if (end && lineStart == text.length && lineStart > 0) {
                break; // the text ends with a line break: written below
            }
            if (!first) {
                out.crlf();
            }
            first = false;
            line.clear();
            escape(text, lineStart, i, line);
            writeLine(line.bytes, line.size, out);
            if (end) {
                break;
            }
            i += text[i] == '\r' && i + 1 < text.length && text[i + 1] == '\n' ? 2 : 1;
            lineStart = i;
        }
        if (text.length > 0 && (text[text.length - 1] == '\r' || text[text.length - 1] == '\n')) {
            out.crlf();
        }
        return out.toArray();
    }

    /** Puts a hard line with every byte but printable ASCII other than '=', space and tab escaped. */
    private static void escape(byte[] text, int from, int to, Output line) {
        for (int i = from; i < to; i++) {
            int b = text[i] & 0xFF;
            if (b == ' ' || b == '\t' || (b >= 33 && b <= 126 && b != '=')) {
                line.put(b);
            } else {
                line.put('=');
                line.put(HEX[b >> 4]);
                line.put(HEX[b & 0xF]);
            }
        }
    }

    /** Writes the escaped hard line {@code line[0, length)} with its soft breaks. */
    private static void writeLine(byte[] line, int length, Output out) {
        int start = 0;
        // break while at least 77 characters remain: pieces of 75, an escape kept whole, then '='
        while (length - start >= MAX_LINE + 1) {
            int stop = start + MAX_LINE - 1;
            if (line[stop - 2] == '=') {
                out.write(line, start, stop - 2 - start);
                start = stop - 2;
            } else if (line[stop - 1] == '=') {
                out.write(line, start, stop - 1 - start);
                start = stop - 1;
            } else {
                out.write(line, start, stop - start);
                start = stop;
            }
            out.put('=');
            out.crlf();
        }
        int last = length > 0 ? line[length - 1] : -1;
        if (last != ' ' && last != '\t') {
            out.write(line, start, length - start);
            return;
        }
        int remaining = length - start;
        out.write(line, start, remaining - 1);
        if (remaining <= MAX_LINE - 2) {
            escape(last, out);
        } else if (remaining == MAX_LINE - 1) {
            out.put(last);
            out.put('=');
            out.crlf();
        } else {
            out.put('=');
            out.crlf();
            escape(last, out);
        }
    }

    private static void escape(int b, Output out) {
        out.put('=');
        out.put(HEX[b >> 4]);
        out.put(HEX[b & 0xF]);
    }

    /** A growing byte array: no lock per byte, as a ByteArrayOutputStream takes. */
    private static final class Output {
        private byte[] bytes;
        private int size;

        Output(int capacity) {
            bytes = new byte[Math.max(16, capacity)];
        }

        void put(int b) {
            if (size == bytes.length) {
                bytes = Arrays.copyOf(bytes, bytes.length * 2);
            }
            bytes[size++] = (byte) b;
        }

        void write(byte[] source, int from, int length) {
            if (size + length > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + length));
            }
            System.arraycopy(source, from, bytes, size, length);
            size += length;
        }

        void crlf() {
            put('\r');
            put('\n');
        }

        void clear() {
            size = 0;
        }

        byte[] toArray() {
            return Arrays.copyOf(bytes, size);
        }
    }
}
