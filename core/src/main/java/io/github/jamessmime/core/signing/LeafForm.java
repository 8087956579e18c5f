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

/**
 * The relay-proof form of a leaf's body, by its transfer encoding:
 * <ul>
 * <li>{@code 7bit}: its lines keep every {@link LineRule} (the copy judges them);</li>
 * <li>{@code base64}: {@link Base64Form};</li>
 * <li>{@code quoted-printable}: {@link QuotedPrintableForm};</li>
 * <li>anything else ({@code 8bit}, {@code binary}, unknown) is never in it.</li>
 * </ul>
 * A leaf not in it is written anew ({@link #encode}): clean base64 re-wrapped, text as quoted-printable when that
 * has a relay-proof form, else base64; other data as base64. The decoded content stays the same.
 */
final class LeafForm {
    static final String SEVEN_BIT = "7bit";
    static final String BASE64 = "base64";
    static final String QUOTED_PRINTABLE = "quoted-printable";

    private LeafForm() {
    }

    /** Whether {@code encoding} may be copied when its body is in form (and so is worth a copy). */
    static boolean isCopyable(String encoding) {
        return encoding.equals(SEVEN_BIT) || encoding.equals(BASE64) || encoding.equals(QUOTED_PRINTABLE);
    }

    /** Whether a body the copy has accepted, {@code bytes[from, to)}, is in the relay-proof form of its encoding. */
    static boolean holds(String encoding, byte[] bytes, int from, int to) {
        switch (encoding) {
            case SEVEN_BIT:
                return true;
            case BASE64:
                return Base64Form.holds(bytes, from, to);
            case QUOTED_PRINTABLE:
                return QuotedPrintableForm.holds(bytes, from, to);
            default:
                return false;
        }
    }

    /** A leaf's body written anew: the transfer encoding chosen, and how to write the body in it. */
    static final class Encoded {
        final String encoding;
        /** For text: the quoted-printable bytes, or the text with CRLF line breaks to be written as base64. */
        private final byte[] text;

        private Encoded(String encoding, byte[] text) {
            this.encoding = encoding;
            this.text = text;
        }

        /**
         * Writes the body. For other content than text, {@code decoded} is read now; {@code lines} says it is
         * lines (7bit and 8bit data, RFC 2045 2.7, 2.8), written as the copy writes them: CRLF.
         */
        void writeBody(InputStream decoded, boolean lines, OutputStream out) throws IOException {
            if (text != null && encoding.equals(QUOTED_PRINTABLE)) {
                out.write(text);
            } else if (text != null) {
                Base64Form.encode(new ByteArrayInputStream(text), out);
            } else if (lines) {
                Base64Form.encode(new ByteArrayInputStream(crlf(decoded.readAllBytes())), out);
            } else {
                Base64Form.encode(decoded, out);
            }
        }
    }

    /**
     * How a leaf is written anew: text (read here from {@code decoded}) as quoted-printable when it has a
     * relay-proof form, else base64 of its CRLF form (RFC 2045 6.8); other content as base64.
     */
    static Encoded encode(boolean text, InputStream decoded) throws IOException {
        if (!text) {
            return new Encoded(BASE64, null);
        }
        byte[] content = decoded.readAllBytes();
        byte[] quotedPrintable = QuotedPrintableForm.encode(content);
        return quotedPrintable != null ? new Encoded(QUOTED_PRINTABLE, quotedPrintable) : new Encoded(BASE64, crlf(content));
    }

    private static byte[] crlf(byte[] content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + content.length / 32 + 2);
        try (CrlfOutputStream canonical = new CrlfOutputStream(out)) {
            canonical.write(content);
        }
        return out.toByteArray();
    }
}
