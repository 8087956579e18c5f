package io.github.jamessmime.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Base64;
import java.util.Collections;
import java.util.Locale;

import javax.mail.BodyPart;
import javax.mail.MessagingException;
import javax.mail.Multipart;
import javax.mail.internet.ContentType;
import javax.mail.internet.MimeBodyPart;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimePart;
import javax.mail.internet.ParseException;

/**
 * Writes a MIME entity in the canonical, 7-bit form that is signed (RFC 8551 3.1): CRLF line breaks, only
 * 7-bit bytes, no line over 998 octets. Parts that are already so are copied byte for byte; 8bit and
 * binary parts, and 7bit parts that break the rules, are re-encoded (quoted-printable for text, base64
 * otherwise). A text part with a line that starts with {@code From } or ends in white space is re-encoded
 * too, since mbox stores and some relays alter such lines.
 */
final class SevenBitWriter {
    static final int MAX_LINE = 998;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final int CHUNK = 64 * 1024;

    private final ByteBuffer out;
    private final byte[] chunk;

    /**
     * @param out       receives the canonical bytes
     * @param sizeHint  the message size, if known (sizes the copy buffer for small messages)
     */
    SevenBitWriter(ByteBuffer out, int sizeHint) {
        this.out = out;
        this.chunk = new byte[sizeHint > 0 ? Math.min(CHUNK, Math.max(1024, sizeHint)) : CHUNK];
    }

    /** Writes the body and the Content-* headers of a message: the part that gets signed. */
    void writeContentOf(MimeMessage message) throws IOException, MessagingException {
        writeEntity(message, true);
    }

    private void writeEntity(MimePart part, boolean onlyContentHeaders) throws IOException, MessagingException {
        ContentType type = contentType(part);
        if (type.match("multipart/*")) {
            int mark = out.size();
            writeHeaders(part, onlyContentHeaders, null);
            String boundary = type.getParameter("boundary");
            if (boundary != null && !boundary.isEmpty() && encodingOf(part).equals("7bit")
                && copyCanonical(rawStream(part), Strictness.WHOLE_MULTIPART)) {
                return;
            }
            out.truncate(mark);
            writeHeaders(part, onlyContentHeaders, compositeEncoding(part));
            writeMultipart(part, type);
        } else if (type.match("message/rfc822") && !isEncoded(part)) {
            writeHeaders(part, onlyContentHeaders, compositeEncoding(part));
            Object content = part.getContent();
            if (!(content instanceof MimeMessage)) {
                throw new MessagingException("message/rfc822 part does not hold a message");
            }
            writeEntity((MimeMessage) content, false);
        } else {
            writeLeaf(part, type, onlyContentHeaders);
        }
    }

