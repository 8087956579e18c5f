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

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The scan both the writer and the self-check spend their time in on large parts: where a run of printable
 * 7-bit bytes (14–127: no CR, LF, NUL or other low control byte, no 8-bit byte) ends. Eight bytes are tested at
 * once: a word holds such a run when no byte is below 14 (its high bit stays clear after subtracting 14 from every
 * byte) and none has its high bit set.
 */
final class ByteRuns {
    private static final VarHandle WORDS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long FOURTEENS = 0x0E0E0E0E0E0E0E0EL;
    private static final long HIGH_BITS = 0x8080808080808080L;

    private ByteRuns() {
    }

    /** The first index in {@code [from, to)} whose byte is below 14 or above 127, or {@code to}. */
    static int printableRunEnd(byte[] bytes, int from, int to) {
        int i = from;
        for (int lastWord = to - Long.BYTES; i <= lastWord; i += Long.BYTES) {
            long word = (long) WORDS.get(bytes, i);
            long flagged = ((word - FOURTEENS) | word) & HIGH_BITS;
            if (flagged != 0) {
                // the lowest flagged byte is exact: a borrow only runs upwards from a byte below 14
                return i + (Long.numberOfTrailingZeros(flagged) >>> 3);
            }
        }
        while (i < to && bytes[i] >= 14) {
            i++;
        }
        return i;
    }
}
