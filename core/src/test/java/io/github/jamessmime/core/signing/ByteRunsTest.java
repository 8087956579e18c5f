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

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

class ByteRunsTest {

    /** The byte-by-byte definition the word-at-a-time scan must agree with. */
    private static int naive(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to && bytes[i] >= 14) {
            i++;
        }
        return i;
    }

    @Test
    void printableRunEndShouldStopAtEveryByteThatIsNotPrintableSevenBit() {
        for (int value = 0; value < 256; value++) {
            for (int position = 0; position < 20; position++) {
                byte[] bytes = new byte[24];
                Arrays.fill(bytes, (byte) 'A');
                bytes[position] = (byte) value;
                int expected = naive(bytes, 0, bytes.length);
                assertThat(ByteRuns.printableRunEnd(bytes, 0, bytes.length))
                    .as("byte 0x%02x at %d", value, position)
                    .isEqualTo(expected)
                    .isEqualTo(value >= 14 && value < 128 ? bytes.length : position);
            }
        }
    }

    @Test
    void printableRunEndShouldAgreeWithTheByteByByteScanOnRandomRanges() {
        Random random = new Random(20261204);
        byte[] alphabet = {'a', 'Z', '0', ' ', '\t', '\r', '\n', 13, 14, 127, (byte) 128, (byte) 0xFF, 0, '-', '='};
        for (int round = 0; round < 20_000; round++) {
            byte[] bytes = new byte[1 + random.nextInt(100)];
            for (int i = 0; i < bytes.length; i++) {
                // mostly printable, as in real mail, so that long runs cross word boundaries
                bytes[i] = random.nextInt(20) == 0 ? alphabet[random.nextInt(alphabet.length)] : (byte) ('!' + random.nextInt(90));
            }
            int from = random.nextInt(bytes.length);
            int to = from + random.nextInt(bytes.length - from + 1);
            assertThat(ByteRuns.printableRunEnd(bytes, from, to)).isEqualTo(naive(bytes, from, to));
        }
    }

    @Test
    void printableRunEndShouldNotLookPastTheEndOfTheRange() {
        byte[] bytes = "ABCDEFGHIJKLMNOP\r\n".getBytes(StandardCharsets.US_ASCII);

        assertThat(ByteRuns.printableRunEnd(bytes, 3, 11)).isEqualTo(11);
        assertThat(ByteRuns.printableRunEnd(bytes, 0, bytes.length)).isEqualTo(16);
        assertThat(ByteRuns.printableRunEnd(bytes, 5, 5)).isEqualTo(5);
    }
}
