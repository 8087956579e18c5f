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

import java.io.OutputStream;
import java.util.Arrays;

import javax.mail.util.SharedByteArrayInputStream;

/**
 * A growable byte array that hands its storage to a {@link SharedByteArrayInputStream} without copying,
 * so that a signed message is held in memory exactly once.
 */
final class MessageBuffer extends OutputStream {
    private byte[] bytes;
    private int size;

    MessageBuffer(int initialCapacity) {
        bytes = new byte[Math.max(256, initialCapacity)];
    }

    int size() {
        return size;
    }

    byte[] array() {
        return bytes;
    }

    /** Drops everything written after {@code position}. */
    void truncate(int position) {
        size = position;
    }

    @Override
    public void write(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] source, int offset, int length) {
        ensure(length);
        System.arraycopy(source, offset, bytes, size, length);
        size += length;
    }

    /**
     * Replaces {@code [start, end)} with {@code length} bytes of {@code source}, moving what follows in place (no
     * second copy of the message).
     */
    void splice(int start, int end, byte[] source, int length) {
        int delta = length - (end - start);
        if (delta > 0) {
            ensure(delta);
        }
        System.arraycopy(bytes, end, bytes, end + delta, size - end);
        System.arraycopy(source, 0, bytes, start, length);
        size += delta;
    }

    void writeAscii(String text) {
        int length = text.length();
        ensure(length);
        for (int i = 0; i < length; i++) {
            bytes[size++] = (byte) text.charAt(i);
        }
    }

    private void ensure(int extra) {
        long needed = (long) size + extra;
        if (needed > bytes.length) {
            long grown = Math.max(needed, bytes.length + (bytes.length >> 1));
            if (grown > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("message too large to sign in memory");
            }
            bytes = Arrays.copyOf(bytes, (int) grown);
        }
    }

    SharedByteArrayInputStream toInputStream() {
        return new SharedByteArrayInputStream(bytes, 0, size);
    }
}
