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
import java.nio.charset.StandardCharsets;

/**
 * Quoted-printable (RFC 2045 6.7) for text in canonical form: line breaks become CRLF, any other
 * control or 8-bit byte is escaped, lines are soft-wrapped at 76 characters, trailing white space and a
 * leading {@code From } are escaped so that no relay or mbox store alters the signed text.
 */
final class QuotedPrintable {
    private static final int MAX_LINE = 76;
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private final byte[] line = new byte[MAX_LINE * 3 + 8];
    private int lineLength;
    private int pendingWhitespace = -1;
    private boolean lastWasCr;
    private int column;

    private QuotedPrintable(OutputStream out) {
        this.out = out;
    }

    /** Encodes all of {@code in}, treating CRLF, bare LF and bare CR as line breaks. */
    static void encodeText(InputStream in, OutputStream out) throws IOException {
        QuotedPrintable encoder = new QuotedPrintable(out);
        byte[] buffer = new byte[8192];
        int read;
        while ((read = in.read(buffer)) > 0) {
            for (int i = 0; i < read; i++) {
                encoder.accept(buffer[i] & 0xFF);
            }
        }
        encoder.finish();
    }

    private void accept(int b) throws IOException {
        if (b == '\n') {
            if (!lastWasCr) {
                lineBreak();
            }
            lastWasCr = false;
            return;
        }
        lastWasCr = false;
        if (b == '\r') {
            lineBreak();
            lastWasCr = true;
            return;
        }
        flushWhitespace(false);
        if (b == ' ' || b == '\t') {
            pendingWhitespace = b;
            return;
        }
        if (b == 'F' && (column == 0 || column + 1 > MAX_LINE - 1)) {
            emitEscaped(b);
        } else if (b < 32 || b > 126 || b == '=') {
            emitEscaped(b);
        } else {
            emit(b);
        }
    }

    private void flushWhitespace(boolean atEndOfLine) throws IOException {
        if (pendingWhitespace >= 0) {
            int ws = pendingWhitespace;
            pendingWhitespace = -1;
            if (atEndOfLine) {
                emitEscaped(ws);
            } else {
                emit(ws);
            }
        }
    }

    private void emit(int b) throws IOException {
        softBreakIfNeeded(1);
        line[lineLength++] = (byte) b;
        column++;
    }

    private void emitEscaped(int b) throws IOException {
        softBreakIfNeeded(3);
        line[lineLength++] = '=';
        line[lineLength++] = HEX[b >> 4];
        line[lineLength++] = HEX[b & 0xF];
        column += 3;
    }

    private void softBreakIfNeeded(int width) throws IOException {
        if (column + width > MAX_LINE - 1) {
            line[lineLength++] = '=';
            writeLine();
            column = 0;
        }
    }

    private void lineBreak() throws IOException {
        flushWhitespace(true);
        writeLine();
        column = 0;
    }

    private void writeLine() throws IOException {
        line[lineLength++] = '\r';
        line[lineLength++] = '\n';
        out.write(line, 0, lineLength);
        lineLength = 0;
    }

    private void finish() throws IOException {
        flushWhitespace(true);
        if (lineLength > 0) {
            out.write(line, 0, lineLength);
            lineLength = 0;
        }
    }
}
