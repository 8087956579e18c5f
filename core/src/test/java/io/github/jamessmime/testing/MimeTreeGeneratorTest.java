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

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The generator is only as good as its expected leaves: javax.mail must read every message as the generator says. */
class MimeTreeGeneratorTest {
    static final int COUNT = 300;
    static final Pattern BOUNDARY = Pattern.compile("boundary=\"([^\"]*)\"");

    @Test
    void generatorShouldDescribeItsLeavesAsJavaMailReadsThem() throws Exception {
        List<String> failures = new ArrayList<>();
        for (long seed = 0; seed < COUNT; seed++) {
            MimeTreeGenerator.Generated generated = MimeTreeGenerator.generate(seed);
            List<String> read = Verifiers.leaves(Verifiers.parse(generated.bytes));
            if (!read.equals(generated.leaves)) {
                failures.add(generated + ": " + MimeTreeGenerator.difference(generated.leaves, read));
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void generatorShouldGiveTheSameMessageForTheSameSeed() {
        for (long seed = 0; seed < 40; seed++) {
            assertThat(MimeTreeGenerator.generate(seed).bytes).isEqualTo(MimeTreeGenerator.generate(seed).bytes);
        }
    }

    @Test
    void generatorShouldUseLegalBoundariesNoneAPrefixOfAnother() {
        for (long seed = 0; seed < COUNT; seed++) {
            String text = new String(MimeTreeGenerator.generate(seed).bytes, StandardCharsets.ISO_8859_1);
            List<String> boundaries = new ArrayList<>();
            Matcher matcher = BOUNDARY.matcher(text);
            while (matcher.find()) {
                boundaries.add(matcher.group(1));
            }
            for (String boundary : boundaries) {
                assertThat(boundary).as("seed %d", seed).matches("[0-9A-Za-z'()+_,\\-./:=? ]{0,69}[0-9A-Za-z'()+_,\\-./:=?]");
                for (String other : boundaries) {
                    if (other != boundary) {
                        assertThat(other).as("seed %d", seed).doesNotStartWith(boundary);
                    }
                }
            }
        }
    }

    @Test
    void everyMessageShouldHaveTheOuterHeaders() {
        Set<String> dates = new HashSet<>();
        for (long seed = 0; seed < COUNT; seed++) {
            String text = new String(MimeTreeGenerator.generate(seed).bytes, StandardCharsets.ISO_8859_1);
            String headers = text.substring(0, text.indexOf("\r\n\r\n") + 2);
            assertThat(headers).as("seed %d", seed).containsPattern("(?m)^From: .*billing@shop\\.example")
                .containsPattern("(?m)^To: ").containsPattern("(?m)^Subject: ")
                .containsPattern("(?m)^Message-ID: <gen\\." + seed + "@shop\\.example>").contains("MIME-Version: 1.0");
            Matcher date = Pattern.compile("(?m)^Date: ([^\\r\\n]*)").matcher(headers);
            dates.add(date.find() ? date.group(1) : "(none)");
        }
        // close to the tests' signing time in three forms, months away, missing, and a form not every client reads alike
        assertThat(dates).as("the Date fields drawn").hasSize(6).contains("(none)", "Mon, 30 Nov 2026 06:00:00 +0000");
    }

    @Test
    void generatorShouldCoverTheShapesItPromises() {
        int large = 0;
        int cteAcrossEdge = 0;
        int fromAcrossEdge = 0;
        int crAtChunkEnd = 0;
        StringBuilder shapes = new StringBuilder();
        StringBuilder raw = new StringBuilder();
        for (long seed = 0; seed < COUNT; seed++) {
            MimeTreeGenerator.Generated generated = MimeTreeGenerator.generate(seed);
            shapes.append(generated.shape).append('\n');
            String text = new String(generated.bytes, StandardCharsets.ISO_8859_1);
            if (!generated.large) {
                raw.append(text);
                continue;
            }
            large++;
            assertThat(generated.bytes.length).isGreaterThan(MimeTreeGenerator.CHUNK);
            int topBody = text.indexOf("\r\n\r\n") + 4;
            for (int anchor : new int[] {0, topBody}) {
                for (int edge = anchor + MimeTreeGenerator.CHUNK; edge < text.length(); edge += MimeTreeGenerator.CHUNK) {
                    int cte = text.lastIndexOf("Content-Transfer-Encoding", edge - 1);
                    cteAcrossEdge += cte >= 0 && cte + "Content-Transfer-Encoding:".length() > edge ? 1 : 0;
                    int from = text.lastIndexOf("\nFrom ", edge - 1);
                    fromAcrossEdge += from >= 0 && from + 6 > edge ? 1 : 0;
                    crAtChunkEnd += text.charAt(edge - 1) == '\r' && text.charAt(edge) == '\n' ? 1 : 0;
                }
            }
        }
        String all = shapes.toString();
        assertThat(large).isBetween(15, 80);
        assertThat(cteAcrossEdge).isPositive();
        assertThat(fromAcrossEdge).isPositive();
        assertThat(crAtChunkEnd).isPositive();
        assertThat(all).contains("mixed", "alternative", "related", "rfc822(mixed", "rfc822(alternative", " 7bit", " 8bit",
            " binary", " base64", " quoted-printable", " empty", "[no headers]", "+pre", "+epi", " big", " filler");
        assertThat(all.lines().mapToInt(MimeTreeGeneratorTest::depth).max().orElse(0)).isEqualTo(6);
        String small = raw.toString();
        assertThat(small).contains("\r\nFrom ", " \r\n", "\t\r\n", "filename=\"Hasen und Fr\u00c3\u00b6sche",
            "filename=\"Hasen und Fr\u00f6sche", "charset=utf-8", "charset=ISO-8859-1");
    }

    private static int depth(String shape) {
        int depth = 0;
        int max = 0;
        for (char c : shape.toCharArray()) {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            max = Math.max(max, depth);
        }
        return max;
    }
}
