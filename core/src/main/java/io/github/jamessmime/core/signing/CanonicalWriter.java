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
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

import javax.activation.DataSource;
import javax.mail.BodyPart;
import javax.mail.MessagingException;
import javax.mail.Multipart;
import javax.mail.internet.ContentType;
import javax.mail.internet.MimeBodyPart;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;
import javax.mail.internet.MimePart;
import javax.mail.internet.MimePartDataSource;
import javax.mail.internet.ParseException;
import javax.mail.util.SharedByteArrayInputStream;

/**
 * Writes a MIME entity in the canonical, relay-proof form that is signed (RFC 8551 3.1): CRLF line breaks, only
 * 7-bit bytes (part headers included), every line kept by the {@link LineRule}s (at most 76 octets, no trailing
 * white space, none starting with {@code From }), each leaf's body in the form of its encoding ({@link LeafForm}),
 * and a shape that every verifier reads and re-serialises to the same bytes ({@link MultipartForm}).
 *
 * <p>Parts that are already so are copied byte for byte ({@link CanonicalCopy}): a whole multipart in one pass when
 * its shape is canonical. Otherwise the tree as javax.mail reads it is written anew: header lines repaired, folded
 * and made 7-bit ({@link HeaderForm}), each multipart with a fresh boundary, without preamble and epilogue (text MIME
 * readers never show), leaves re-wrapped or re-encoded ({@link LeafForm}). Composites nest at most
 * {@code maxDepth} levels; deeper mail is refused.
 */
final class CanonicalWriter {
    private static final byte[] CRLF = {'\r', '\n'};

    private final MessageBuffer out;
    private final CanonicalCopy copy;
    private final int maxDepth;
    private final Supplier<String> boundaries;
    /** Header protection: the relay-proof field lines written first in the signed part's header, or null for none. */
    private List<String> protectedFields;

    /**
     * @param out        receives the canonical bytes
     * @param sizeHint   the message size, if known (sizes the copy buffer for small messages)
     * @param maxDepth   how many levels of multipart and message/rfc822 may nest
     * @param boundaries fresh boundaries for multiparts that are written anew
     */
    CanonicalWriter(MessageBuffer out, int sizeHint, int maxDepth, Supplier<String> boundaries) {
        this.out = out;
        this.copy = new CanonicalCopy(out, sizeHint);
        this.maxDepth = maxDepth;
        this.boundaries = boundaries;
    }

    /** Writes the body and the given Content-* header lines of a message: the part that gets signed. */
    void writeContentOf(MimeMessage message, List<String> contentHeaders) throws IOException, MessagingException {
        writeEntity(message, contentHeaders, 0);
    }

    /**
     * As {@link #writeContentOf(MimeMessage, List)}, with header protection (RFC 9788, {@link ProtectedHeaders}): the
     * given relay-proof field lines head the signed part's header, and its Content-Type is marked {@code hp=clear}.
     */
    void writeContentOf(MimeMessage message, List<String> contentHeaders, List<String> protectedFields)
        throws IOException, MessagingException {
        this.protectedFields = protectedFields;
        writeEntity(message, contentHeaders, 0);
    }

