package io.github.jamessmime.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.Locale;

import javax.mail.MessagingException;
import javax.mail.internet.ContentType;
import javax.mail.internet.MimeBodyPart;
import javax.mail.internet.MimeMultipart;
import javax.mail.internet.MimePartDataSource;

/**
 * Writes a parsed MIME part again the way verifiers built on javax.mail and BouncyCastle's {@code SMIMESigned}
 * rebuild the signed content before hashing it: a multipart from its parsed parts (header lines, preamble
 * lines up to the first delimiter, each part, delimiter lines, the text between an inner close delimiter and
 * the next outer delimiter, the epilogue of the outermost one), a leaf as its header lines and its raw body
 * with line breaks made CRLF. A signed part survives such a verifier exactly when this gives back its bytes.
 */
final class Reserialiser {
    /** BouncyCastle's verifier descends at most this many levels of multipart. */
    static final int VERIFIER_MAX_DEPTH = 64;
    private static final byte[] CRLF = {'\r', '\n'};

    private Reserialiser() {
    }

    static void write(MimeBodyPart part, OutputStream out) throws IOException, MessagingException {
        write(part, out, true, 0);
    }

    private static void write(MimeBodyPart part, OutputStream out, boolean topLevel, int depth) throws IOException, MessagingException {
        if (depth > VERIFIER_MAX_DEPTH) {
            throw new MessagingException("multiparts nest deeper than a verifier descends");
        }
        if (isMultipart(part)) {
            MimeMultipart multipart = new MimeMultipart(new MimePartDataSource(part));
            String delimiter = "--" + new ContentType(multipart.getContentType()).getParameter("boundary");
            writeHeaderLines(part, out);
            writePreamble(part, delimiter, out);
            for (int i = 0; i < multipart.getCount(); i++) {
                writeLine(out, delimiter);
                MimeBodyPart child = (MimeBodyPart) multipart.getBodyPart(i);
                write(child, out, false, depth + 1);
                if (isMultipart(child)) {
                    writeInnerPostamble(part, delimiter, child, out);
                } else {
                    out.write(CRLF);
                }
            }
            writeLine(out, delimiter + "--");
            if (topLevel) {
                writeEpilogue(part, delimiter, multipart.getCount(), out);
            }
            return;
        }
        String[] declared = part.getHeader("Content-Transfer-Encoding");
        String encoding = declared == null ? "7bit" : declared[0];
        if (encoding.equalsIgnoreCase("base64") || encoding.equalsIgnoreCase("quoted-printable")) {
            writeHeaderLines(part, out);
            try (InputStream raw = part.getRawInputStream()) {
                raw.transferTo(new CrlfOutputStream(out));
            }
        } else {
            part.writeTo(encoding.equalsIgnoreCase("binary") ? out : new CrlfOutputStream(out));
        }
    }

    private static boolean isMultipart(MimeBodyPart part) throws MessagingException {
        return part.getContentType().toLowerCase(Locale.ROOT).startsWith("multipart");
    }

    private static void writeHeaderLines(MimeBodyPart part, OutputStream out) throws IOException, MessagingException {
        for (String line : Collections.list(part.getAllHeaderLines())) {
            writeLine(out, line);
        }
        out.write(CRLF);
    }

    private static void writePreamble(MimeBodyPart part, String delimiter, OutputStream out) throws IOException, MessagingException {
        byte[] boundary = delimiter.getBytes(StandardCharsets.ISO_8859_1);
        try (Lines lines = new Lines(part.getRawInputStream())) {
            while (lines.next()) {
                if (lines.equalTo(boundary)) {
                    return;
                }
                lines.writeTo(out);
            }
        }
        throw new MessagingException("no delimiter line " + delimiter);
    }

    /** What lies between a nested multipart's close delimiter and the enclosing multipart's next delimiter. */
    private static void writeInnerPostamble(MimeBodyPart parent, String parentDelimiter, MimeBodyPart child, OutputStream out)
        throws IOException, MessagingException {
        MimeMultipart inner = new MimeMultipart(new MimePartDataSource(child));
        byte[] innerDelimiter = ("--" + new ContentType(inner.getContentType()).getParameter("boundary")).getBytes(StandardCharsets.ISO_8859_1);
        byte[] outer = parentDelimiter.getBytes(StandardCharsets.ISO_8859_1);
        int remaining = inner.getCount() + 1;
        try (Lines lines = new Lines(parent.getRawInputStream())) {
            while (remaining > 0 && lines.next()) {
                if (lines.startsWith(innerDelimiter)) {
                    remaining--;
                }
            }
            while (lines.next() && !lines.startsWith(outer)) {
                lines.writeTo(out);
            }
        }
    }

    private static void writeEpilogue(MimeBodyPart part, String delimiter, int count, OutputStream out)
        throws IOException, MessagingException {
        byte[] boundary = delimiter.getBytes(StandardCharsets.ISO_8859_1);
        int remaining = count + 1;
        try (Lines lines = new Lines(part.getRawInputStream())) {
            while (remaining > 0 && lines.next()) {
                if (lines.startsWith(boundary)) {
                    remaining--;
                }
            }
            if (remaining > 0) {
                throw new MessagingException("fewer delimiter lines " + delimiter + " than parts");
            }
            while (lines.next()) {
                lines.writeTo(out);
            }
        }
    }

    private static void writeLine(OutputStream out, String line) throws IOException {
        out.write(line.getBytes(StandardCharsets.ISO_8859_1));
        out.write(CRLF);
    }

    /** The lines of a stream as verifiers split them: at LF, with every CR dropped. */
    private static final class Lines implements AutoCloseable {
        private final InputStream in;
        private final byte[] buffer = new byte[8192];
        private int position;
        private int limit;
        private byte[] line = new byte[256];
        private int length;

        Lines(InputStream in) {
            this.in = in;
        }

        boolean next() throws IOException {
            length = 0;
            boolean any = false;
            while (true) {
                if (position == limit) {
                    limit = in.read(buffer, 0, buffer.length);
                    position = 0;
                    if (limit <= 0) {
                        limit = 0;
                        return any;
                    }
                }
                any = true;
                byte b = buffer[position++];
                if (b == '\n') {
                    return true;
                }
                if (b != '\r') {
                    if (length == line.length) {
                        line = Arrays.copyOf(line, length * 2);
                    }
                    line[length++] = b;
                }
            }
        }

        boolean startsWith(byte[] prefix) {
            return length >= prefix.length && Arrays.equals(line, 0, prefix.length, prefix, 0, prefix.length);
        }

        boolean equalTo(byte[] other) {
            return length == other.length && startsWith(other);
        }

        void writeTo(OutputStream out) throws IOException {
            out.write(line, 0, length);
            out.write(CRLF);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Line breaks made CRLF: a CR becomes CRLF, an LF not after a CR becomes CRLF. */
    static final class CrlfOutputStream extends OutputStream {
        private final OutputStream out;
        private int last = -1;

        CrlfOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            int start = offset;
            int end = offset + length;
            for (int i = offset; i < end; i++) {
                byte b = bytes[i];
                if (b == '\r') {
                    out.write(bytes, start, i - start);
                    out.write(CRLF);
                    start = i + 1;
                } else if (b == '\n') {
                    out.write(bytes, start, i - start);
                    if (last != '\r') {
                        out.write(CRLF);
                    }
                    start = i + 1;
                }
                last = b;
            }
            out.write(bytes, start, end - start);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }
}
