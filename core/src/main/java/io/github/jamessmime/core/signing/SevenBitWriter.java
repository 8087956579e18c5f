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

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
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

/**
 * Writes a MIME entity in the canonical, 7-bit form that is signed (RFC 8551 3.1): CRLF line breaks, only
 * 7-bit bytes (part headers included), no line over 998 octets, and a shape that every verifier reads and
 * re-serialises to the same bytes ({@link MultipartShape}).
 *
 * <p>Parts that are already so are copied byte for byte: a whole multipart in one pass when its shape is
 * canonical. Otherwise the tree as javax.mail reads it is written anew: header lines repaired and made 7-bit
 * ({@link HeaderLines}), each multipart with a fresh boundary, without preamble and epilogue (text MIME readers
 * never show), 8bit and binary leaves re-encoded (quoted-printable for text, base64 otherwise), as are text
 * leaves with a line that starts with {@code From } or ends in white space, since mbox stores and some relays
 * alter such lines. Composites nest at most {@code maxDepth} levels; deeper mail is refused.
 */
final class SevenBitWriter {
    static final int MAX_LINE = 998;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final int CHUNK = 64 * 1024;

    private final MessageBuffer out;
    private final byte[] chunk;
    private final int maxDepth;
    private final Supplier<String> boundaries;
    /** While a whole multipart is copied: the output offsets of its lines that start with '-'. */
    private boolean collectDashLines;
    private int[] dashLines = new int[64];
    private int dashLineCount;

    /**
     * @param out        receives the canonical bytes
     * @param sizeHint   the message size, if known (sizes the copy buffer for small messages)
     * @param maxDepth   how many levels of multipart and message/rfc822 may nest
     * @param boundaries fresh boundaries for multiparts that are written anew
     */
    SevenBitWriter(MessageBuffer out, int sizeHint, int maxDepth, Supplier<String> boundaries) {
        this.out = out;
        this.chunk = new byte[sizeHint > 0 ? Math.min(CHUNK, Math.max(1024, sizeHint)) : CHUNK];
        this.maxDepth = maxDepth;
        this.boundaries = boundaries;
    }

