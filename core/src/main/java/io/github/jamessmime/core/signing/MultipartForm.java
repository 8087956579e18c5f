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

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

import javax.mail.internet.ContentType;
import javax.mail.internet.ParseException;

/**
 * The canonical shape of a multipart: decides whether a multipart body, already copied in CRLF form with every line
 * judged by the {@link LineRule}s ({@link CanonicalCopy}), is in the shape that every verifier reads and re-serialises
 * to the same bytes and every leaf in the relay-proof form of its encoding, so that it can be signed as it is:
 * <ul>
 * <li>each part is a header block of well-formed fields, a blank line and a body (an empty body too is followed by
 *     the line break that belongs to the next delimiter); at most one Content-Type and one
 *     Content-Transfer-Encoding, the latter 7bit, base64 or quoted-printable (7bit for a multipart);</li>
 * <li>each leaf's body in the form of its encoding ({@link LeafForm}); an attached message only when no part in it
 *     is base64 or quoted-printable ({@link #isOpaqueMessage}), else it is written part by part;</li>
 * <li>delimiter lines are exactly {@code --boundary} and {@code --boundary--}; every multipart has a part and its
 *     close delimiter; nothing follows the outermost close delimiter, and one blank line follows an inner one;</li>
 * <li>boundaries are valid (RFC 2046 5.1.1), none is a prefix of another, and no other line starts with
 *     {@code --} and a boundary (re-serialising verifiers count such lines as delimiters);</li>
 * <li>multiparts nest at most {@code maxDepth} levels.</li>
 * </ul>
 * A preamble of text lines is allowed (verifiers keep it as it is). Anything else is written anew by
 * {@link CanonicalWriter} from the parsed tree; {@link Reserialiser} is the verifiers' reading this shape is judged by.
 */
final class MultipartForm {
    private enum State { PREAMBLE, HEADERS, BODY, AFTER_CHILD }

    private static final class Frame {
        final byte[] delimiter;
        State state = State.PREAMBLE;
        /** Where the current part's body starts: an empty body still needs the line break before the delimiter. */
        int bodyStart = -1;
        /** The current part's transfer encoding, when it is a leaf. */
        String leafEncoding;
        /** Whether the current part is an attached message/rfc822. */
        boolean attachedMessage;
        /** Where the current part starts: its header block, after the delimiter line. */
        int partStart = -1;

        Frame(String boundary) {
            this.delimiter = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
        }
    }

    private final byte[] bytes;
    private final int maxDepth;
    private final Deque<Frame> open = new ArrayDeque<>();
    private final List<String> boundaries = new ArrayList<>();
    private final List<Integer> strays = new ArrayList<>();
    private final List<String> headers = new ArrayList<>();
    private final int baseDepth;
    /** Whether leaves are judged (not when only the shape of a multipart whose leaves are known good is asked). */
    private boolean judgeLeaves = true;
    /** When collecting: every leaf as {start, end, depth, written anew (1) or kept (0), attached message (1)}, in order. */
    private List<int[]> leaves;

    private MultipartForm(byte[] bytes, int maxDepth, int baseDepth) {
        this.bytes = bytes;
        this.maxDepth = maxDepth;
        this.baseDepth = baseDepth;
    }

    /**
     * Whether {@code bytes[from, to)}, the CRLF body of a multipart with {@code boundary} at nesting {@code depth}, has
     * the canonical shape, its leaves taken as in form (they were judged, or written here). {@code dashLines[0, count)}
     * are the offsets, in order, of every line in it that starts with {@code -}: only those and the header blocks
     * after delimiters are read.
     */
    static boolean hasCanonicalShape(byte[] bytes, int from, int to, String boundary, int depth, int maxDepth,
                                     int[] dashLines, int count) {
        MultipartForm form = new MultipartForm(bytes, maxDepth - depth, depth);
        form.judgeLeaves = false;
        return form.isCanonical(from, to, boundary, dashLines, count);
    }

    /**
     * For a multipart copied whole past lines that break a rule ({@code violations[0, violationCount)}, their
     * offsets): when its shape holds and every such line lies in a leaf, the leaves to write anew as
     * {start, end, depth, _, attached message (1), only the last line's CRLF missing (1)} (the part from its header block
     * to the end of its body), in order, the rest kept as copied; else null.
     */
    static List<int[]> leavesToRewrite(byte[] bytes, int from, int to, String boundary, int depth, int maxDepth,
                                       int[] dashLines, int count, int[] violations, int violationCount) {
        MultipartForm form = new MultipartForm(bytes, maxDepth - depth, depth);
        form.leaves = new ArrayList<>();
        if (!form.isCanonical(from, to, boundary, dashLines, count)) {
            return null;
        }
        int leaf = 0;
        for (int v = 0; v < violationCount; v++) {
            int offset = violations[v];
            while (leaf < form.leaves.size() && form.leaves.get(leaf)[1] <= offset) {
                leaf++;
            }
            if (leaf == form.leaves.size() || form.leaves.get(leaf)[0] > offset) {
                return null; // a delimiter, preamble or multipart header line: the shape is written anew
            }
            form.leaves.get(leaf)[3] = 1;
            form.leaves.get(leaf)[5] = 0; // a line that breaks a rule: the leaf is written anew
        }
        List<int[]> rewrites = new ArrayList<>();
        for (int[] range : form.leaves) {
            if (range[3] == 1) {
                rewrites.add(range);
            }
        }
        return rewrites;
    }

