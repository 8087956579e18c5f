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
package io.github.jamessmime.testing;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.mail.MessagingException;
import javax.mail.internet.ContentType;
import javax.mail.internet.MimeUtility;
import javax.mail.internet.ParseException;

/**
 * What mail relays, list servers and mail stores do to a message on its way, done to the raw bytes of a signed
 * message, so that tests can check that its signature survives them. Each {@link Transformation} works on the bytes
 * (never by re-serialising a javax.mail parse), changes only what that relay changes, and leaves every other byte as
 * it was. The MIME structure is read leniently from the bytes: what cannot be read as a multipart or an embedded
 * message is a leaf, and a body its encoding cannot decode is left as it is, so no message makes it throw.
 */
public final class RelaySimulator {
    /** Line length (octets, without the line break) over which Exchange breaks body lines. */
    private static final int EXCHANGE_LINE = 78;
    /** RFC 5322's line length limit, at which Postfix breaks lines. */
    private static final int SMTP_LINE = 998;
    /** The line length to which header fields are refolded. */
    private static final int FOLD_LINE = 78;
    /** Deeper MIME nesting than this is read as a leaf. */
    private static final int MAX_DEPTH = 100;
    private static final String SCRIPT = "/relay/reencode.py";
    private static final byte[] CRLF = {'\r', '\n'};

    private RelaySimulator() {
    }

    /** What a relay does to a message. */
    public enum Transformation {
        /**
         * Every base64 leaf body decoded and re-encoded with javax.mail's encoder as a javax.mail relay writes it: 76
         * columns, CRLF, a final CRLF only when the last line is full.
         */
        BASE64_REENCODED_JAVAMAIL,
        /** Every base64 leaf body decoded and re-encoded with Python's {@code email.base64mime.body_encode} (always a final line break). */
        BASE64_REENCODED_PYTHON,
        /** Every quoted-printable leaf body decoded and re-encoded with javax.mail's encoder. */
        QP_REENCODED_JAVAMAIL,
        /** Every quoted-printable leaf body decoded and re-encoded with Python's {@code email.quoprimime.body_encode}. */
        QP_REENCODED_PYTHON,
        /** Every body line (not header lines) over 78 octets broken into pieces of 78 by inserting CRLF (Exchange). */
        LINES_BROKEN_AT_78,
        /** Every line over 998 octets broken at 998: header lines folded (CRLF and a space), body lines by CRLF (Postfix). */
        LINES_BROKEN_AT_998,
        /** Spaces and tabs at the end of every line removed (list servers). */
        TRAILING_WHITE_SPACE_STRIPPED,
        /** Every CRLF of the message turned into LF (Unix mail stores). */
        CRLF_TO_LF,
        /**
         * Every header field inside the signed content (the first part of the outer multipart/signed, its nested parts
         * and attached messages) with a physical line over 78 octets unfolded and folded again greedily at white space
         * to lines of at most 78 (Python's email policy and others); fields whose lines are all within 78 stay as they are.
         */
        PART_HEADERS_REFOLDED
    }

    /** {@code signedMessage} as it arrives after the relay {@code t}; the same array when {@code t} changes nothing in it. */
    public static byte[] apply(Transformation t, byte[] signedMessage) {
        return apply(t, Collections.singletonMap("message", signedMessage)).get("message");
    }