    /** Writes the body and the given Content-* header lines of a message: the part that gets signed. */
    void writeContentOf(MimeMessage message, List<String> contentHeaders) throws IOException, MessagingException {
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
        String typeLine = header == null || parses(header) ? null
            : HeaderLines.repaired("Content-Type: " + HeaderLines.withEncodedParameters(type));
        String encoding = encodingOf(part);
        if (type.match("multipart/*")) {
            int mark = out.size();
            String boundary = type.getParameter("boundary");
            if (encoding.equals("7bit") && typeLine == null) {
                writeHeaders(part, headers, null, null);
                int bodyStart = out.size();
                dashLineCount = 0;
                collectDashLines = true;
                boolean copied = copyCanonical(rawStream(part));
                collectDashLines = false;
                if (copied && MultipartShape.isCanonical(out.array(), bodyStart, out.size(), boundary, depth, maxDepth,
                    dashLines, dashLineCount)) {
                    return;
                }
                out.truncate(mark);
            }
            writeMultipart(part, type, headers, depth);
        } else if (type.match("message/rfc822") && !isEncoded(part)) {
            int mark = out.size();
            if (encoding.equals("7bit")) {
                writeHeaders(part, headers, typeLine, null);
                if (copyCanonical(rawStream(part))) {
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
        writeHeaders(part, headers, HeaderLines.repaired("Content-Type: " + HeaderLines.withEncodedParameters(rewritten)),
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
        boolean text = type.getPrimaryType().equalsIgnoreCase("text");
        boolean copyable = encoding.equals("7bit") || encoding.equals("base64") || encoding.equals("quoted-printable");
        // message/* may not be encoded (RFC 2046 5.2; javax.mail ignores an encoding there): copied as it is, or refused
        boolean mayEncode = !type.getPrimaryType().equalsIgnoreCase("message");
        if (copyable || !mayEncode) {
            int mark = out.size();
            writeHeaders(part, headers, typeLine, null);
            if (copyCanonical(rawStream(part), mayEncode)) {
                return;
            }
            if (!mayEncode) {
                throw new MessagingException(type.getBaseType() + " part is not 7-bit text with lines of at most "
                    + MAX_LINE + " octets, and may not be encoded (RFC 2046 5.2)");
            }
            out.truncate(mark);
        }
        // Re-encode: 8bit, binary, or a 7bit/encoded body that breaks the rules.
        String target = text ? "quoted-printable" : "base64";
        writeHeaders(part, headers, typeLine, target);
        try (InputStream decoded = part.getInputStream()) {
            if (text) {
                QuotedPrintable.encodeText(decoded, new EmitStream());
            } else {
                try (OutputStream base64 = Base64.getMimeEncoder().wrap(new NonClosing(new EmitStream()))) {
                    // 7bit and 8bit data are lines (RFC 2045 2.7, 2.8), written as the copy writes them: CRLF
                    boolean lines = encoding.equals("7bit") || encoding.equals("8bit");
                    decoded.transferTo(lines ? new Reserialiser.CrlfOutputStream(base64) : base64);
                }
                emit(CRLF, 0, 2);
            }
        }
    }

    /**
     * Copies a 7-bit body, turning bare CR and LF into CRLF. Gives false, having written an unknown amount,
     * when the body has an 8-bit or NUL byte, a line over 998 octets, a line that starts with {@code From } or
     * ends in white space (mbox stores and relays alter such lines, in any part); the caller then rolls back and
     * re-encodes (or walks the multipart part by part). The result does not depend on how the stream splits its reads.
     *
     * <p>The loop is the hot path for large attachments: a printable byte costs two comparisons; line ends
     * and control bytes take the slow branch. A multipart whose parts are all 7-bit clean is copied in this
     * one pass, without javax.mail parsing it (which costs more than the copy on large messages).
     */
    private boolean copyCanonical(InputStream in) throws IOException {
        return copyCanonical(in, true);
    }

    /** @param lineRules whether a line starting with {@code From } or ending in white space makes the copy fail */
    private boolean copyCanonical(InputStream in, boolean lineRules) throws IOException {
        try (InputStream source = in) {
            int lineLength = 0;
            boolean lineStart = true;
            boolean pendingCr = false;
            int lastOfPreviousChunk = '\n';
            // bytes of "From " matched at the end of the previous chunk, at the start of a line
            int fromMatched = 0;
            int read;
            while ((read = source.read(chunk)) > 0) {
                int start = 0;
                int i = 0;
                if (fromMatched > 0) {
                    int matched = matchFrom(chunk, 0, read, fromMatched);
                    if (matched == FROM_SPACE.length) {
                        return false;
                    }
                    fromMatched = Math.max(matched, 0);
                }
                if (pendingCr) {
                    // the previous chunk ended with a CR, already copied
                    pendingCr = false;
                    if (chunk[0] == '\n') {
                        i = 1;
                    } else {
                        emit(CRLF, 1, 1);
                    }
                }
                while (i < read) {
                    int b = chunk[i];
                    if (b >= 14) {
                        if (lineStart) {
                            lineStart = false;
                            if (b == 'F' && lineRules) {
                                int matched = matchFrom(chunk, i, read, 0);
                                if (matched == FROM_SPACE.length) {
                                    return false;
                                }
                                // the chunk ends inside what may be "From ": the next chunk decides
                                fromMatched = Math.max(matched, 0);
                            }
                            if (b == '-' && collectDashLines) {
                                addDashLine(out.size() + i - start);
                            }
                        }
                        // the hot loop: a run of printable bytes
                        int runStart = i;
                        i = ByteRuns.printableRunEnd(chunk, i + 1, read);
                        lineLength += i - runStart;
                        if (lineLength > MAX_LINE) {
                            return false;
                        }
                        continue;
                    }
                    if (b <= 0) {
                        return false;
                    }
                    if (b == '\r' || b == '\n') {
                        if (lineRules && lineLength > 0) {
                            int before = i > 0 ? chunk[i - 1] : lastOfPreviousChunk;
                            if (before == ' ' || before == '\t') {
                                return false;
                            }
                        }
                        if (b == '\r') {
                            if (i + 1 == read) {
                                pendingCr = true;
                            } else if (chunk[i + 1] == '\n') {
                                i++;
                            } else {
                                flushPending(start, i + 1);
                                emit(CRLF, 1, 1);
                                start = i + 1;
                            }
                        } else {
                            flushPending(start, i);
                            emit(CRLF, 0, 2);
                            start = i + 1;
                        }
                        lineLength = 0;
                        lineStart = true;
                        i++;
                        continue;
                    }
                    lineStart = false;
                    if (++lineLength > MAX_LINE) {
                        return false;
                    }
                    i++;
                }
                flushPending(start, read);
                lastOfPreviousChunk = chunk[read - 1];
            }
            if (pendingCr) {
                emit(CRLF, 1, 1);
            }
            return true;
        }
    }

    private void addDashLine(int offset) {
        if (dashLineCount == dashLines.length) {
            dashLines = Arrays.copyOf(dashLines, dashLineCount * 2);
        }
        dashLines[dashLineCount++] = offset;
    }

    private void flushPending(int from, int to) throws IOException {
        if (to > from) {
            emit(chunk, from, to - from);
        }
    }

    private static final byte[] FROM_SPACE = {'F', 'r', 'o', 'm', ' '};

    /**
     * How many bytes of {@code "From "} match from {@code bytes[index]} on, having matched {@code matched} already:
     * 5 for a whole match, fewer when the chunk ends first, -1 at a mismatch.
     */
    private static int matchFrom(byte[] bytes, int index, int length, int matched) {
        int i = index;
        while (matched < FROM_SPACE.length && i < length) {
            if (bytes[i++] != FROM_SPACE[matched]) {
                return -1;
            }
            matched++;
        }
        return matched;
    }

    /**
     * Writes a header block: each line canonical ({@link HeaderLines#canonical}), the first Content-Type and
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
        for (String line : lines != null ? lines : Collections.list(part.getAllHeaderLines())) {
            boolean mboxSeparator = first && part instanceof MimeMessage && line.startsWith("From ");
            first = false;
            if (mboxSeparator) {
                continue; // an attached message kept with its mbox separator line (Unix From_)
            }
            String name = HeaderLines.name(line);
            if (name.equals("content-type")) {
                if (!typeWritten) {
                    emitLine(contentType != null ? contentType : HeaderLines.canonical(line));
                }
                typeWritten = true;
            } else if (name.equals("content-transfer-encoding")) {
                if (!encodingWritten) {
                    emitLine("Content-Transfer-Encoding: " + (encoding != null ? encoding : encodingOf(part)));
                }
                encodingWritten = true;
            } else if (!isStrayDelimiter(line)) {
                emitLine(HeaderLines.canonical(line));
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

    /** A canonical header line: 7-bit, folds already CRLF. */
    private void emitLine(String line) throws IOException {
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

    /** The type a Content-Type value states, read strictly, else leniently ({@link HeaderLines#lenientContentType}). */
    static ContentType contentType(String header) throws MessagingException {
        if (header == null) {
            return new ContentType("text", "plain", null);
        }
        try {
            return new ContentType(header);
        } catch (ParseException e) {
            return HeaderLines.lenientContentType(header).orElseThrow(() -> new MessagingException(
                "malformed Content-Type '" + HeaderLines.excerpt(header) + "': " + e.getMessage(), e));
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

    private void emit(byte[] bytes, int offset, int length) throws IOException {
        out.write(bytes, offset, length);
    }

    private final class EmitStream extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            emit(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            emit(bytes, offset, length);
        }
    }

    private static final class NonClosing extends FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