    /** RFC 2046 5.1.1: 1 to 70 characters of bchars, not ending in a space. */
    static boolean isValidBoundary(String boundary) {
        if (boundary == null || boundary.isEmpty() || boundary.length() > 70 || boundary.endsWith(" ")) {
            return false;
        }
        for (int i = 0; i < boundary.length(); i++) {
            char c = boundary.charAt(i);
            boolean bchar = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                || "'()+_,-./:=? ".indexOf(c) >= 0;
            if (!bchar) {
                return false;
            }
        }
        return true;
    }

    private boolean isCanonical(int from, int to, String boundary, int[] dashLines, int count) {
        if (to - from < 2 || bytes[to - 2] != '\r' || bytes[to - 1] != '\n' || !push(boundary)) {
            return false;
        }
        int next = 0;
        int pos = from;
        while (true) {
            Frame frame = open.peek();
            if (frame.state == State.HEADERS) {
                int end = lineEnd(pos, to);
                if (end < 0 || !header(frame, pos, end)) {
                    return false;
                }
                pos = end + 2;
                frame.bodyStart = pos;
                continue;
            }
            // between header blocks only lines starting with '-' can matter
            while (next < count && dashLines[next] < pos) {
                next++;
            }
            if (next == count) {
                return false; // no close delimiter
            }
            int line = dashLines[next++];
            int end = lineEnd(line, to);
            if (end < 0 || (frame.state == State.AFTER_CHILD && line != pos)) {
                return false;
            }
            boolean delimiter = matches(frame.delimiter, line, end, false);
            if (!delimiter && !matches(frame.delimiter, line, end, true)) {
                strays.add(line);
                pos = end + 2;
                continue;
            }
            if (frame.state == State.BODY && line == frame.bodyStart) {
                return false; // an empty body without its line break: the end of the header block for some
            }
            if (frame.state == State.BODY && frame.leafEncoding != null && judgeLeaves) {
                boolean inForm = leafInForm(frame, line - 2);
                if (leaves != null) {
                    boolean lineBreakOnly = !inForm && LeafForm.BASE64.equals(frame.leafEncoding) && !frame.attachedMessage
                        && Base64Form.holdsBeforeFinalLineBreak(bytes, frame.bodyStart, line - 2);
                    leaves.add(new int[] {frame.partStart, line - 2, baseDepth + open.size(), inForm ? 0 : 1,
                        frame.attachedMessage ? 1 : 0, lineBreakOnly ? 1 : 0});
                } else if (!inForm) {
                    return false;
                }
            }
            pos = end + 2;
            if (delimiter) {
                frame.state = State.HEADERS;
                frame.partStart = pos;
                headers.clear();
                continue;
            }
            if (frame.state == State.PREAMBLE) {
                return false; // no part
            }
            open.pop();
            if (open.isEmpty()) {
                return pos == to && noStrayDelimiters(to); // nothing after the close delimiter
            }
            // exactly one blank line, then the enclosing delimiter
            if (pos + 2 > to || bytes[pos] != '\r' || bytes[pos + 1] != '\n') {
                return false;
            }
            pos += 2;
            open.peek().state = State.AFTER_CHILD;
        }
    }

