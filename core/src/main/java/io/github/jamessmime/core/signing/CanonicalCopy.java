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
import java.util.Arrays;

/**
 * The byte-for-byte fast path: copies a body into the buffer with its line breaks made CRLF and judges every line
 * by the {@link LineRule}s in the same pass. When a line breaks a rule the copy stops and says which, having written
 * an unknown amount; the caller rolls back and writes the part anew. The result does not depend on how the stream
 * splits its reads.
 *
 * <p>The loop is the hot path for large attachments: a run of printable bytes costs about one comparison per eight
 * bytes ({@link ByteRuns}); only line ends and control bytes take the slow branch. Lines are judged where they lie
 * in the read chunk, and bytes are copied chunk by chunk, not line by line.
 */
final class CanonicalCopy {
    private static final int CHUNK = 64 * 1024;

    private final MessageBuffer out;
    private final byte[] chunk;
    /** For the next copy only: collect the output offsets of lines that start with '-' (for {@link MultipartForm}). */
    private boolean collectDashLines;
    private int[] dashLines = new int[64];
    private int dashLineCount;
    /** For the next copy only: go on past lines that break a rule, collecting their output offsets. */
    private boolean collectViolations;
    private int[] violations = new int[16];
    private int violationCount;
    /** Whether the last copy made a bare CR or LF into CRLF. */
    private boolean convertedLineBreaks;

    /**
     * @param out      receives the copied bytes
     * @param sizeHint the message size, if known (sizes the read buffer for small messages)
     */
    CanonicalCopy(MessageBuffer out, int sizeHint) {
        this.out = out;
        this.chunk = new byte[sizeHint > 0 ? Math.min(CHUNK, Math.max(1024, sizeHint)) : CHUNK];
    }

    /** Makes the next copy collect the offsets of its lines that start with '-'. */
    void collectDashLines() {
        collectDashLines = true;
        dashLineCount = 0;
    }

    int[] dashLines() {
        return dashLines;
    }

    /**
     * Makes the next copy go on to the end past lines that break a rule, collecting their offsets, so that a multipart
     * whose shape holds can keep its good parts and have only the others written anew; it still gives the first rule
     * broken.
     */
    void collectViolations() {
        collectViolations = true;
        violationCount = 0;
    }

    int[] violations() {
        return violations;
    }

    int violationCount() {
        return violationCount;
    }

    /** Whether the last copy wrote a bare CR or LF as CRLF: its bytes then differ from the input's. */
    boolean convertedLineBreaks() {
        return convertedLineBreaks;
    }

    int dashLineCount() {
        return dashLineCount;
    }

