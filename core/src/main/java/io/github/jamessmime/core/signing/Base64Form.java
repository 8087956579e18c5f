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

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Base64;

/**
 * The relay-proof form of a base64 body: lines of exactly 76 characters of the base64 alphabet, the last one
 * shorter (a multiple of 4, padding only at its end), each followed by CRLF; an empty body for empty content. It is
 * what javax.mail's, Python's, PHP's and .NET's encoders write, so a relay that decodes and encodes a body again
 * (SendGrid does) gives back the same bytes. Verifiers hash a base64 body as it is.
 *
 * <p>A body that is base64 of another shape (lines of 60 or 72, blank lines at its end) but clean (only the alphabet,
 * white space and final padding with zero pad bits, a multiple of 4 characters) is re-wrapped without decoding it: every decoder reads
 * the same bytes from both. Anything else is decoded and encoded again ({@link #encode}).
 */
final class Base64Form {
    static final int LINE = 76;
    private static final byte[] CRLF = {'\r', '\n'};
    /** By byte value (& 0xFF): whether it is a character of the base64 alphabet. */
    private static final boolean[] ALPHABET = new boolean[256];
    private static final String CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    private static final VarHandle WORDS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long CASE_BITS = 0x2020202020202020L;

    static {
        for (int i = 0; i < CHARACTERS.length(); i++) {
            ALPHABET[CHARACTERS.charAt(i)] = true;
        }
    }

    /**
     * Whether the character before the padding leaves its unused bits zero, as every encoder writes it: decoders
     * ignore those bits, so an encoder would write a different character for the same bytes.
     */
    private static boolean hasZeroPadBits(byte last, int padding) {
        int value = CHARACTERS.indexOf(last);
        return padding == 0 || (value & (padding == 1 ? 0x03 : 0x0F)) == 0;
    }

    private Base64Form() {
    }

    /** Whether {@code bytes[from, to)} is a base64 body in the relay-proof form. */
    static boolean holds(byte[] bytes, int from, int to) {
        int pos = afterFullLines(bytes, from, to, LINE + 2);
        return pos >= 0 && (pos == to || isLastLine(bytes, pos, to));
    }

    /**
     * Where the full lines (76 characters of the alphabet and CRLF) from {@code pos} end, taken while more than
     * {@code rest} bytes remain; -1 when one holds another character. Eight characters are tested at once (72 + 4).
     */
    private static int afterFullLines(byte[] bytes, int pos, int to, int rest) {
        while (to - pos > rest && bytes[pos + LINE] == '\r' && bytes[pos + LINE + 1] == '\n') {
            long outside = 0;
            for (int i = pos; i < pos + 72; i += Long.BYTES) {
                outside |= outsideAlphabet((long) WORDS.get(bytes, i));
            }
            // the last four characters, the upper half filled with 'A'
            outside |= outsideAlphabet(((int) INTS.get(bytes, pos + 72) & 0xFFFFFFFFL) | 0x4141414100000000L);
            if (outside != 0) {
                return -1;
            }
            pos += LINE + 2;
        }
        return pos;
    }

    /**
     * Non-zero when a byte of {@code word} is not a character of the base64 alphabet. Each range test adds to every
     * byte at once: for a 7-bit byte {@code x}, {@code x + (0x80 - lo)} has its high bit set exactly when
     * {@code x >= lo}, and {@code x + (0x7F - hi)} exactly when {@code x > hi}, with no carry into the next byte.
     */
    static long outsideAlphabet(long word) {
        long x = word & ~HIGH_BITS;
        long letters = x & ~CASE_BITS; // a-z as A-Z
        long inAlphabet = inRange(letters, 'A', 'Z') | inRange(x, '0', '9') | inRange(x, '+', '+') | inRange(x, '/', '/');
        return ((inAlphabet & HIGH_BITS) ^ HIGH_BITS) | (word & HIGH_BITS);
    }

    private static long inRange(long x, int lo, int hi) {
        return (x + ONES * (0x80 - lo)) & ~(x + ONES * (0x7F - hi));
    }

