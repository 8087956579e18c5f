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

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Delivers at most {@code chunk} bytes per read, as a socket or a slow store may: code that reads in blocks must give
 * the same result for 1 byte and for 64 KiB at a time.
 */
public final class ChunkedInputStream extends FilterInputStream {
    private final int chunk;

    public ChunkedInputStream(InputStream in, int chunk) {
        super(in);
        if (chunk < 1) {
            throw new IllegalArgumentException("chunk " + chunk);
        }
        this.chunk = chunk;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        return in.read(bytes, offset, Math.min(length, chunk));
    }

    @Override
    public int available() throws IOException {
        return Math.min(in.available(), chunk);
    }

    @Override
    public long skip(long n) throws IOException {
        return in.skip(Math.min(n, chunk));
    }
}
