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

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.Locale;

import javax.mail.MessagingException;
import javax.mail.internet.ContentType;
import javax.mail.internet.InternetHeaders;
import javax.mail.internet.MimeBodyPart;

/**
 * Shows, without javax.mail's multipart parser, that a re-serialising verifier ({@link Reserialiser}) gives back the
 * signed content byte for byte: the fast path of the {@link SelfCheck}.
 *
 * <p>One scan over the content finds its line structure: every line break must be CRLF (verifiers make a bare CR or
 * LF CRLF, and so hash other bytes), and the lines starting with {@code --} are noted. The entity tree is then
 * walked on those lines alone, leaf bodies never read again:
 * <ul>
 * <li>each header block is read by javax.mail's own {@link InternetHeaders} and must write back to its very bytes
 * (one javax.mail itself writes must be 7-bit), and its Content-Type is judged by
 * {@link MimeBodyPart#getContentType()}, as the verifier judges it;</li>
 * <li>in a multipart, every line starting with its delimiter up to the close delimiter must be exactly a delimiter
 * line ({@code --boundary} or {@code --boundary--}, nothing after): then javax.mail's parser, which takes such a line
 * with trailing white space too, and the verifier's delimiter count, which takes any line starting so, find the same
 * parts, and each part's raw body is the bytes between;</li>
 * <li>no line before a nested multipart in its parent starts with the nested delimiter (the verifier counts those
 * from the parent's start), and each part has its header block before the next delimiter.</li>
 * </ul>
 *
 * <p>It is stricter than the verifier in a few shapes it does not model (a binary single part with bare line
 * breaks, a boundary over 70 characters); the self-check asks the full re-serialisation there. Differential tests
 * hold it to never passing what the re-serialisation refuses.
 */
final class VerifierView {
    private static final byte[] NO_BODY = new byte[0];

    private final byte[] bytes;
    private final int end;
    /** Starts of the lines beginning with {@code --}, ascending. */
    private int[] dashLines = new int[16];
    private int dashLineCount;

    private VerifierView(byte[] bytes, int end) {
        this.bytes = bytes;
        this.end = end;
    }

    /** What a re-serialising verifier would read differently in {@code bytes[start, end)}, or null when nothing. */
    static String problem(byte[] bytes, int start, int end) {
        VerifierView view = new VerifierView(bytes, end);
        String problem = view.scanLines(start);
        if (problem != null) {
            return problem;
        }
        try {
            return view.entity(start, end, 0, true, -1);
        } catch (MessagingException | RuntimeException e) {
            return "a part cannot be read: " + HeaderForm.excerpt(String.valueOf(e.getMessage()), 200);
        }
    }

    /** Refuses a bare CR or LF, and notes the lines that start with {@code --}. */
    private String scanLines(int start) {
        int i = start;
        boolean lineStart = true;
        while (i < end) {
            if (lineStart && bytes[i] == '-' && i + 1 < end && bytes[i + 1] == '-') {
                addDashLine(i);
            }
            lineStart = false;
            i = ByteRuns.printableRunEnd(bytes, i, end);
            if (i == end) {
                break;
            }
            byte b = bytes[i];
            if (b == '\r') {
                if (i + 1 == end || bytes[i + 1] != '\n') {
                    return "a bare CR at byte " + (i - start) + ", which verifiers make CRLF";
                }
                i += 2;
                lineStart = true;
            } else if (b == '\n') {
                return "a bare LF at byte " + (i - start) + ", which verifiers make CRLF";
            } else {
                i++;
            }
        }
        return null;
    }

    private void addDashLine(int offset) {
        if (dashLineCount == dashLines.length) {
            dashLines = Arrays.copyOf(dashLines, dashLineCount * 2);
        }
        dashLines[dashLineCount++] = offset;
    }

    /** The index of the first dash line at or after {@code offset}. */
    private int firstDashLine(int offset) {
        int index = Arrays.binarySearch(dashLines, 0, dashLineCount, offset);
        return index >= 0 ? index : -index - 1;
    }

