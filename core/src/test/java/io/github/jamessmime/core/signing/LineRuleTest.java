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

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.github.jamessmime.testing.ChunkedInputStream;

/**
 * Each line rule: what breaks it, and that the copy finds it whatever the read size. Lines are given with
 * {@code [x*N]} for N characters and {@code \s} for a space; {@code none} means every rule holds.
 */
class LineRuleTest {
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "[x*76],                  none",
        "[x*77],                  LENGTH",
        "'',                      none",
        "word\\s,                 TRAILING_WHITE_SPACE",
        "word\\t,                 TRAILING_WHITE_SPACE",
        "From the shop,           FROM_LINE",
        "From,                    none",
        ">From the shop,          none",
        "Gr\u00fc\u00dfe,         SEVEN_BIT",
        "nul\u0000byte,           SEVEN_BIT",
        "bell\u0007,              none",
    })
    void ruleShouldBeFoundByTheRulesAndByTheCopy(String spec, String expected) throws Exception {
        byte[] line = QuotedPrintableFormTest.text(spec);
        LineRule rule = LineRule.firstBrokenBy(line, 0, line.length);

        assertThat(rule == null ? "none" : rule.name()).isEqualTo(expected);
        for (int readSize : new int[] {1, 2, 3, 5, 77, 65536}) {
            for (String end : new String[] {"\r\n", "\n", "\r", ""}) {
                byte[] body = concat(line, end.getBytes(StandardCharsets.US_ASCII));
                MessageBuffer out = new MessageBuffer(16);
                LineRule copied = new CanonicalCopy(out, 0).copy(new ChunkedInputStream(
                    new ByteArrayInputStream(body), readSize));
                assertThat(copied == null ? "none" : copied.name()).as("copy at read size %d, line end %s", readSize,
                    end.replace("\r", "CR").replace("\n", "LF")).isEqualTo(expected);
                if (copied == null) {
                    String written = new String(out.array(), 0, out.size(), StandardCharsets.ISO_8859_1);
                    assertThat(written).isEqualTo(new String(line, StandardCharsets.ISO_8859_1) + (end.isEmpty() ? "" : "\r\n"));
                }
            }
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] result = new byte[a.length + b.length];
        System.arraycopy(a, 0, result, 0, a.length);
        System.arraycopy(b, 0, result, a.length, b.length);
        return result;
    }
}
