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
import java.io.OutputStream;

/**
 * Line breaks made CRLF as every verifier makes them before hashing (RFC 8551 3.1.1), and as {@link CanonicalCopy}
 * writes them: a CR becomes CRLF, an LF not after a CR becomes CRLF. Runs without a bare CR or LF pass through in
 * one write.
 */
final class CrlfOutputStream extends OutputStream {
    private static final byte[] CRLF = {'\r', '\n'};
    private final OutputStream out;
    private boolean afterCr;

    CrlfOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        int start = offset;
        int end = offset + length;
        int i = offset;
        if (afterCr && i < end && bytes[i] == '\n') {
            start = ++i; // the LF of a CRLF split across two writes: its CRLF is written
        }
        afterCr = false;
        for (; i < end; i++) {
            byte b = bytes[i];
            if (b > '\r') {
                continue;
            }
            if (b == '\r') {
                if (i + 1 < end && bytes[i + 1] == '\n') {
                    i++;
                    continue;
                }
                out.write(bytes, start, i - start);
                out.write(CRLF);
                start = i + 1;
                afterCr = i + 1 == end;
            } else if (b == '\n') {
                out.write(bytes, start, i - start);
                out.write(CRLF);
                start = i + 1;
            }
        }
        out.write(bytes, start, end - start);
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }
}