    /**
     * Checks the entity in {@code [start, limit)}.
     *
     * @param parentBody where the enclosing multipart's body starts, or -1 at the top: the verifier counts a nested
     *                   multipart's delimiter lines from there
     */
    private String entity(int start, int limit, int depth, boolean topLevel, int parentBody) throws MessagingException {
        if (depth > Reserialiser.VERIFIER_MAX_DEPTH) {
            return "multiparts nest deeper than a verifier descends";
        }
        int bodyStart = headerBlockEnd(start, limit);
        if (bodyStart < 0) {
            return "a part at byte " + start + " has no blank line ending its header block before its end";
        }
        InternetHeaders headers = new InternetHeaders(new ByteArrayInputStream(bytes, start, bodyStart - start));
        if (!writesBack(headers, start, bodyStart)) {
            return "the header block at byte " + start + " reads back as other bytes";
        }
        String type = new MimeBodyPart(headers, NO_BODY).getContentType();
        if (!type.toLowerCase(Locale.ROOT).startsWith("multipart")) {
            // a leaf: its raw body is written as it is; its header lines by javax.mail unless it is base64 or
            // quoted-printable, and javax.mail writes a byte it read as ISO-8859-1 back as UTF-8
            String[] encoding = headers.getHeader("Content-Transfer-Encoding");
            if (encoding == null || !(encoding[0].equalsIgnoreCase("base64") || encoding[0].equalsIgnoreCase("quoted-printable"))) {
                for (int i = start; i < bodyStart; i++) {
                    if (bytes[i] < 0) {
                        return "an 8-bit byte in the header block at byte " + i + ", which verifiers write back as UTF-8";
                    }
                }
            }
            return null;
        }
        ContentType multipart = new ContentType(type);
        if (!multipart.match("multipart/*")) {
            // javax.mail reads it as a multipart only after decoding its transfer encoding, which it ignores for multipart/*
            return "a part at byte " + start + " has a type javax.mail reads as multipart only in part: " + HeaderForm.excerpt(type, 60);
        }
        String boundary = multipart.getParameter("boundary");
        if (!MultipartForm.isValidBoundary(boundary)) {
            return "a multipart at byte " + start + " has no boundary of 1 to 70 characters RFC 2046 allows, not ending in a space";
        }
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        if (parentBody >= 0) {
            // what the verifier counts as this multipart's delimiter lines, from its parent's body on, must be its own
            for (int i = firstDashLine(parentBody); i < dashLineCount && dashLines[i] < bodyStart; i++) {
                if (startsWith(dashLines[i], delimiter)) {
                    return "a line before the multipart at byte " + start + " starts with its delimiter";
                }
            }
        }
        int partStart = -1;
        int parts = 0;
        for (int i = firstDashLine(bodyStart); i < dashLineCount && dashLines[i] < limit; i++) {
            int line = dashLines[i];
            if (!startsWith(line, delimiter)) {
                continue;
            }
            int after = line + delimiter.length;
            boolean close = after + 1 < end && bytes[after] == '-' && bytes[after + 1] == '-';
            int lineBreak = close ? after + 2 : after;
            // a nested close delimiter may end its part's bytes: its CRLF is then the one before the parent's delimiter
            if (lineBreak > limit || (lineBreak == limit && (topLevel || !close)) || lineBreak + 1 >= end
                || bytes[lineBreak] != '\r' || bytes[lineBreak + 1] != '\n') {
                return "a line at byte " + line + " starts with a delimiter but is not one";
            }
            if (partStart >= 0) {
                String problem = part(partStart, line - 2, depth, bodyStart);
                if (problem != null) {
                    return problem;
                }
                parts++;
            } else if (close) {
                return "the multipart at byte " + start + " closes before its first part";
            }
            if (close) {
                // the epilogue: lines the verifier writes as they are, each ended by CRLF (a nested one's last is the
                // CRLF before the parent's delimiter)
                return !topLevel || (bytes[limit - 2] == '\r' && bytes[limit - 1] == '\n') ? null
                    : "the signed content does not end with a line break";
            }
            partStart = lineBreak + 2;
        }
        return partStart < 0 ? "the multipart at byte " + start + " has no delimiter line"
            : "the multipart at byte " + start + " has no close delimiter";
    }

    private String part(int start, int limit, int depth, int parentBody) throws MessagingException {
        if (limit < start) {
            return "two delimiter lines at byte " + start + " have no part between them";
        }
        return entity(start, limit, depth + 1, false, parentBody);
    }

    /** Where the body starts: after the first empty line, which must lie within {@code [start, limit)}; or -1. */
    private int headerBlockEnd(int start, int limit) {
        if (limit - start >= 2 && bytes[start] == '\r' && bytes[start + 1] == '\n') {
            return start + 2;
        }
        for (int i = start; i + 3 < limit; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') {
                return i + 4;
            }
        }
        return -1;
    }

    /** Whether the header lines javax.mail read, written as the verifier writes them, are {@code bytes[start, end)}. */
    private boolean writesBack(InternetHeaders headers, int start, int blockEnd) {
        int position = start;
        for (Enumeration<String> lines = headers.getAllHeaderLines(); lines.hasMoreElements(); ) {
            String line = lines.nextElement();
            int length = line.length();
            if (position + length + 2 > blockEnd) {
                return false;
            }
            for (int i = 0; i < length; i++) {
                char c = line.charAt(i);
                if (c > 0xFF || bytes[position + i] != (byte) c) {
                    return false;
                }
            }
            position += length;
            if (bytes[position] != '\r' || bytes[position + 1] != '\n') {
                return false;
            }
            position += 2;
        }
        return position + 2 == blockEnd;
    }

    private boolean startsWith(int offset, byte[] prefix) {
        return offset + prefix.length <= end && Arrays.equals(bytes, offset, offset + prefix.length, prefix, 0, prefix.length);
    }
}