    /** One line of a part's header block; at the blank line, the part's type decides what follows. */
    private boolean header(Frame frame, int pos, int end) {
        if (end == pos) {
            return endOfHeaders(frame);
        }
        byte first = bytes[pos];
        if (first == ' ' || first == '\t') {
            if (headers.isEmpty()) {
                return false;
            }
            int last = headers.size() - 1;
            headers.set(last, headers.get(last) + ascii(pos, end));
            return true;
        }
        int colon = -1;
        for (int i = pos; i < end; i++) {
            if (bytes[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon < 0 || !HeaderForm.isFieldName(ascii(pos, colon), 0, colon - pos)) {
            return false;
        }
        headers.add(ascii(pos, end));
        return true;
    }

    private boolean endOfHeaders(Frame frame) {
        String contentType = null;
        String encoding = null;
        for (String line : headers) {
            String name = HeaderForm.name(line);
            String value = line.substring(line.indexOf(':') + 1).trim();
            if (name.equals("content-type")) {
                if (contentType != null) {
                    return false;
                }
                contentType = value;
            } else if (name.equals("content-transfer-encoding")) {
                if (encoding != null) {
                    return false;
                }
                encoding = value.toLowerCase(Locale.ROOT);
            }
        }
        if (encoding != null && !LeafForm.isCopyable(encoding) && (leaves == null || !encoding.equals("8bit"))) {
            // (when collecting, an 8bit leaf is written anew from the copy, whose CRLF line breaks are its canonical
            // form; binary data must not have its line breaks converted: the whole multipart is written anew)
            return false;
        }
        ContentType type;
        try {
            type = contentType == null ? null : new ContentType(contentType);
        } catch (ParseException e) {
            return false;
        }
        if (type != null && type.getPrimaryType().equalsIgnoreCase("multipart")) {
            if (encoding != null && !encoding.equals("7bit")) {
                return false;
            }
            frame.state = State.BODY;
            frame.leafEncoding = null;
            return push(type.getParameter("boundary"));
        }
        frame.state = State.BODY;
        frame.leafEncoding = encoding == null ? LeafForm.SEVEN_BIT : encoding;
        frame.attachedMessage = type != null && type.match("message/rfc822");
        return true;
    }

    /** Whether the leaf body that ends at {@code bodyEnd} (before the delimiter's CRLF) is in the form of its encoding. */
    private boolean leafInForm(Frame frame, int bodyEnd) {
        if (frame.leafEncoding == null) {
            return true; // a multipart's own body, judged part by part
        }
        if (frame.attachedMessage && !isOpaqueMessage(bytes, frame.bodyStart, bodyEnd)) {
            return false;
        }
        return LeafForm.holds(frame.leafEncoding, bytes, frame.bodyStart, bodyEnd);
    }

    /**
     * Whether a copied attached message can be signed as one opaque part: verifiers hash it as it is, and no part
     * in it declares base64 or quoted-printable, bodies that re-wrapping relays would rewrite (such a message is
     * written part by part). Its lines the copy has judged already.
     */
    static boolean isOpaqueMessage(byte[] bytes, int from, int to) {
        int lineStart = from;
        for (int i = from; i < to; i++) {
            if (bytes[i] != '\n') {
                continue;
            }
            if (declaresEncodedBody(bytes, lineStart, i)) {
                return false;
            }
            lineStart = i + 1;
        }
        return !declaresEncodedBody(bytes, lineStart, to);
    }

    private static final String TRANSFER_ENCODING = "content-transfer-encoding:";

    private static boolean declaresEncodedBody(byte[] bytes, int from, int to) {
        if (to - from <= TRANSFER_ENCODING.length() || (bytes[from] | 0x20) != 'c') {
            return false;
        }
        String line = new String(bytes, from, to - from, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        return line.startsWith(TRANSFER_ENCODING) && (line.contains("base64") || line.contains("quoted-printable"));
    }

    private boolean push(String boundary) {
        if (!isValidBoundary(boundary) || open.size() >= maxDepth) {
            return false;
        }
        for (String other : boundaries) {
            if (other.startsWith(boundary) || boundary.startsWith(other)) {
                return false;
            }
        }
        boundaries.add(boundary);
        open.push(new Frame(boundary));
        return true;
    }

    /** No line that is not a delimiter starts with {@code --} and any boundary of the tree. */
    private boolean noStrayDelimiters(int to) {
        for (int pos : strays) {
            for (String boundary : boundaries) {
                if (startsWith(pos, to, boundary)) {
                    return false;
                }
            }
        }
        return true;
    }

    private boolean startsWith(int pos, int to, String boundary) {
        if (pos + 2 + boundary.length() > to) {
            return false;
        }
        for (int i = 0; i < boundary.length(); i++) {
            if (bytes[pos + 2 + i] != boundary.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean isDash(int pos, int end) {
        return end - pos >= 2 && bytes[pos] == '-' && bytes[pos + 1] == '-';
    }

    private boolean matches(byte[] delimiter, int pos, int end, boolean close) {
        int length = delimiter.length + (close ? 2 : 0);
        if (end - pos != length) {
            return false;
        }
        for (int i = 0; i < delimiter.length; i++) {
            if (bytes[pos + i] != delimiter[i]) {
                return false;
            }
        }
        return !close || (bytes[end - 2] == '-' && bytes[end - 1] == '-');
    }

    /** The index of the CR of the CRLF that ends the line at {@code pos}, or -1 if the body does not end in CRLF. */
    private int lineEnd(int pos, int to) {
        for (int i = pos; i < to; i++) {
            if (bytes[i] == '\r') {
                return i + 1 < to && bytes[i + 1] == '\n' ? i : -1;
            }
            if (bytes[i] == '\n') {
                return -1;
            }
        }
        return -1;
    }

    private String ascii(int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
    }
}