    private void writeMultipart(MimePart part, ContentType type) throws IOException, MessagingException {
        String boundary = type.getParameter("boundary");
        Object content = part.getContent();
        if (boundary == null || !(content instanceof Multipart)) {
            throw new MessagingException("multipart entity without a usable boundary");
        }
        Multipart multipart = (Multipart) content;
        String preamble = multipart instanceof javax.mail.internet.MimeMultipart
            ? ((javax.mail.internet.MimeMultipart) multipart).getPreamble() : null;
        if (preamble != null && isPrintableAscii(preamble)) {
            emitCanonicalText(preamble);
        }
        byte[] delimiter = ("--" + boundary).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i < multipart.getCount(); i++) {
            emit(delimiter, 0, delimiter.length);
            emit(CRLF, 0, 2);
            BodyPart child = multipart.getBodyPart(i);
            if (!(child instanceof MimePart)) {
                throw new MessagingException("body part " + i + " is not a MIME part");
            }
            writeEntity((MimePart) child, false);
            emit(CRLF, 0, 2);
        }
        emit(delimiter, 0, delimiter.length);
        emit(new byte[] {'-', '-', '\r', '\n'}, 0, 4);
    }

    private void writeLeaf(MimePart part, ContentType type, boolean onlyContentHeaders) throws IOException, MessagingException {
        String encoding = encodingOf(part);
        boolean text = type.getPrimaryType().equalsIgnoreCase("text");
        boolean copyable = encoding.equals("7bit") || encoding.equals("base64") || encoding.equals("quoted-printable");
        if (copyable) {
            int mark = out.size();
            writeHeaders(part, onlyContentHeaders, null);
            if (copyCanonical(rawStream(part), text && encoding.equals("7bit") ? Strictness.TEXT : Strictness.BYTES)) {
                return;
            }
            out.truncate(mark);
        }
        // Re-encode: 8bit, binary, or a 7bit/encoded body that breaks the rules.
        String target = text ? "quoted-printable" : "base64";
        writeHeaders(part, onlyContentHeaders, target);
        try (InputStream decoded = part.getInputStream()) {
            if (text) {
                QuotedPrintable.encodeText(decoded, new EmitStream());
            } else {
                try (OutputStream base64 = Base64.getMimeEncoder().wrap(new NonClosing(new EmitStream()))) {
                    decoded.transferTo(base64);
                }
                emit(CRLF, 0, 2);
            }
        }
    }

    /** What {@link #copyCanonical} accepts besides 7-bit bytes and lines of at most 998 octets. */
    enum Strictness {
        /** Any line (base64, quoted-printable, 7bit non-text bodies). */
        BYTES,
        /** No line starting with {@code From } or ending in white space (7bit text, which relays may alter). */
        TEXT,
        /**
         * A whole multipart body copied without parsing it: as TEXT, and no part header may declare a transfer
         * encoding other than 7bit, base64 or quoted-printable (an 8bit label is what a 7-bit relay rewrites).
         */
        WHOLE_MULTIPART
    }

    /**
     * Copies a 7-bit body, turning bare CR and LF into CRLF. Gives false, having written an unknown amount,
     * when the body has an 8-bit or NUL byte or a line over 998 octets, or breaks the {@code strictness}
     * rules; the caller then rolls back and re-encodes (or walks the multipart part by part).
     *
     * <p>The loop is the hot path for large attachments: a printable byte costs two comparisons; line ends
     * and control bytes take the slow branch. A multipart whose parts are all 7-bit clean is copied in this
     * one pass, without javax.mail parsing it (which costs more than the copy on large messages).
     */
    private boolean copyCanonical(InputStream in, Strictness strictness) throws IOException {
        boolean strictText = strictness != Strictness.BYTES;
        boolean wholeMultipart = strictness == Strictness.WHOLE_MULTIPART;
        try (InputStream source = in) {
            int lineLength = 0;
            boolean lineStart = true;
            boolean pendingCr = false;
            int lastOfPreviousChunk = '\n';
            int read;
            while ((read = source.read(chunk)) > 0) {
                int start = 0;
                int i = 0;
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
                            if (strictText && b == 'F' && startsWithFromSpace(chunk, i, read)) {
                                return false;
                            }
                            if (wholeMultipart && (b == 'C' || b == 'c') && !acceptableEncodingLine(chunk, i, read)) {
                                return false;
                            }
                        }
                        // the hot loop: a run of printable bytes
                        int runStart = i++;
                        while (i < read && chunk[i] >= 14) {
                            i++;
                        }
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
                        if (strictText && lineLength > 0) {
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

    private static final byte[] TRANSFER_ENCODING = "content-transfer-encoding:".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * For a line starting at {@code index}: true unless it is a Content-Transfer-Encoding header whose value is
     * not 7bit, base64 or quoted-printable. Conservative at a chunk edge or on a folded value.
     */
    private static boolean acceptableEncodingLine(byte[] bytes, int index, int length) {
        int i = index;
        for (byte expected : TRANSFER_ENCODING) {
            if (i >= length) {
                return false;
            }
            if (Character.toLowerCase((char) bytes[i]) != expected) {
                return true;
            }
            i++;
        }
        while (i < length && (bytes[i] == ' ' || bytes[i] == '\t')) {
            i++;
        }
        int start = i;
        while (i < length && bytes[i] != '\r' && bytes[i] != '\n' && bytes[i] != ';' && bytes[i] != ' ' && bytes[i] != '\t') {
            i++;
        }
        if (i >= length) {
            return false;
        }
        String value = new String(bytes, start, i - start, java.nio.charset.StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
        return value.equals("7bit") || value.equals("base64") || value.equals("quoted-printable");
    }

    private void flushPending(int from, int to) throws IOException {
        if (to > from) {
            emit(chunk, from, to - from);
        }
    }

    /** A {@code From } at a chunk boundary is checked conservatively: any line starting with F there re-encodes. */
    private static boolean startsWithFromSpace(byte[] bytes, int index, int length) {
        if (index + 5 > length) {
            return true;
        }
        return bytes[index + 1] == 'r' && bytes[index + 2] == 'o' && bytes[index + 3] == 'm' && bytes[index + 4] == ' ';
    }

    private void writeHeaders(MimePart part, boolean onlyContentHeaders, String newEncoding) throws IOException, MessagingException {
        for (String line : Collections.list(part.getAllHeaderLines())) {
            String name = headerName(line);
            if (onlyContentHeaders && !name.startsWith("content-")) {
                continue;
            }
            if (newEncoding != null && name.equals("content-transfer-encoding")) {
                continue;
            }
            emitCanonicalText(line);
            emit(CRLF, 0, 2);
        }
        if (newEncoding != null) {
            emitCanonicalText("Content-Transfer-Encoding: " + newEncoding);
            emit(CRLF, 0, 2);
        }
        emit(CRLF, 0, 2);
    }

    static String headerName(String line) {
        int colon = line.indexOf(':');
        return (colon < 0 ? line : line.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
    }

    /** Header lines and preambles: line breaks normalised to CRLF. */
    private void emitCanonicalText(String text) throws IOException {
        boolean latin1 = text.chars().allMatch(c -> c < 256);
        byte[] bytes = text.getBytes(latin1 ? java.nio.charset.StandardCharsets.ISO_8859_1 : java.nio.charset.StandardCharsets.UTF_8);
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            byte b = bytes[i];
            if (b == '\r' || b == '\n') {
                emit(bytes, start, i - start);
                emit(CRLF, 0, 2);
                if (b == '\r' && i + 1 < bytes.length && bytes[i + 1] == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        emit(bytes, start, bytes.length - start);
    }

    private static boolean isPrintableAscii(String text) {
        return text.chars().allMatch(c -> c == '\r' || c == '\n' || c == '\t' || (c >= 32 && c < 127));
    }

    /**
     * A multipart or message/rfc822 labelled 8bit or binary is relabelled 7bit, since everything inside is written
     * 7-bit: a relay that downgrades would otherwise rewrite the label inside the signed content.
     */
    private static String compositeEncoding(MimePart part) throws MessagingException {
        String encoding = encodingOf(part);
        return encoding.equals("8bit") || encoding.equals("binary") ? "7bit" : null;
    }

    private static boolean isEncoded(MimePart part) throws MessagingException {
        String encoding = encodingOf(part);
        return encoding.equals("base64") || encoding.equals("quoted-printable");
    }

    static String encodingOf(MimePart part) throws MessagingException {
        String encoding = part.getEncoding();
        return encoding == null ? "7bit" : encoding.trim().toLowerCase(Locale.ROOT);
    }

    static ContentType contentType(MimePart part) throws MessagingException {
        String header = part.getHeader("Content-Type", null);
        if (header == null) {
            return new ContentType("text", "plain", null);
        }
        try {
            return new ContentType(header);
        } catch (ParseException e) {
            throw new MessagingException("malformed Content-Type '" + header + "': " + e.getMessage(), e);
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

    private static final class NonClosing extends java.io.FilterOutputStream {
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