    private void writeEntity(MimePart part, List<String> headers, int depth) throws IOException, MessagingException {
        if (depth > maxDepth) {
            throw new MessagingException("multiparts and attached messages nest more than " + maxDepth
                + " levels deep (mime.maxDepth)");
        }
        String header = part.getHeader("Content-Type", null);
        ContentType type = contentType(header);
        // a Content-Type only a lenient reading understands is written anew in strict form
        boolean strict = header == null || parses(header);
        String typeLine = strict ? null : HeaderForm.canonical("Content-Type: " + HeaderForm.withEncodedParameters(type));
        boolean marked = depth == 0 && protectedFields != null;
        if (marked) {
            typeLine = HeaderForm.canonical("Content-Type: " + HeaderForm.withEncodedParameters(ProtectedHeaders.marked(type)));
        }
        String encoding = encodingOf(part);
        if (type.match("multipart/*")) {
            int mark = out.size();
            String boundary = type.getParameter("boundary");
            // a Content-Type that cannot be folded to 76 (a long boundary, no space after ';') is written anew
            if (encoding.equals(LeafForm.SEVEN_BIT) && strict && (marked ? HeaderForm.keepsLineLimit(typeLine) : foldsToLineLimit(header))) {
                writeHeaders(part, headers, typeLine, null);
                int bodyStart = out.size();
                copy.collectDashLines();
                copy.collectViolations();
                copy.copy(rawStream(part));
                List<int[]> rewrites = MultipartForm.leavesToRewrite(out.array(), bodyStart, out.size(), boundary, depth,
                    maxDepth, copy.dashLines(), copy.dashLineCount(), copy.violations(), copy.violationCount());
                // an attached message is written anew from the original bytes when the copy changed line breaks (a
                // binary part inside it must keep them)
                boolean fromCopy = rewrites != null && (!copy.convertedLineBreaks() || rewrites.stream().noneMatch(leaf -> leaf[4] == 1));
                if (fromCopy && (rewrites.isEmpty() || rewriteLeaves(bodyStart, boundary, depth, rewrites))) {
                    return;
                }
                out.truncate(mark);
            }
            writeMultipart(part, type, headers, depth);
        } else if (type.match("message/rfc822") && !isEncoded(part)) {
            int mark = out.size();
            if (encoding.equals(LeafForm.SEVEN_BIT)) {
                writeHeaders(part, headers, typeLine, null);
                int bodyStart = out.size();
                if (copy.copy(rawStream(part)) == null && MultipartForm.isOpaqueMessage(out.array(), bodyStart, out.size())) {
                    return;
                }
                out.truncate(mark);
            }
            writeHeaders(part, headers, typeLine, compositeEncoding(part));
            Object content = part.getContent();
            if (!(content instanceof MimeMessage)) {
                throw new MessagingException("message/rfc822 part does not hold a message");
            }
            writeEntity((MimeMessage) content, null, depth + 1);
        } else {
            writeLeaf(part, type, typeLine, headers);
        }
    }

    /**
     * The slower path for only the parts that need it: the multipart copied from {@code bodyStart} keeps its shape and
     * its good parts, and the leaves given ({start, end, depth}) are written anew in their places. False, having
     * written an unknown amount, when the result is not canonical after all (a re-encoded line that starts with a
     * delimiter): the caller then writes the whole multipart anew.
     */
    private boolean rewriteLeaves(int bodyStart, String boundary, int depth, List<int[]> rewrites)
        throws IOException, MessagingException {
        // each leaf written anew on its own, then spliced into the copy from the last one back (offsets before it stay)
        List<MessageBuffer> written = new ArrayList<>();
        for (int[] leaf : rewrites) {
            MessageBuffer part = new MessageBuffer(leaf[1] - leaf[0] + 1024);
            if (leaf[5] == 1) {
                // base64 in form but for its last line's CRLF (Java's MIME encoder): the same bytes and that CRLF
                part.write(out.array(), leaf[0], leaf[1] - leaf[0]);
                part.writeAscii("\r\n");
            } else {
                new CanonicalWriter(part, leaf[1] - leaf[0], maxDepth, boundaries).writeEntity(
                    new MimeBodyPart(new SharedByteArrayInputStream(out.array(), leaf[0], leaf[1] - leaf[0])), null, leaf[2]);
            }
            written.add(part);
        }
        // the dash lines of the kept bytes move with them; those of the leaves written anew are found there
        int[] oldDashes = Arrays.copyOf(copy.dashLines(), copy.dashLineCount());
        int[] dashes = new int[oldDashes.length + 16];
        int dashCount = 0;
        int next = 0;
        int shift = 0;
        for (int i = 0; i <= rewrites.size(); i++) {
            int start = i < rewrites.size() ? rewrites.get(i)[0] : out.size();
            for (; next < oldDashes.length && oldDashes[next] < start; next++) {
                dashes = add(dashes, dashCount++, oldDashes[next] + shift);
            }
            if (i == rewrites.size()) {
                break;
            }
            int end = rewrites.get(i)[1];
            for (; next < oldDashes.length && oldDashes[next] < end; next++) {
                // inside the leaf written anew
            }
            MessageBuffer part = written.get(i);
            for (int dash : CanonicalCopy.dashLinesOf(part.array(), 0, part.size())) {
                dashes = add(dashes, dashCount++, start + shift + dash);
            }
            shift += part.size() - (end - start);
        }
        for (int i = rewrites.size() - 1; i >= 0; i--) {
            out.splice(rewrites.get(i)[0], rewrites.get(i)[1], written.get(i).array(), written.get(i).size());
        }
        return MultipartForm.hasCanonicalShape(out.array(), bodyStart, out.size(), boundary, depth, maxDepth, dashes, dashCount);
    }

