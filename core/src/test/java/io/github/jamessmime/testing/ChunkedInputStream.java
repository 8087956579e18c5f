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
