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

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import io.github.jamessmime.core.failure.FailureKind;

/**
 * The header block of a message to sign, read as RFC 5322 2.2 does, so that the new {@code MIME-Version}
 * and {@code Content-Type} never follow a line where some parser ends the header block.
 *
 * <p>Repaired, since every parser then reads the line alike: a byte-order mark before the first field, an mbox
 * separator line ({@code From sender date}) before it, white
 * space before a colon (obsolete syntax), breaks not followed by white space (a header set by a program), and
 * trailing white space. Refused: a block that starts with a continuation line, and any line that is not a
 * header field (a line without a colon, or a name with spaces or 8-bit bytes: parsers disagree on whether it
 * is a header or the start of the body).
 */
final class OuterHeaders {
    static final String CONTINUATION_FIRST = "the header block starts with a continuation line (a line beginning with white space)";

    private final List<String> contentLines;
    private final List<String> otherLines;

    private OuterHeaders(List<String> contentLines, List<String> otherLines) {
        this.contentLines = Collections.unmodifiableList(contentLines);
        this.otherLines = Collections.unmodifiableList(otherLines);
    }

    static OuterHeaders of(MimeMessage message) throws MessagingException, SigningException {
        return of(message, Set.of());
    }

    /** @param removed lower-case names of headers the signed message does not keep (they are not signed either way) */
    static OuterHeaders of(MimeMessage message, Set<String> removed) throws MessagingException, SigningException {
        List<String> content = new ArrayList<>();
        List<String> other = new ArrayList<>();
        boolean first = true;
        for (String line : Collections.list(message.getAllHeaderLines())) {
            if (first) {
                first = false;
                line = withoutByteOrderMark(line);
                if (line.startsWith("From ")) {
                    continue; // an mbox separator line (Unix From_), not part of the message
                }
            }
            if (line.isEmpty() || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                throw new SigningException(FailureKind.BAD_INPUT, CONTINUATION_FIRST + ": '" + HeaderForm.excerpt(line) + "'; it is not signed");
            }
            String repaired;
            try {
                repaired = HeaderForm.repaired(line);
            } catch (MessagingException e) {
                throw new SigningException(FailureKind.BAD_INPUT, "the header block has a line that is not a header field (RFC 5322 2.2): '"
                    + HeaderForm.excerpt(line) + "'; parsers disagree on where its body starts, so it is not signed");
            }
            String name = HeaderForm.name(repaired);
            if (name.startsWith("content-")) {
                content.add(repaired);
            } else if (!name.equals("mime-version") && !removed.contains(name)) {
                other.add(repaired);
            }
        }
        return new OuterHeaders(content, other);
    }

    /**
     * Whether the raw message starting with {@code head} starts its header block with a continuation line (after a
     * UTF-8 byte-order mark). javax.mail cannot say it: it trims such a first line into a field of its own, or fails
     * (see {@link #failsOnContinuationFirst}).
     */
    static boolean startsWithContinuation(byte[] head) {
        int start = head.length >= 3 && (head[0] & 0xFF) == 0xEF && (head[1] & 0xFF) == 0xBB && (head[2] & 0xFF) == 0xBF ? 3 : 0;
        return head.length > start && (head[start] == ' ' || head[start] == '\t');
    }

    /**
     * Whether {@code e} is javax.mail's failure to parse a header block that starts with a continuation line (one of
     * white space only, then another): InternetHeaders appends it to the field before, of which there is none. A message
     * whose header block is parsed at its first use, as James's, fails so when the signer first asks for a header.
     */
    static boolean failsOnContinuationFirst(Throwable e) {
        if (!(e instanceof IndexOutOfBoundsException)) {
            return false;
        }
        for (StackTraceElement frame : e.getStackTrace()) {
            if (frame.getClassName().equals("javax.mail.internet.InternetHeaders") && frame.getMethodName().equals("addHeaderLine")) {
                return true;
            }
        }
        return false;
    }

    /** UTF-8's byte-order mark as javax.mail reads it (ISO-8859-1 characters) or decoded. */
    private static String withoutByteOrderMark(String line) {
        if (line.startsWith("\u00EF\u00BB\u00BF")) {
            return line.substring(3);
        }
        return line.startsWith("\uFEFF") ? line.substring(1) : line;
    }

    /** The Content-* lines: they go into the signed part. */
    List<String> contentLines() {
        return contentLines;
    }

    /** Every other line but MIME-Version: they stay on the outer message. */
    List<String> otherLines() {
        return otherLines;
    }
}