    /**
     * Whether {@code bytes[from, to)} is a base64 body in the relay-proof form but for the CRLF of its last line, which
     * ends at {@code to} (as Java's MIME encoder leaves it, the delimiter's CRLF right after): with that CRLF added it
     * holds.
     */
    static boolean holdsBeforeFinalLineBreak(byte[] bytes, int from, int to) {
        // a full line and its CRLF, then at least one character of the last line
        int pos = afterFullLines(bytes, from, to, LINE + 2);
        return pos >= 0 && pos < to && isLastLineCharacters(bytes, pos, to);
    }

    /** Whether {@code bytes[from, to)} is one last line: 4 to 76 characters, padding only at its end, then CRLF. */
    private static boolean isLastLine(byte[] bytes, int from, int to) {
        int end = to - 2;
        return end - from >= 4 && bytes[end] == '\r' && bytes[end + 1] == '\n' && isLastLineCharacters(bytes, from, end);
    }

    /** Whether {@code bytes[from, end)} are the characters of a last line: 4 to 76, a multiple of 4, padding only at its end. */
    private static boolean isLastLineCharacters(byte[] bytes, int from, int end) {
        if (end - from < 4 || end - from > LINE || (end - from) % 4 != 0) {
            return false;
        }
        int padding = bytes[end - 1] == '=' ? (bytes[end - 2] == '=' ? 2 : 1) : 0;
        for (int i = from; i < end - padding; i++) {
            if (!ALPHABET[bytes[i] & 0xFF]) {
                return false;
            }
        }
        return hasZeroPadBits(bytes[end - padding - 1], padding);
    }

    /**
     * Whether {@code bytes[from, to)} is base64 that can be re-wrapped without decoding: the alphabet, CR, LF, space
     * and tab, then at most two '=' (white space around them allowed) and nothing else, a multiple of 4 in all.
     */
    static boolean isClean(byte[] bytes, int from, int to) {
        int characters = 0;
        int padding = 0;
        byte lastData = 'A';
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b == '\r' || b == '\n' || b == ' ' || b == '\t') {
                continue;
            }
            if (b == '=') {
                if (++padding > 2) {
                    return false;
                }
            } else if (!ALPHABET[b & 0xFF] || padding > 0) {
                return false;
            } else {
                lastData = b;
            }
            characters++;
        }
        return characters % 4 == 0 && (padding == 0 || ((characters - padding) % 4 == 4 - padding && hasZeroPadBits(lastData, padding)));
    }

    /** Writes the characters of a clean body ({@link #isClean}) in the relay-proof form. */
    static void rewrap(byte[] bytes, int from, int to, OutputStream out) throws IOException {
        byte[] line = new byte[LINE + 2];
        int length = 0;
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b == '\r' || b == '\n' || b == ' ' || b == '\t') {
                continue;
            }
            line[length++] = b;
            if (length == LINE) {
                line[length++] = '\r';
                line[length++] = '\n';
                out.write(line, 0, length);
                length = 0;
            }
        }
        if (length > 0) {
            out.write(line, 0, length);
            out.write(CRLF);
        }
    }

    /** Encodes all of {@code decoded} in the relay-proof form. */
    static void encode(InputStream decoded, OutputStream out) throws IOException {
        byte[] group = new byte[LINE / 4 * 3];
        Base64.Encoder encoder = Base64.getEncoder();
        byte[] line = new byte[LINE + 2];
        int filled = 0;
        int read;
        while ((read = decoded.read(group, filled, group.length - filled)) >= 0) {
            filled += read;
            if (filled == group.length) {
                int length = encoder.encode(group, line);
                line[length++] = '\r';
                line[length++] = '\n';
                out.write(line, 0, length);
                filled = 0;
            }
        }
        if (filled > 0) {
            byte[] rest = encoder.encode(Arrays.copyOf(group, filled));
            out.write(rest);
            out.write(CRLF);
        }
    }
}
