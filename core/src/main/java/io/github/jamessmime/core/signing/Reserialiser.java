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
        boolean binary = encoding.equalsIgnoreCase("binary");
        // Inside the outermost multipart, the epilogue scan reads every byte and refuses a bare CR or LF
        // (see Lines), so there a leaf is compared as it is and its line breaks are not converted a second time.
        OutputStream body = binary || !topLevel ? out : new CrlfOutputStream(out);
        if (encoding.equalsIgnoreCase("base64") || encoding.equalsIgnoreCase("quoted-printable")) {
            writeHeaderLines(part, out);
            try (InputStream raw = part.getRawInputStream()) {
                raw.transferTo(body);
            }
        } else {
            part.writeTo(body);
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
            while (lines.next(true)) {
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
            while (lines.next(true) && !lines.startsWith(outer)) {
                lines.writeTo(out);
            }
        }
    }

    private static void writeEpilogue(MimeBodyPart part, String delimiter, int count, OutputStream out)
        throws IOException, MessagingException {
        byte[] boundary = delimiter.getBytes(StandardCharsets.ISO_8859_1);
        int remaining = count + 1;
        try (Lines lines = new Lines(part.getRawInputStream())) {
            lines.refuseBareLineBreaks();
            while (remaining > 0 && lines.next()) {
                if (lines.startsWith(boundary)) {
                    remaining--;
                }
            }
            if (remaining > 0) {
                throw new MessagingException("fewer delimiter lines " + delimiter + " than parts");
            }
            while (lines.next(true)) {
                lines.writeTo(out);
            }
        }
    }

    private static void writeLine(OutputStream out, String line) throws IOException {
        out.write(line.getBytes(StandardCharsets.ISO_8859_1));
        out.write(CRLF);
    }

    /**
     * The lines of a stream as verifiers split them: at LF, with every CR dropped. Unless a line is to be written
     * ({@link #next(boolean)}), only what a delimiter comparison needs is kept: the first byte of a line that does
     * not start with '-', at most {@link #PREFIX} bytes of one that does, so that counting delimiter lines over a
     * large part costs about one comparison per byte.
     */
    private static final class Lines implements AutoCloseable {
        private static final int PREFIX = 128;
        private final InputStream in;
        /** One byte more than is read: an LF after the data stops the scan without a bounds test. */
        private final byte[] buffer = new byte[64 * 1024 + 1];
        private int position;
        private int limit;
        private byte[] line = new byte[PREFIX];
        private int kept;
        private boolean whole;
        private boolean strict;
        private int previous = '\n';

        Lines(InputStream in) {
            this.in = in;
        }

        /**
         * From now on a CR not followed by LF, or an LF not after a CR, is an error: what verifiers would
         * change to CRLF (and so hash differently) is found in this same scan.
         */
        void refuseBareLineBreaks() {
            strict = true;
        }

        /** Reads the next line, keeping only its first bytes; false at the end of the stream. */
        boolean next() throws IOException {
            return next(false);
        }

        /** Reads the next line, all of it when {@code keepAll}; false at the end of the stream. */
        boolean next(boolean keepAll) throws IOException {
            kept = 0;
            whole = true;
            boolean any = false;
            while (true) {
                if (position == limit && !fill()) {
                    if (strict && previous == '\r') {
                        throw new IOException("bare CR at the end of the signed content");
                    }
                    return any;
                }
                any = true;
                int start = position;
                int end = start;
                while (true) {
                    end = ByteRuns.printableRunEnd(buffer, end, limit);
                    byte b = buffer[end];
                    if (end == limit || b == '\n') {
                        break;
                    }
                    if (strict && b == '\r' && end + 1 < limit && buffer[end + 1] != '\n') {
                        throw new IOException("bare CR in the signed content");
                    }
                    end++;
                }
                if (end > start) {
                    previous = buffer[end - 1];
                }
                keep(start, end, keepAll);
                if (end < limit) {
                    if (strict && previous != '\r') {
                        throw new IOException("bare LF in the signed content");
                    }
                    previous = '\n';
                    position = end + 1;
                    return true;
                }
                position = end;
            }
        }

        private boolean fill() throws IOException {
            int read = in.read(buffer, 0, buffer.length - 1);
            position = 0;
            limit = Math.max(read, 0);
            buffer[limit] = '\n';
            if (strict && read > 0 && previous == '\r' && buffer[0] != '\n') {
                throw new IOException("bare CR in the signed content");
            }
            return read > 0;
        }

        /** Keeps the bytes of {@code buffer[start, end)} but CRs, all or up to the prefix. */
        private void keep(int start, int end, boolean keepAll) {
            for (int i = start; i < end; i++) {
                byte b = buffer[i];
                if (b == '\r') {
                    continue;
                }
                if (!keepAll && (kept == line.length || (kept > 0 && line[0] != '-'))) {
                    // only delimiter-like lines are compared: the rest of the line cannot matter
                    whole = false;
                    return;
                }
                if (kept == line.length) {
                    line = Arrays.copyOf(line, kept * 2);
                }
                line[kept++] = b;
            }
        }

        boolean startsWith(byte[] prefix) {
            return kept >= prefix.length && Arrays.equals(line, 0, prefix.length, prefix, 0, prefix.length);
        }

        boolean equalTo(byte[] other) {
            return whole && kept == other.length && startsWith(other);
        }

        void writeTo(OutputStream out) throws IOException {
            out.write(line, 0, kept);
            out.write(CRLF);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