    /**
     * Every message as it arrives after the relay {@code t}, under the same keys in the same order (a message
     * {@code t} leaves unchanged may come back as the same array). The Python transformations run one Python process
     * for the whole batch.
     */
    public static Map<String, byte[]> apply(Transformation t, Map<String, byte[]> messages) {
        switch (t) {
            case BASE64_REENCODED_JAVAMAIL:
                return reencode(messages, "base64", false);
            case BASE64_REENCODED_PYTHON:
                return reencode(messages, "base64", true);
            case QP_REENCODED_JAVAMAIL:
                return reencode(messages, "quoted-printable", false);
            case QP_REENCODED_PYTHON:
                return reencode(messages, "quoted-printable", true);
            default:
                break;
        }
        Map<String, byte[]> result = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> entry : messages.entrySet()) {
            byte[] message = entry.getValue();
            byte[] transformed;
            switch (t) {
                case LINES_BROKEN_AT_78:
                    transformed = breakLines(message, EXCHANGE_LINE, false);
                    break;
                case LINES_BROKEN_AT_998:
                    transformed = breakLines(message, SMTP_LINE, true);
                    break;
                case TRAILING_WHITE_SPACE_STRIPPED:
                    transformed = stripTrailingWhiteSpace(message);
                    break;
                case CRLF_TO_LF:
                    transformed = crlfToLf(message);
                    break;
                case PART_HEADERS_REFOLDED:
                    transformed = refoldPartHeaders(message);
                    break;
                default:
                    throw new IllegalArgumentException(t.toString());
            }
            result.put(entry.getKey(), transformed);
        }
        return result;
    }

    /**
     * The signed content of a multipart/signed message: the bytes of its first part, from after the line break of
     * the first delimiter line up to (not including) the line break before the next delimiter line, with every line
     * break normalised to CRLF (a LF without CR becomes CRLF).
     *
     * @throws IllegalArgumentException when the message is not a multipart/signed with a first part
     */
    public static byte[] signedPart(byte[] signedMessage) {
        Entity top = walk(signedMessage, 0, signedMessage.length, "text/plain", 0);
        if (!"multipart/signed".equals(top.baseType) || top.children.isEmpty()) {
            throw new IllegalArgumentException("not a multipart/signed message with a first part");
        }
        Entity first = top.children.get(0);
        return toCrlf(signedMessage, first.start, first.bodyEnd);
    }

    /**
     * Applies every transformation to every message; those whose signed part ({@link #signedPart}) is no longer
     * byte-identical are verified with {@link Verifiers#independentVerify(Map, X509Certificate, Instant)} against
     * {@code root} at {@code at}, one batch per transformation, and count as surviving when openssl and
     * BouncyCastle both verify them (Thunderbird's further rules do not depend on relays). A message without a readable
     * signed part before or after is always verified.
     */
    public static Outcome checkAll(Map<String, byte[]> signedMessages, X509Certificate root, Instant at) {
        Map<String, byte[]> before = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> entry : signedMessages.entrySet()) {
            before.put(entry.getKey(), signedPartOrNull(entry.getValue()));
        }
        List<String> failures = new ArrayList<>();
        Map<String, Map<Transformation, String>> byMessage = new LinkedHashMap<>();
        Map<Transformation, int[]> counts = new EnumMap<>(Transformation.class);
        for (Transformation t : Transformation.values()) {
            int[] count = new int[3];
            counts.put(t, count);
            Map<String, byte[]> after = apply(t, signedMessages);
            Map<String, byte[]> changed = new LinkedHashMap<>();
            for (Map.Entry<String, byte[]> entry : after.entrySet()) {
                byte[] original = before.get(entry.getKey());
                byte[] relayed = signedPartOrNull(entry.getValue());
                if (original != null && relayed != null && Arrays.equals(original, relayed)) {
                    count[0]++;
                } else {
                    changed.put(entry.getKey(), entry.getValue());
                }
            }
            if (changed.isEmpty()) {
                continue;
            }
            Map<String, Verifiers.Verdict> verdicts;
            try {
                verdicts = Verifiers.independentVerify(changed, root, at);
            } catch (IOException e) {
                throw new UncheckedIOException("verifying the messages after " + t, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted verifying the messages after " + t, e);
            }
            for (String key : changed.keySet()) {
                Verifiers.Verdict verdict = verdicts.get(key);
                if (verdict != null && verdict.opensslOk && verdict.bcOk) {
                    count[1]++;
                } else {
                    count[2]++;
                    String why = verdict == null ? "no verdict" : describe(verdict);
                    failures.add(key + " after " + t + ": " + why);
                    byMessage.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(t, why);
                }
            }
        }
        return new Outcome(signedMessages.size(), failures, byMessage, counts);
    }

    /** What {@link #checkAll} found. */
    public static final class Outcome {
        /** One line per message and transformation whose signature did not survive: "key after TRANSFORMATION: verdict". */
        public final List<String> failures;
        /** The same, by message key: each transformation that broke it, and the verdict. */
        public final Map<String, Map<Transformation, String>> failuresByMessage;
        private final int messages;
        private final Map<Transformation, int[]> counts;

        Outcome(int messages, List<String> failures, Map<String, Map<Transformation, String>> byMessage,
                Map<Transformation, int[]> counts) {
            this.messages = messages;
            this.failures = Collections.unmodifiableList(new ArrayList<>(failures));
            this.failuresByMessage = Collections.unmodifiableMap(byMessage);
            this.counts = counts;
        }

        /** Messages whose signed part {@code t} left byte-identical (line breaks normalised to CRLF). */
        public int identical(Transformation t) {
            return counts.get(t)[0];
        }

        /** Messages whose signed part {@code t} changed, and which openssl and BouncyCastle still verify. */
        public int changedButVerified(Transformation t) {
            return counts.get(t)[1];
        }

        /** Messages whose signature {@code t} broke. */
        public int failed(Transformation t) {
            return counts.get(t)[2];
        }

        /** One line per transformation: identical, changed but verified, failed. */
        public String summary() {
            StringBuilder summary = new StringBuilder("relays simulated on " + messages + " signed messages:");
            for (Transformation t : Transformation.values()) {
                summary.append(String.format(Locale.ROOT, "%n  %-30s %5d identical, %5d changed but verified, %5d failed",
                    t, identical(t), changedButVerified(t), failed(t)));
            }
            return summary.toString();
        }

        @Override
        public String toString() {
            return summary();
        }
    }

    private static String describe(Verifiers.Verdict verdict) {
        return "openssl " + (verdict.opensslOk ? "ok" : "FAILED: " + verdict.opensslError.replaceAll("\\s+", " ").trim())
            + "; BouncyCastle " + (verdict.bcOk ? "ok" : "FAILED: " + verdict.bcError.replaceAll("\\s+", " ").trim());
    }

    private static byte[] signedPartOrNull(byte[] message) {
        try {
            return signedPart(message);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- the MIME structure of the raw bytes

    /** One MIME entity as it lies in the bytes. */
    private static final class Entity {
        /** First byte of the header block. */
        final int start;
        /** End of the last header field: the start of the empty line, or of the body when there is none. */
        int headerEnd;
        /** First byte of the body, after the empty line. */
        int bodyStart;
        /** End of the body: before the line break that precedes the next delimiter line, or the end of the range. */
        int bodyEnd;
        /** Each header field as [start, end), its line breaks included. */
        final List<int[]> fields = new ArrayList<>();
        /** The type without parameters, lower case; empty when the Content-Type cannot be parsed. */
        String baseType = "";
        /** Content-Transfer-Encoding, lower case, without comment or parameters; empty when absent. */
        String encoding = "";
        /** The parts of a multipart, or the embedded message of a message/rfc822; empty for a leaf. */
        final List<Entity> children = new ArrayList<>();

        Entity(int start) {
            this.start = start;
        }
    }

    /** The entity in {@code b[start, end)}; {@code defaultType} when it has no Content-Type. */
    private static Entity walk(byte[] b, int start, int end, String defaultType, int depth) {
        Entity entity = new Entity(start);
        entity.headerEnd = end;
        entity.bodyStart = end;
        entity.bodyEnd = end;
        int[] field = null;
        int pos = start;
        while (pos < end) {
            int next = lineEnd(b, pos, end);
            if (contentEnd(b, pos, next) == pos && next > pos && b[next - 1] == '\n') {
                entity.headerEnd = pos;
                entity.bodyStart = next;
                break;
            }
            if (field != null && (b[pos] == ' ' || b[pos] == '\t')) {
                field[1] = next;
            } else {
                field = new int[] {pos, next};
                entity.fields.add(field);
            }
            pos = next;
        }
        String contentType = headerValue(b, entity, "content-type");
        String encoding = headerValue(b, entity, "content-transfer-encoding");
        if (encoding != null) {
            String value = encoding.trim().toLowerCase(Locale.ROOT);
            int cut = 0;
            while (cut < value.length() && " \t;(".indexOf(value.charAt(cut)) < 0) {
                cut++;
            }
            entity.encoding = value.substring(0, cut);
        }
        ContentType type;
        try {
            type = new ContentType(contentType == null ? defaultType : contentType);
        } catch (ParseException | RuntimeException e) {
            return entity; // unparseable: a leaf
        }
        entity.baseType = type.getBaseType().toLowerCase(Locale.ROOT);
        boolean encoded = entity.encoding.equals("base64") || entity.encoding.equals("quoted-printable");
        if (depth >= MAX_DEPTH || encoded) {
            return entity; // an encoded multipart or message is read by decoding it first: as bytes, a leaf
        }
        if (type.getPrimaryType().equalsIgnoreCase("multipart")) {
            String boundary = type.getParameter("boundary");
            if (boundary != null && !boundary.isEmpty()) {
                String childDefault = type.getSubType().equalsIgnoreCase("digest") ? "message/rfc822" : "text/plain";
                splitMultipart(b, entity, boundary.getBytes(StandardCharsets.ISO_8859_1), childDefault, depth);
            }
        } else if (entity.baseType.equals("message/rfc822")) {
            entity.children.add(walk(b, entity.bodyStart, entity.bodyEnd, "text/plain", depth + 1));
        }
        return entity;
    }

    /** Finds the parts of a multipart body at its delimiter lines; without any, the multipart stays a leaf. */
    private static void splitMultipart(byte[] b, Entity entity, byte[] boundary, String childDefault, int depth) {
        List<int[]> delimiters = new ArrayList<>(); // [line start, after its line break]
        int pos = entity.bodyStart;
        int end = entity.bodyEnd;
        while (pos < end) {
            int next = lineEnd(b, pos, end);
            int kind = delimiter(b, pos, contentEnd(b, pos, next), boundary);
            if (kind == 2) {
                delimiters.add(new int[] {pos, next});
                break;
            }
            if (kind == 1) {
                delimiters.add(new int[] {pos, next});
            }
            pos = next;
        }
        for (int i = 0; i < delimiters.size(); i++) {
            int partStart = delimiters.get(i)[1];
            if (i + 1 == delimiters.size()) {
                if (delimiterIsClose(b, delimiters.get(i)[0], boundary)) {
                    break;
                }
                // no close delimiter: the last part runs to the end of the body
                entity.children.add(walk(b, partStart, end, childDefault, depth + 1));
                break;
            }
            int partEnd = lineBreakBefore(b, delimiters.get(i + 1)[0], partStart);
            entity.children.add(walk(b, partStart, partEnd, childDefault, depth + 1));
        }
    }

    /**
     * 1 when the line {@code b[start, contentEnd)} is the delimiter {@code --boundary}, 2 when it is the close
     * delimiter {@code --boundary--}, 0 otherwise; trailing spaces, tabs and a stray CR are tolerated (RFC 2046's
     * transport padding).
     */
    private static int delimiter(byte[] b, int start, int contentEnd, byte[] boundary) {
        int length = contentEnd - start;
        if (length < boundary.length + 2 || b[start] != '-' || b[start + 1] != '-') {
            return 0;
        }
        for (int i = 0; i < boundary.length; i++) {
            if (b[start + 2 + i] != boundary[i]) {
                return 0;
            }
        }
        int rest = start + 2 + boundary.length;
        int kind = 1;
        if (rest + 1 < contentEnd && b[rest] == '-' && b[rest + 1] == '-') {
            kind = 2;
            rest += 2;
        }
        for (int i = rest; i < contentEnd; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
                return 0;
            }
        }
        return kind;
    }

    private static boolean delimiterIsClose(byte[] b, int lineStart, byte[] boundary) {
        int next = lineEnd(b, lineStart, b.length);
        return delimiter(b, lineStart, contentEnd(b, lineStart, next), boundary) == 2;
    }

    /** The start of the line break (CRLF or LF) just before {@code lineStart}, not before {@code floor}. */
    private static int lineBreakBefore(byte[] b, int lineStart, int floor) {
        int at = lineStart;
        if (at > floor && b[at - 1] == '\n') {
            at--;
            if (at > floor && b[at - 1] == '\r') {
                at--;
            }
        }
        return at;
    }

    /** The unfolded value (after the colon) of the first field named {@code name}, or null. */
    private static String headerValue(byte[] b, Entity entity, String name) {
        for (int[] field : entity.fields) {
            int colon = -1;
            for (int i = field[0]; i < field[1]; i++) {
                if (b[i] == ':') {
                    colon = i;
                    break;
                }
                if (b[i] == '\n') {
                    break;
                }
            }
            if (colon < 0) {
                continue;
            }
            String fieldName = new String(b, field[0], colon - field[0], StandardCharsets.ISO_8859_1).trim();
            if (fieldName.equalsIgnoreCase(name)) {
                StringBuilder value = new StringBuilder(field[1] - colon);
                for (int i = colon + 1; i < field[1]; i++) {
                    if (b[i] != '\r' && b[i] != '\n') {
                        value.append((char) (b[i] & 0xFF));
                    }
                }
                return value.toString();
            }
        }
        return null;
    }

    /** Every entity of the tree, in the order of the bytes. */
    private static void collect(Entity entity, List<Entity> into) {
        into.add(entity);
        for (Entity child : entity.children) {
            collect(child, into);
        }
    }

    /** The end of the line starting at {@code pos}: after its LF, or {@code end}. */
    private static int lineEnd(byte[] b, int pos, int end) {
        for (int i = pos; i < end; i++) {
            if (b[i] == '\n') {
                return i + 1;
            }
        }
        return end;
    }

    /** The end of the line's content: before its LF and a CR just before that LF. */
    private static int contentEnd(byte[] b, int start, int next) {
        int end = next;
        if (end > start && b[end - 1] == '\n') {
            end--;
            if (end > start && b[end - 1] == '\r') {
                end--;
            }
        }
        return end;
    }

    // ---------------------------------------------------------------- body re-encoding

    private static final class Reencoding {
        final String key;
        final Entity leaf;
        final byte[] decoded;
        byte[] encoded;

        Reencoding(String key, Entity leaf, byte[] decoded) {
            this.key = key;
            this.leaf = leaf;
            this.decoded = decoded;
        }
    }

    private static Map<String, byte[]> reencode(Map<String, byte[]> messages, String encoding, boolean python) {
        List<Reencoding> all = new ArrayList<>();
        Map<String, List<Reencoding>> byMessage = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> entry : messages.entrySet()) {
            byte[] message = entry.getValue();
            List<Entity> entities = new ArrayList<>();
            collect(walk(message, 0, message.length, "text/plain", 0), entities);
            List<Reencoding> leaves = new ArrayList<>();
            for (Entity entity : entities) {
                if (entity.children.isEmpty() && entity.encoding.equals(encoding)) {
                    byte[] decoded = decode(message, entity.bodyStart, entity.bodyEnd, encoding);
                    if (decoded != null) { // a body its encoding cannot decode stays as it is
                        leaves.add(new Reencoding(entry.getKey(), entity, decoded));
                    }
                }
            }
            byMessage.put(entry.getKey(), leaves);
            all.addAll(leaves);
        }
        if (python) {
            List<byte[]> encoded = pythonEncode(encoding, all);
            for (int i = 0; i < all.size(); i++) {
                all.get(i).encoded = encoded.get(i);
            }
        } else {
            for (Reencoding leaf : all) {
                leaf.encoded = javamailEncode(encoding, leaf.decoded);
            }
        }
        Map<String, byte[]> result = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> entry : messages.entrySet()) {
            byte[] message = entry.getValue();
            List<Reencoding> leaves = byMessage.get(entry.getKey());
            if (leaves.isEmpty()) {
                result.put(entry.getKey(), message);
                continue;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + message.length / 8);
            int copied = 0;
            for (Reencoding leaf : leaves) {
                out.write(message, copied, leaf.leaf.bodyStart - copied);
                out.writeBytes(leaf.encoded);
                copied = leaf.leaf.bodyEnd;
            }
            out.write(message, copied, message.length - copied);
            result.put(entry.getKey(), out.toByteArray());
        }
        return result;
    }

    /** The body decoded by javax.mail, or null when it cannot be. */
    private static byte[] decode(byte[] b, int start, int end, String encoding) {
        try (InputStream in = MimeUtility.decode(new ByteArrayInputStream(b, start, end - start), encoding)) {
            // not readAllBytes: javax.mail's decoders answer a read of zero bytes with -1
            ByteArrayOutputStream out = new ByteArrayOutputStream(end - start);
            byte[] buffer = new byte[8192];
            int read;
            while ((read = in.read(buffer, 0, buffer.length)) >= 0) {
                out.write(buffer, 0, read);
            }
            return out.toByteArray();
        } catch (IOException | MessagingException | RuntimeException e) {
            return null;
        }
    }

    /**
     * javax.mail's encoding of {@code decoded} as its {@code MimeBodyPart.writeTo} writes a body: through
     * {@code MimeUtility.encode}, then flushed, never closed, so base64 ends with CRLF only when its last line is full
     * (a closed encoder would add one after a partial line), quoted-printable only when the data ends with a line break.
     */
    private static byte[] javamailEncode(String encoding, byte[] decoded) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(decoded.length + decoded.length / 2 + 16);
        // the encoder's whole output, closed: every base64 line ends in CRLF, as Python's, PHPMailer's and MimeKit's
        // encoders end them (javax.mail's MimeBodyPart.writeTo only flushes, leaving a short last line without its
        // CRLF: no base64 form survives both conventions unless its last line is full; see README, relay-proof form)
        try (OutputStream encoder = MimeUtility.encode(out, encoding)) {
            encoder.write(decoded);
        } catch (IOException | MessagingException e) {
            throw new IllegalStateException("javax.mail cannot encode " + encoding, e);
        }
        return out.toByteArray();
    }

    /**
     * Python's encoding of every leaf, in one run of {@code reencode.py}: one JSON request a line in, the base64 of
     * the encoded text a line out; Python's LF line breaks become CRLF.
     */
    private static List<byte[]> pythonEncode(String encoding, List<Reencoding> leaves) {
        if (leaves.isEmpty()) {
            return List.of();
        }
        String script;
        try (InputStream in = RelaySimulator.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IllegalStateException(SCRIPT + " is not on the class path");
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Process process;
        try {
            process = new ProcessBuilder("python3", "-I", "-c", script).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start python3 for " + SCRIPT, e);
        }
        try {
            // written by a thread of its own: Python answers while it still reads, and both pipes are bounded
            IOException[] writeFailure = new IOException[1];
            Thread writer = new Thread(() -> {
                try (OutputStream stdin = process.getOutputStream()) {
                    byte[] prefix = ("{\"encoding\": \"" + encoding + "\", \"data\": \"").getBytes(StandardCharsets.US_ASCII);
                    byte[] suffix = "\"}\n".getBytes(StandardCharsets.US_ASCII);
                    for (Reencoding leaf : leaves) {
                        stdin.write(prefix);
                        stdin.write(Base64.getEncoder().encode(leaf.decoded));
                        stdin.write(suffix);
                    }
                } catch (IOException e) {
                    writeFailure[0] = e; // Python stopped reading; its stderr says why
                }
            }, "relay-simulator-python-input");
            writer.setDaemon(true);
            writer.start();
            List<byte[]> encoded = new ArrayList<>(leaves.size());
            BufferedReader stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
            String line;
            while ((line = stdout.readLine()) != null) {
                encoded.add(lfToCrlf(Base64.getDecoder().decode(line)));
            }
            String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            writer.join(TimeUnit.MINUTES.toMillis(1));
            if (!process.waitFor(1, TimeUnit.MINUTES)) {
                throw new IllegalStateException(SCRIPT + " did not finish");
            }
            if (process.exitValue() != 0 || encoded.size() != leaves.size()) {
                throw new IllegalStateException(SCRIPT + " exited " + process.exitValue() + " after " + encoded.size() + " of "
                    + leaves.size() + " bodies: " + stderr + (writeFailure[0] == null ? "" : " (writing: " + writeFailure[0] + ")"));
            }
            return encoded;
        } catch (IOException e) {
            throw new UncheckedIOException("talking to " + SCRIPT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + SCRIPT, e);
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }

    private static byte[] lfToCrlf(byte[] text) {
        return toCrlf(text, 0, text.length);
    }

    // ---------------------------------------------------------------- line transformations

    /** Every header block of the message as [start, end), in the order of the bytes. */
    private static List<int[]> headerBlocks(byte[] message) {
        List<Entity> entities = new ArrayList<>();
        collect(walk(message, 0, message.length, "text/plain", 0), entities);
        List<int[]> blocks = new ArrayList<>();
        for (Entity entity : entities) {
            if (entity.headerEnd > entity.start) {
                blocks.add(new int[] {entity.start, entity.headerEnd});
            }
        }
        blocks.sort((x, y) -> Integer.compare(x[0], y[0]));
        return blocks;
    }

    /**
     * Breaks every line whose content (without its line break) is over {@code limit} octets: body lines into pieces
     * of {@code limit} joined by CRLF; header lines, when {@code headersToo}, folded: CRLF and a space inserted after
     * each {@code limit} octets of a physical line (the space counts in the next line). Without {@code headersToo},
     * header lines stay as they are.
     */
    private static byte[] breakLines(byte[] message, int limit, boolean headersToo) {
        List<int[]> headers = headerBlocks(message);
        ByteArrayOutputStream out = null;
        int copied = 0;
        int block = 0;
        int pos = 0;
        while (pos < message.length) {
            int next = lineEnd(message, pos, message.length);
            int content = contentEnd(message, pos, next);
            if (content - pos > limit) {
                while (block < headers.size() && headers.get(block)[1] <= pos) {
                    block++;
                }
                boolean header = block < headers.size() && headers.get(block)[0] <= pos;
                if (!header || headersToo) {
                    if (out == null) {
                        out = new ByteArrayOutputStream(message.length + message.length / 16);
                    }
                    out.write(message, copied, pos - copied);
                    int at = pos;
                    int room = limit;
                    while (content - at > room) {
                        out.write(message, at, room);
                        out.writeBytes(CRLF);
                        at += room;
                        if (header) {
                            out.write(' ');
                            room = limit - 1;
                        }
                    }
                    out.write(message, at, next - at);
                    copied = next;
                }
            }
            pos = next;
        }
        if (out == null) {
            return message;
        }
        out.write(message, copied, message.length - copied);
        return out.toByteArray();
    }

    /** Removes the spaces and tabs at the end of every line (before its CRLF or LF, or before the end of the message). */
    private static byte[] stripTrailingWhiteSpace(byte[] message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length);
        int pos = 0;
        while (pos < message.length) {
            int next = lineEnd(message, pos, message.length);
            int content = contentEnd(message, pos, next);
            int kept = content;
            while (kept > pos && (message[kept - 1] == ' ' || message[kept - 1] == '\t')) {
                kept--;
            }
            out.write(message, pos, kept - pos);
            out.write(message, content, next - content);
            pos = next;
        }
        return out.toByteArray();
    }

    private static byte[] crlfToLf(byte[] message) {
        byte[] out = new byte[message.length];
        int n = 0;
        for (int i = 0; i < message.length; i++) {
            if (message[i] != '\r' || i + 1 == message.length || message[i + 1] != '\n') {
                out[n++] = message[i];
            }
        }
        return n == message.length ? message : Arrays.copyOf(out, n);
    }

    /** {@code b[start, end)} with every LF not preceded by CR made CRLF. */
    private static byte[] toCrlf(byte[] b, int start, int end) {
        int bare = 0;
        for (int i = start; i < end; i++) {
            if (b[i] == '\n' && (i == start || b[i - 1] != '\r')) {
                bare++;
            }
        }
        byte[] out = new byte[end - start + bare];
        int n = 0;
        for (int i = start; i < end; i++) {
            if (b[i] == '\n' && (i == start || b[i - 1] != '\r')) {
                out[n++] = '\r';
            }
            out[n++] = b[i];
        }
        return out;
    }

    // ---------------------------------------------------------------- header refolding

    /** Refolds the long header fields of every entity inside the signed content; other bytes stay. */
    private static byte[] refoldPartHeaders(byte[] message) {
        Entity top = walk(message, 0, message.length, "text/plain", 0);
        if (!"multipart/signed".equals(top.baseType) || top.children.isEmpty()) {
            return message;
        }
        List<Entity> signed = new ArrayList<>();
        collect(top.children.get(0), signed);
        ByteArrayOutputStream out = null;
        int copied = 0;
        for (Entity entity : signed) {
            for (int[] field : entity.fields) {
                byte[] refolded = refold(message, field[0], field[1]);
                if (refolded == null) {
                    continue;
                }
                if (out == null) {
                    out = new ByteArrayOutputStream(message.length + 256);
                }
                out.write(message, copied, field[0] - copied);
                out.writeBytes(refolded);
                copied = field[1];
            }
        }
        if (out == null) {
            return message;
        }
        out.write(message, copied, message.length - copied);
        return out.toByteArray();
    }

    /**
     * The field {@code b[start, end)} unfolded (its inner line breaks removed) and folded again greedily: each line
     * as long as possible within 78 octets, broken only before a run of spaces and tabs that is followed by more
     * text after the field's colon; a word longer than that stays whole on a longer line. Null when every physical
     * line of the field is within 78 octets, or it has no colon. Fold line breaks are CRLF, or LF when the field's
     * first line ends with a bare LF; the field's own final line break is kept.
     */
    private static byte[] refold(byte[] b, int start, int end) {
        boolean longLine = false;
        ByteArrayOutputStream unfolded = new ByteArrayOutputStream(end - start);
        byte[] terminator = new byte[0];
        byte[] fold = CRLF;
        int pos = start;
        while (pos < end) {
            int next = lineEnd(b, pos, end);
            int content = contentEnd(b, pos, next);
            if (content - pos > FOLD_LINE) {
                longLine = true;
            }
            if (pos == start && next - content == 1) {
                fold = new byte[] {'\n'};
            }
            unfolded.write(b, pos, content - pos);
            terminator = Arrays.copyOfRange(b, content, next);
            pos = next;
        }
        if (!longLine) {
            return null;
        }
        byte[] u = unfolded.toByteArray();
        int colon = -1;
        for (int i = 0; i < u.length; i++) {
            if (u[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon < 0) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(u.length + 32);
        int lineStart = 0;
        int lastBreak = -1;
        int i = colon + 1;
        while (true) {
            // the next fold point: the start of a run of white space with text after it
            int run = i;
            while (run < u.length && !isWhiteSpace(u[run])) {
                run++;
            }
            int after = run;
            while (after < u.length && isWhiteSpace(u[after])) {
                after++;
            }
            boolean candidate = after < u.length;
            int point = candidate ? run : u.length;
            if (point - lineStart > FOLD_LINE && lastBreak > lineStart) {
                out.write(u, lineStart, lastBreak - lineStart);
                out.writeBytes(fold);
                lineStart = lastBreak;
            }
            if (!candidate) {
                break;
            }
            if (point - lineStart > FOLD_LINE && point > lineStart) {
                // the word before this point alone is longer than a line: it stays whole, the line breaks after it
                out.write(u, lineStart, point - lineStart);
                out.writeBytes(fold);
                lineStart = point;
                lastBreak = -1;
            } else {
                lastBreak = point;
            }
            i = after;
        }
        out.write(u, lineStart, u.length - lineStart);
        out.writeBytes(terminator);
        return out.toByteArray();
    }

    private static boolean isWhiteSpace(byte c) {
        return c == ' ' || c == '\t';
    }
}
