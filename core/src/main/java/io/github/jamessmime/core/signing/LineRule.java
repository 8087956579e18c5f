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

/**
 * The rules every physical line of the signed part keeps in the relay-proof form, each with what breaks it, why a
 * relay or store would change such a line, and how the writer avoids it. A line is given without its CRLF; line
 * breaks themselves are CRLF everywhere (bare CR and LF are made CRLF by the copy, as every verifier makes them
 * before hashing: {@link CrlfOutputStream}).
 *
 * <p>{@link CanonicalCopy} applies every rule to each line it copies, {@link QuotedPrintableForm} to each line it
 * encodes; {@link HeaderForm} folds header lines to keep {@link #LENGTH} and {@link #TRAILING_WHITE_SPACE}. A body
 * line that breaks a rule makes its leaf re-encoded ({@link LeafForm}); a header line is repaired.
 */
enum LineRule {
    /**
     * Only 7-bit bytes, no NUL: RFC 8551 3.1.2 (a relay to a 7-bit hop would re-encode the part). The copy's scan
     * finds such bytes with {@link ByteRuns} before any line ends.
     */
    SEVEN_BIT("an 8-bit or NUL byte") {
        @Override
        boolean brokenBy(byte[] bytes, int from, int to) {
            for (int i = from; i < to; i++) {
                if (bytes[i] <= 0) {
                    return true;
                }
            }
            return false;
        }
    },
    /**
     * At most {@value #MAX_LINE} octets: relays break longer lines (Exchange at 78, Postfix at 998) and re-wrap
     * bodies at 76, which is what every common encoder writes.
     */
    LENGTH("a line over " + LineRule.MAX_LINE + " octets") {
        @Override
        boolean brokenBy(byte[] bytes, int from, int to) {
            return to - from > MAX_LINE;
        }
    },
    /** No space or tab at the end of a line: list servers and some relays strip it. */
    TRAILING_WHITE_SPACE("a line ending in white space") {
        @Override
        boolean brokenBy(byte[] bytes, int from, int to) {
            return to > from && (bytes[to - 1] == ' ' || bytes[to - 1] == '\t');
        }
    },
    /** No line starting with {@code From }: mbox stores turn it into {@code >From }. */
    FROM_LINE("a line starting with 'From '") {
        @Override
        boolean brokenBy(byte[] bytes, int from, int to) {
            return to - from >= 5 && bytes[from] == 'F' && bytes[from + 1] == 'r' && bytes[from + 2] == 'o'
                && bytes[from + 3] == 'm' && bytes[from + 4] == ' ';
        }
    };

    /** The longest line of the relay-proof form: what common encoders write and re-wrapping relays leave alone. */
    static final int MAX_LINE = 76;
    /**
     * The longest line RFC 5322 2.1.1 allows: the outer header block, which is not signed, keeps its lines up to it;
     * nothing in the signed part comes near it.
     */
    static final int MAX_UNFOLDABLE = 998;
    private static final LineRule[] ALL = values();

    private final String description;

    LineRule(String description) {
        this.description = description;
    }

    /** Whether the line {@code bytes[from, to)}, without its line break, breaks this rule. */
    abstract boolean brokenBy(byte[] bytes, int from, int to);

    /** What breaks the rule, for a reason: "a line over 76 octets". */
    String description() {
        return description;
    }

    /** The first rule the line breaks, or null. */
    static LineRule firstBrokenBy(byte[] bytes, int from, int to) {
        for (LineRule rule : ALL) {
            if (rule.brokenBy(bytes, from, to)) {
                return rule;
            }
        }
        return null;
    }

    /**
     * The first rule some line of {@code bytes[from, to)} breaks, or null; {@code to} is at a line end. A bare CR or
     * LF counts as {@link #SEVEN_BIT} here: text to be checked is CRLF already.
     */
    static LineRule firstBrokenInLines(byte[] bytes, int from, int to) {
        int lineStart = from;
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b == '\r' || b == '\n') {
                if (b == '\n' || i + 1 >= to || bytes[i + 1] != '\n') {
                    return SEVEN_BIT;
                }
                LineRule broken = firstBrokenBy(bytes, lineStart, i);
                if (broken != null) {
                    return broken;
                }
                lineStart = i + 2;
                i++;
            }
        }
        return lineStart < to ? firstBrokenBy(bytes, lineStart, to) : null;
    }
}