    private static int[] add(int[] values, int index, int value) {
        int[] result = index < values.length ? values : Arrays.copyOf(values, values.length * 2);
        result[index] = value;
        return result;
    }

    /** A multipart written anew: a fresh boundary, no preamble or epilogue, each part canonical. */
    private void writeMultipart(MimePart part, ContentType type, List<String> headers, int depth)
        throws IOException, MessagingException {
        Multipart multipart;
        int count;
        try {
            // parsed with the Content-Type as read here (a lenient reading may have found the boundary)
            multipart = new MimeMultipart(new TypedDataSource(part, type));
            count = multipart.getCount();
        } catch (MessagingException e) {
            throw new MessagingException(type.getBaseType() + " with boundary \"" + type.getParameter("boundary")
                + "\" cannot be read: " + e.getMessage(), e);
        }
        if (count == 0) {
            throw new MessagingException(type.getBaseType() + " without any part");
        }
        String boundary = boundaries.get();
        ContentType rewritten = new ContentType(type.getPrimaryType(), type.getSubType(), type.getParameterList());
        rewritten.setParameter("boundary", boundary);
        if (depth == 0 && protectedFields != null) {
            rewritten = ProtectedHeaders.marked(rewritten);
        }
        writeHeaders(part, headers, HeaderForm.canonical("Content-Type: " + HeaderForm.withEncodedParameters(rewritten)),
            compositeEncoding(part));
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < count; i++) {
            emit(delimiter, 0, delimiter.length);
            emit(CRLF, 0, 2);
            BodyPart child = multipart.getBodyPart(i);
            if (!(child instanceof MimePart)) {
                throw new MessagingException("body part " + i + " is not a MIME part");
            }
            writeEntity((MimePart) child, null, depth + 1);
            emit(CRLF, 0, 2);
        }
        emit(delimiter, 0, delimiter.length);
        emit(new byte[] {'-', '-', '\r', '\n'}, 0, 4);
    }

    private void writeLeaf(MimePart part, ContentType type, String typeLine, List<String> headers) throws IOException, MessagingException {
        String encoding = encodingOf(part);
        if (type.getPrimaryType().equalsIgnoreCase("message") && !isEncoded(part)) {
            // message/* may not be encoded (RFC 2046 5.2; javax.mail ignores an encoding there): a report's fields are
            // folded, anything else copied when its lines keep the rules, else refused
            writeHeaders(part, headers, typeLine, null);
            if (ReportForm.appliesTo(type)) {
                String fields;
                try (InputStream raw = rawStream(part)) {
                    fields = ReportForm.canonical(raw.readAllBytes());
                }
                if (fields != null) {
                    out.writeAscii(fields);
                    return;
                }
            }
            LineRule broken = copy.copy(rawStream(part));
            if (broken != null) {
                throw new NotRelayProofException(type.getBaseType() + " part has " + broken.description() + ", which relays "
                    + "change, and may not be encoded (RFC 2046 5.2), so it is not signed");
            }
            return;
        }
        int mark = out.size();
        LineRule broken = LineRule.SEVEN_BIT;
        if (LeafForm.isCopyable(encoding)) {
            writeHeaders(part, headers, typeLine, null);
            int bodyStart = out.size();
            broken = copy.copy(rawStream(part));
            // a base64 body whose last line ends at the delimiter (as Java's MIME encoder leaves it) is in form with its
            // own CRLF: white space changes nothing of what base64 decodes to
            boolean lineBreakAdded = broken == null && encoding.equals(LeafForm.BASE64) && out.size() > bodyStart
                && out.array()[out.size() - 1] != '\n';
            if (lineBreakAdded) {
                out.writeAscii("\r\n");
            }
            if (broken == null && LeafForm.holds(encoding, out.array(), bodyStart, out.size())) {
                return;
            }
            if (lineBreakAdded) {
                out.truncate(out.size() - 2);
            }
            if (encoding.equals(LeafForm.BASE64)) {
                // clean base64 in other lines: re-wrapped without decoding (the copy may have stopped early)
                byte[] body;
                try (InputStream raw = rawStream(part)) {
                    body = raw.readAllBytes();
                }
                if (Base64Form.isClean(body, 0, body.length)) {
                    out.truncate(bodyStart);
                    Base64Form.rewrap(body, 0, body.length, out);
                    return;
                }
            }
            out.truncate(mark);
        }
        boolean text = type.getPrimaryType().equalsIgnoreCase("text");
        boolean lines = encoding.equals(LeafForm.SEVEN_BIT) || encoding.equals("8bit");
        try (InputStream decoded = part.getInputStream()) {
            LeafForm.Encoded encoded = LeafForm.encode(text, decoded);
            writeHeaders(part, headers, typeLine, encoded.encoding);
            encoded.writeBody(decoded, lines, out);
        } catch (IOException e) {
            if (broken != null || !isEncoded(part)) {
                throw e;
            }
            // a body its encoding cannot decode (a truncated base64 tail): no relay can re-encode it either, and
            // every verifier hashes it as it is, so it is copied as it came, its lines kept by every rule
            out.truncate(mark);
            writeHeaders(part, headers, typeLine, null);
            copy.copy(rawStream(part));
        }
    }

    /**
     * Writes a header block: each line canonical ({@link HeaderForm#canonical}), the first Content-Type and
     * Content-Transfer-Encoding only (parsers differ on which of several counts), then the blank line.
     *
     * @param lines       the lines to write, or null for all of the part's
     * @param contentType a Content-Type line replacing the part's, or null
     * @param encoding    the transfer encoding to declare instead of the part's, or null to keep it
     */
    private void writeHeaders(MimePart part, List<String> lines, String contentType, String encoding)
        throws IOException, MessagingException {
        boolean typeWritten = false;
        boolean encodingWritten = false;
        boolean first = true;
        if (lines != null && protectedFields != null) {
            // the signed part's own header (only it is given lines): the protected fields first
            for (String field : protectedFields) {
                emitLine(field);
            }
        }
        for (String line : lines != null ? lines : Collections.list(part.getAllHeaderLines())) {
            boolean mboxSeparator = first && part instanceof MimeMessage && line.startsWith("From ");
            first = false;
            if (mboxSeparator) {
                continue; // an attached message kept with its mbox separator line (Unix From_)
            }
            String name = HeaderForm.name(line);
            if (name.equals("content-type")) {
                if (!typeWritten) {
                    emitLine(contentType != null ? contentType : HeaderForm.canonical(line));
                }
                typeWritten = true;
            } else if (name.equals("content-transfer-encoding")) {
                if (!encodingWritten) {
                    emitLine("Content-Transfer-Encoding: " + (encoding != null ? encoding : encodingOf(part)));
                }
                encodingWritten = true;
            } else if (!isStrayDelimiter(line)) {
                emitLine(HeaderForm.canonical(line));
            }
        }
        if (!typeWritten && contentType != null) {
            emitLine(contentType);
        }
        if (!encodingWritten && encoding != null) {
            emitLine("Content-Transfer-Encoding: " + encoding);
        }
        emit(CRLF, 0, 2);
    }

    /**
     * A delimiter line that javax.mail took for a header line (a part right after the delimiter, with no blank
     * line: an empty part or two delimiters in a row). It carries nothing and is left out.
     */
    private static boolean isStrayDelimiter(String line) {
        return line.startsWith("--") && line.indexOf(':') < 0;
    }

    /**
     * A canonical header line: 7-bit, folds already CRLF. One that still has a line over 76 octets (nothing to fold
     * at, and no encoding its field allows: a long Content-ID, a signature tag of an attached message) is not
     * relay-proof: relays that re-fold headers would change it, so the message is not signed.
     */
    private void emitLine(String line) throws IOException, MessagingException {
        if (!HeaderForm.keepsLineLimit(line)) {
            throw new NotRelayProofException("header " + line.substring(0, line.indexOf(':')) + " has a line over "
                + LineRule.MAX_LINE + " octets with no white space to fold it at ('" + HeaderForm.excerpt(line, 60)
                + "'): relays that re-fold headers would change it, so it is not signed");
        }
        out.writeAscii(line);
        emit(CRLF, 0, 2);
    }

    /**
     * A multipart or message/rfc822 written anew is labelled 7bit when it declared another encoding, since
     * everything inside is written 7-bit: a relay that downgrades would otherwise rewrite the label inside
     * the signed content.
     */
    private static String compositeEncoding(MimePart part) throws MessagingException {
        return encodingOf(part).equals("7bit") ? null : "7bit";
    }

    private static boolean isEncoded(MimePart part) throws MessagingException {
        String encoding = encodingOf(part);
        return encoding.equals("base64") || encoding.equals("quoted-printable");
    }

    static String encodingOf(MimePart part) throws MessagingException {
        String encoding = part.getEncoding();
        return encoding == null ? "7bit" : encoding.trim().toLowerCase(Locale.ROOT);
    }

    /** The type a Content-Type value states, read strictly, else leniently ({@link HeaderForm#lenientContentType}). */
    static ContentType contentType(String header) throws MessagingException {
        if (header == null) {
            return new ContentType("text", "plain", null);
        }
        try {
            return new ContentType(header);
        } catch (ParseException e) {
            return HeaderForm.lenientContentType(header).orElseThrow(() -> new MessagingException(
                "malformed Content-Type '" + HeaderForm.excerpt(header) + "': " + e.getMessage(), e));
        }
    }

    private static boolean foldsToLineLimit(String contentType) {
        try {
            return HeaderForm.keepsLineLimit(HeaderForm.canonical("Content-Type: " + contentType));
        } catch (MessagingException e) {
            return false;
        }
    }

    private static boolean parses(String header) {
        try {
            new ContentType(header);
            return true;
        } catch (ParseException e) {
            return false;
        }
    }

    /** A part's decoded content under a given Content-Type, so that javax.mail parses it as read here. */
    private static final class TypedDataSource implements DataSource {
        private final MimePart part;
        private final String type;

        TypedDataSource(MimePart part, ContentType type) {
            this.part = part;
            this.type = type.toString();
        }

        @Override
        public InputStream getInputStream() throws IOException {
            return new MimePartDataSource(part).getInputStream();
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            throw new IOException("read only");
        }

        @Override
        public String getContentType() {
            return type;
        }

        @Override
        public String getName() {
            return "";
        }
    }

    private static InputStream rawStream(MimePart part) throws MessagingException {
        if (part instanceof MimeBodyPart) {
            return ((MimeBodyPart) part).getRawInputStream();
        }
        if (part instanceof MimeMessage) {
            return ((MimeMessage) part).getRawInputStream();
        }
        throw new MessagingException("unsupported part type " + part.getClass().getName());
    }

    private void emit(byte[] bytes, int offset, int length) {
        out.write(bytes, offset, length);
    }

    /** What cannot be written in the relay-proof form although the message is well formed. */
    static final class NotRelayProofException extends MessagingException {
        private static final long serialVersionUID = 1L;

        NotRelayProofException(String message) {
            super(message);
        }
    }
}