    /** Copies {@code in} to its end if every line keeps every {@link LineRule}; else gives the first rule broken. */
    LineRule copy(InputStream in) throws IOException {
        boolean collect = collectDashLines;
        collectDashLines = false;
        boolean keepGoing = collectViolations;
        collectViolations = false;
        convertedLineBreaks = false;
        LineRule first = null;
        // an 8-bit byte seen in the current line (when going on past it)
        boolean eightBit = false;
        try (InputStream source = in) {
            // where the current line starts: in the chunk (lineInChunk >= 0), else at lineInOut in the buffer
            int lineInOut = out.size();
            boolean pendingCr = false;
            int read;
            while ((read = source.read(chunk)) > 0) {
                int start = 0;
                int i = 0;
                // nothing of the current line in the buffer yet: it starts in this chunk
                int lineInChunk = out.size() == lineInOut ? 0 : -1;
                if (pendingCr) {
                    // the previous chunk ended with a CR, already copied: its line has ended
                    pendingCr = false;
                    out.write('\n');
                    if (chunk[0] == '\n') {
                        start = 1;
                        i = 1;
                    } else {
                        convertedLineBreaks = true;
                    }
                    LineRule broken = eightBit ? LineRule.SEVEN_BIT : judge(out.array(), lineInOut, out.size() - 2);
                    eightBit = false;
                    if (broken != null) {
                        if (!keepGoing) {
                            return broken;
                        }
                        first = first == null ? broken : first;
                        addViolation(lineInOut);
                    }
                    if (collect && out.array()[lineInOut] == '-') {
                        addDashLine(lineInOut);
                    }
                    lineInChunk = i;
                }
                while (i < read) {
                    int b = chunk[i];
                    if (b >= 14) {
                        i = ByteRuns.printableRunEnd(chunk, i + 1, read);
                        continue;
                    }
                    if (b <= 0) {
                        if (!keepGoing) {
                            return LineRule.SEVEN_BIT;
                        }
                        eightBit = true;
                        i++;
                        continue;
                    }
                    if (b != '\r' && b != '\n') {
                        i++;
                        continue;
                    }
                    if (b == '\r' && i + 1 == read) {
                        pendingCr = true; // whether an LF follows, the next chunk tells
                        i++;
                        break;
                    }
                    // the line ends at i: judge it where it lies
                    LineRule broken;
                    int lineOffset;
                    if (lineInChunk >= 0) {
                        broken = judge(chunk, lineInChunk, i);
                        lineOffset = out.size() + lineInChunk - start;
                    } else {
                        flush(start, i);
                        start = i;
                        broken = judge(out.array(), lineInOut, out.size());
                        lineOffset = lineInOut;
                    }
                    if (eightBit) {
                        broken = LineRule.SEVEN_BIT;
                        eightBit = false;
                    }
                    if (broken != null) {
                        if (!keepGoing) {
                            return broken;
                        }
                        first = first == null ? broken : first;
                        addViolation(lineOffset);
                    }
                    if (collect && (lineInChunk >= 0 ? chunk[lineInChunk] : out.array()[lineInOut]) == '-') {
                        addDashLine(lineOffset);
                    }
                    if (b == '\r' && chunk[i + 1] == '\n') {
                        i += 2;
                    } else {
                        // a bare CR or LF: written as CRLF
                        convertedLineBreaks = true;
                        flush(start, i);
                        out.write('\r');
                        out.write('\n');
                        i++;
                        start = i;
                    }
                    lineInChunk = i;
                }
                flush(start, read);
                if (pendingCr) {
                    lineInOut = lineInChunk >= 0 ? out.size() - (read - lineInChunk) : lineInOut;
                } else if (lineInChunk >= 0) {
                    lineInOut = out.size() - (read - lineInChunk);
                }
                // a line longer than any rule allows is known before it ends
                if (!keepGoing && out.size() - lineInOut - (pendingCr ? 1 : 0) > LineRule.MAX_LINE) {
                    return LineRule.LENGTH;
                }
            }
            LineRule last;
            if (pendingCr) {
                out.write('\n');
                convertedLineBreaks = true;
                last = judgeLast(lineInOut, out.size() - 2, collect, eightBit);
            } else {
                last = out.size() > lineInOut ? judgeLast(lineInOut, out.size(), collect, eightBit) : null;
            }
            if (last != null && keepGoing) {
                addViolation(lineInOut);
            }
            return first != null ? first : last;
        }
    }

    private LineRule judgeLast(int from, int to, boolean collect, boolean eightBit) {
        LineRule broken = eightBit ? LineRule.SEVEN_BIT : judge(out.array(), from, to);
        if (collect && to > from && out.array()[from] == '-') {
            addDashLine(from);
        }
        return broken;
    }

    /** The rules a line's length and ends show; 8-bit bytes the scan has found already. */
    private static LineRule judge(byte[] bytes, int from, int to) {
        if (LineRule.LENGTH.brokenBy(bytes, from, to)) {
            return LineRule.LENGTH;
        }
        if (LineRule.TRAILING_WHITE_SPACE.brokenBy(bytes, from, to)) {
            return LineRule.TRAILING_WHITE_SPACE;
        }
        return LineRule.FROM_LINE.brokenBy(bytes, from, to) ? LineRule.FROM_LINE : null;
    }

    private void addViolation(int offset) {
        if (violationCount == violations.length) {
            violations = Arrays.copyOf(violations, violationCount * 2);
        }
        violations[violationCount++] = offset;
    }

    /** The offsets of the lines of {@code bytes[from, to)} (CRLF already) that start with '-'. */
    static int[] dashLinesOf(byte[] bytes, int from, int to) {
        int[] lines = new int[16];
        int count = 0;
        boolean lineStart = true;
        int i = from;
        while (i < to) {
            if (lineStart && bytes[i] == '-') {
                if (count == lines.length) {
                    lines = Arrays.copyOf(lines, lines.length * 2);
                }
                lines[count++] = i;
            }
            // a line goes on through a run of printable bytes: only a byte that ends the run can start a line after it
            int end = ByteRuns.printableRunEnd(bytes, i, to);
            if (end == to) {
                break;
            }
            lineStart = bytes[end] == '\n';
            i = end + 1;
        }
        return Arrays.copyOf(lines, count);
    }

    private void addDashLine(int offset) {
        if (dashLineCount == dashLines.length) {
            dashLines = Arrays.copyOf(dashLines, dashLineCount * 2);
        }
        dashLines[dashLineCount++] = offset;
    }

    private void flush(int from, int to) {
        if (to > from) {
            out.write(chunk, from, to - from);
        }
    }
}
