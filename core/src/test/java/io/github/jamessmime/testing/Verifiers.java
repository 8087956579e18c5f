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

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.mail.BodyPart;
import javax.mail.MessagingException;
import javax.mail.Multipart;
import javax.mail.Part;
import javax.mail.Session;
import javax.mail.internet.ContentType;
import javax.mail.internet.MimeBodyPart;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;
import javax.mail.internet.MimePart;
import javax.mail.internet.ParseException;

import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Independent checks of a signed message: Debian's {@code openssl cms -verify} (another implementation than
 * the one that signed) and BouncyCastle's CMS verifier over the bytes as they were serialised.
 */
public final class Verifiers {
    private static final Session SESSION = Session.getInstance(new Properties());

    private Verifiers() {
    }

    /**
     * The outcome of {@code openssl cms -verify}: exit code, the verified content part, stderr; and what Thunderbird's
     * rules say of the same message ({@link ThunderbirdRules}).
     */
    public static final class OpensslResult {
        public final int exitCode;
        public final byte[] content;
        public final String stderr;
        public final ThunderbirdRules.Verdict thunderbird;

        OpensslResult(int exitCode, byte[] content, String stderr, ThunderbirdRules.Verdict thunderbird) {
            this.exitCode = exitCode;
            this.content = content;
            this.stderr = stderr;
            this.thunderbird = thunderbird;
        }

        /** openssl verified the message, and Thunderbird's rules pass: a recipient's client shows it as validly signed. */
        public boolean ok() {
            return exitCode == 0 && thunderbird.ok();
        }

        @Override
        public String toString() {
            return "openssl exit " + exitCode + ": " + stderr + "; " + thunderbird;
        }
    }

    /**
     * Runs {@code openssl cms -verify} (text mode, as mail clients canonicalise) on the serialised message against {@code root}, at {@code at}
     * (openssl checks validity at that time, so tests with a fixed clock verify at that clock).
     */
    public static OpensslResult openssl(byte[] signedMessage, X509Certificate root, Instant at) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("openssl-verify");
        try {
            Path in = Files.write(dir.resolve("signed.eml"), signedMessage);
            Path ca = TestPki.writePem(dir.resolve("root.pem"), root);
            Path out = dir.resolve("content.bin");
            Process process = new ProcessBuilder("openssl", "cms", "-verify", "-inform", "SMIME",
                "-in", in.toString(), "-CAfile", ca.toString(), "-attime", Long.toString(at.getEpochSecond()),
                "-out", out.toString())
                .redirectErrorStream(false)
                .start();
            process.getOutputStream().close();
            String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("openssl did not finish");
            }
            byte[] content = Files.exists(out) ? Files.readAllBytes(out) : new byte[0];
            return new OpensslResult(process.exitValue(), content, stderr.trim(), ThunderbirdRules.check(signedMessage, root, at));
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The outcome of both independent verifiers for one message. */
    public static final class Verdict {
        public final boolean opensslOk;
        public final String opensslError;
        public final byte[] opensslContent;
        public final boolean bcOk;
        public final String bcError;
        public final byte[] bcContent;
        public final ThunderbirdRules.Verdict thunderbird;

        Verdict(boolean opensslOk, String opensslError, byte[] opensslContent, boolean bcOk, String bcError, byte[] bcContent,
                ThunderbirdRules.Verdict thunderbird) {
            this.opensslOk = opensslOk;
            this.opensslError = opensslError;
            this.opensslContent = opensslContent;
            this.bcOk = bcOk;
            this.bcError = bcError;
            this.bcContent = bcContent;
            this.thunderbird = thunderbird;
        }

        /** openssl and BouncyCastle verify, and Thunderbird's rules (NSS, From, Date and signing time) pass. */
        public boolean allOk() {
            return opensslOk && bcOk && thunderbird.ok();
        }

        @Override
        public String toString() {
            return "openssl " + (opensslOk ? "ok" : "FAILED: " + opensslError.replaceAll("\\s+", " "))
                + "; BouncyCastle SMIMESigned " + (bcOk ? "ok" : "FAILED: " + bcError) + "; " + thunderbird;
        }
    }

    /**
     * Verifies every message with two implementations other than the signer, and applies Thunderbird's rules to it
     * ({@link ThunderbirdRules}: NSS, the From address, Date and signing time): Debian's {@code openssl cms -verify}
     * (text mode, against {@code root}, at {@code at}), which hashes the first part as sent, and BouncyCastle's bcmail
     * {@code SMIMESigned} (1.85, in a JVM of its own: {@code src/test/verifier/BcSmimeVerify.java}), which hashes the
     * part as it rebuilds it from javax.mail's parse. Keys of the map name the messages in the result.
     */
    public static Map<String, Verdict> independentVerify(Map<String, byte[]> signedMessages, X509Certificate root, Instant at)
        throws IOException, InterruptedException {
        Path program = Path.of("src/test/verifier/BcSmimeVerify.java").toAbsolutePath();
        Path classpath = Path.of("target/bc-smime-verifier").toAbsolutePath();
        if (!Files.isRegularFile(program) || !Files.isDirectory(classpath)) {
            throw new IllegalStateException("the BouncyCastle verifier needs " + program + " and " + classpath
                + " (made by mvn generate-test-resources in core/)");
        }
        Path dir = Files.createTempDirectory("independent-verify");
        try {
            Path ca = TestPki.writePem(dir.resolve("root.pem"), root);
            Map<String, String> files = new LinkedHashMap<>();
            int index = 0;
            for (Map.Entry<String, byte[]> entry : signedMessages.entrySet()) {
                String file = String.format("%05d-%s", index++, entry.getKey().replaceAll("[^A-Za-z0-9._-]", "_"));
                Files.write(dir.resolve(file + ".eml"), entry.getValue());
                files.put(entry.getKey(), file);
            }
            // openssl runs on a small pool while the BouncyCastle JVM works through the whole directory
            ExecutorService pool = Executors.newFixedThreadPool(
                Math.max(2, Runtime.getRuntime().availableProcessors()));
            Map<String, Future<String[]>> openssl = new LinkedHashMap<>();
            Map<String, String[]> bc;
            Map<String, ThunderbirdRules.Verdict> thunderbird;
            try {
                for (String file : files.values()) {
                    openssl.put(file, pool.submit(() -> opensslFile(dir, file, ca, at)));
                }
                bc = bcmail(program, classpath, dir);
                thunderbird = ThunderbirdRules.check(signedMessages, root, at);
            } finally {
                // every openssl is done (or stopped) before the directory goes
                pool.shutdown();
                if (!pool.awaitTermination(2, TimeUnit.MINUTES)) {
                    pool.shutdownNow();
                }
            }
            Map<String, Verdict> result = new LinkedHashMap<>();
            for (Map.Entry<String, String> entry : files.entrySet()) {
                String file = entry.getValue();
                String[] ossl;
                try {
                    ossl = openssl.get(file).get();
                } catch (ExecutionException e) {
                    ossl = new String[] {"FAIL", String.valueOf(e.getCause())};
                }
                String[] b = bc.getOrDefault(file, new String[] {"FAIL", "no verdict from the BouncyCastle verifier"});
                Path opensslContent = dir.resolve(file + ".openssl-content");
                Path bcContent = dir.resolve(file + ".bc-content");
                result.put(entry.getKey(), new Verdict(ossl[0].equals("OK"), ossl[1],
                    Files.exists(opensslContent) ? Files.readAllBytes(opensslContent) : new byte[0],
                    b[0].equals("OK"), b.length > 1 ? b[1] : "", Files.exists(bcContent) ? Files.readAllBytes(bcContent) : new byte[0],
                    thunderbird.get(entry.getKey())));
            }
            return result;
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** {@link #independentVerify} of one message. */
    public static Verdict independentVerify(byte[] signedMessage, X509Certificate root, Instant at) throws IOException, InterruptedException {
        return independentVerify(Map.of("message", signedMessage), root, at).get("message");
    }

    private static String[] opensslFile(Path dir, String file, Path ca, Instant at) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("openssl", "cms", "-verify", "-inform", "SMIME",
            "-in", dir.resolve(file + ".eml").toString(), "-CAfile", ca.toString(), "-attime", Long.toString(at.getEpochSecond()),
            "-out", dir.resolve(file + ".openssl-content").toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
        process.getOutputStream().close();
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new String[] {"FAIL", "openssl did not finish"};
        }
        boolean ok = process.exitValue() == 0 && stderr.contains("Verification successful");
        return new String[] {ok ? "OK" : "FAIL", stderr};
    }

    private static Map<String, String[]> bcmail(Path program, Path classpath, Path dir) throws IOException, InterruptedException {
        Path javaCommand = Path.of(System.getProperty("java.home"), "bin", "java");
        // stderr to a file outside the *.eml set: a warning on stderr must not split a verdict line on stdout
        Path stderr = dir.resolve("bc-verifier.stderr");
        Process process = new ProcessBuilder(javaCommand.toString(), "-cp", classpath + File.separator + "*", program.toString(), dir.toString())
            .redirectError(stderr.toFile())
            .start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException("the BouncyCastle verifier failed: " + output
                + new String(Files.readAllBytes(stderr), StandardCharsets.UTF_8));
        }
        Map<String, String[]> verdicts = new HashMap<>();
        for (String line : output.split("\n")) {
            String[] fields = line.split("\t", 3);
            if (fields.length >= 2) {
                verdicts.put(fields[0], fields.length == 3 ? new String[] {fields[1], fields[2]} : new String[] {fields[1]});
            }
        }
        return verdicts;
    }

    /** BouncyCastle's view of a serialised signed message: the verified signer and its certificates. */
    public static final class BcResult {
        public final boolean signatureValid;
        public final X509Certificate signer;
        public final List<X509Certificate> certificates;
        public final SignerInformation signerInformation;
        public final byte[] signedContent;
        public final String micalg;

        BcResult(boolean signatureValid, X509Certificate signer, List<X509Certificate> certificates,
                 SignerInformation signerInformation, byte[] signedContent, String micalg) {
            this.signatureValid = signatureValid;
            this.signer = signer;
            this.certificates = certificates;
            this.signerInformation = signerInformation;
            this.signedContent = signedContent;
            this.micalg = micalg;
        }
    }

    /** Parses the serialised message as a mail client would and checks its CMS signature with BouncyCastle. */
    public static BcResult bouncyCastle(byte[] signedMessage) throws Exception {
        MimeMessage message = parse(signedMessage);
        MimeMultipart signed = (MimeMultipart) message.getContent();
        byte[] content = rawPart(signedMessage, message);
        BodyPart signaturePart = signed.getBodyPart(1);
        byte[] cms;
        try (InputStream in = signaturePart.getInputStream()) {
            cms = readFully(in);
        }
        CMSSignedData data = new CMSSignedData(new CMSProcessableByteArray(content), cms);
        SignerInformation signer = data.getSignerInfos().getSigners().iterator().next();
        @SuppressWarnings("unchecked")
        Collection<X509CertificateHolder> holders = data.getCertificates().getMatches(null);
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        List<X509Certificate> certificates = new ArrayList<>();
        for (X509CertificateHolder holder : holders) {
            certificates.add(converter.getCertificate(holder));
        }
        @SuppressWarnings("unchecked")
        X509CertificateHolder signerHolder = (X509CertificateHolder) data.getCertificates().getMatches(signer.getSID()).iterator().next();
        X509Certificate signerCertificate = converter.getCertificate(signerHolder);
        boolean valid = signer.verify(new JcaSimpleSignerInfoVerifierBuilder()
            .setProvider(new BouncyCastleProvider()).build(signerCertificate));
        String micalg = new ContentType(message.getContentType()).getParameter("micalg");
        return new BcResult(valid, signerCertificate, certificates, signer, content, micalg);
    }

    /**
     * The bytes of the first part of a multipart/signed exactly as serialised (between the first delimiter
     * line and the CRLF before the next), as RFC 1847 defines the signed content.
     */
    public static byte[] rawPart(byte[] signedMessage, MimeMessage parsed) throws MessagingException {
        String boundary = new ContentType(parsed.getContentType()).getParameter("boundary");
        byte[] delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.US_ASCII);
        int first = indexOf(signedMessage, delimiter, 0);
        int start = first + delimiter.length + 2;
        int end = indexOf(signedMessage, delimiter, start);
        byte[] content = new byte[end - start];
        System.arraycopy(signedMessage, start, content, 0, content.length);
        return content;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("delimiter not found");
    }

    public static MimeMessage parse(byte[] bytes) throws MessagingException {
        return new MimeMessage(SESSION, new ByteArrayInputStream(bytes));
    }

    public static byte[] serialize(MimeMessage message) throws IOException, MessagingException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        message.writeTo(out);
        return out.toByteArray();
    }

    /**
     * The leaves of a MIME tree as "content-type-without-params: decoded bytes": text with line breaks normalised to
     * LF, other 7bit and 8bit data (lines by definition) with CRLF, the rest exact, in base64. Two trees with the same
     * leaves carry the same content.
     */
    public static List<String> leaves(Part part) throws Exception {
        List<String> result = new ArrayList<>();
        collect(part, result);
        return result;
    }

    /** The type without parameters; a Content-Type javax.mail cannot parse stands as it is. */
    private static String baseType(Part part) throws MessagingException {
        String header = part.getContentType();
        if (header == null) {
            return "text/plain";
        }
        try {
            return new ContentType(header).getBaseType();
        } catch (ParseException e) {
            int semicolon = header.indexOf(';');
            return (semicolon < 0 ? header : header.substring(0, semicolon)).trim(); // as lenient parsers read it
        }
    }

    private static void collect(Part part, List<String> result) throws Exception {
        Object content;
        try {
            content = part.getContent();
        } catch (UnsupportedEncodingException e) {
            content = null; // text in a charset the JDK lacks: compared as bytes below
        }
        if (content instanceof Multipart) {
            Multipart multipart = (Multipart) content;
            for (int i = 0; i < multipart.getCount(); i++) {
                collect(multipart.getBodyPart(i), result);
            }
            return;
        }
        if (content instanceof MimeMessage) {
            collect((MimeMessage) content, result);
            return;
        }
        String type = baseType(part);
        byte[] bytes;
        try (InputStream in = part.getInputStream()) {
            bytes = readFully(in);
        } catch (IOException e) {
            // a body its declared encoding cannot decode: compare the encoded lines, line breaks normalised
            try (InputStream raw = ((MimePart) part) instanceof MimeBodyPart
                ? ((MimeBodyPart) part).getRawInputStream() : ((MimeMessage) part).getRawInputStream()) {
                result.add("undecodable " + type.toLowerCase() + ": "
                    + new String(readFully(raw), StandardCharsets.ISO_8859_1).replace("\r\n", "\n").replace('\r', '\n'));
            }
            return;
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        if (type.toLowerCase().startsWith("text/")) {
            result.add(type.toLowerCase() + ": " + text.replace("\r\n", "\n").replace('\r', '\n'));
            return;
        }
        if (type.equalsIgnoreCase("message/delivery-status") || type.equalsIgnoreCase("message/disposition-notification")) {
            // header fields (RFC 3464, RFC 8098): their folding and trailing white space carry nothing
            result.add(type.toLowerCase() + ": " + text.replace("\r\n", "\n").replace('\r', '\n').replaceAll("\n(?=[ \t])", "")
                .replaceAll("[ \t]+(?=\n|$)", ""));
            return;
        }
        String encoding = ((MimePart) part).getEncoding();
        if (encoding == null || encoding.trim().equalsIgnoreCase("7bit") || encoding.trim().equalsIgnoreCase("8bit")) {
            // 7bit and 8bit data are lines (RFC 2045 2.7, 2.8): compared in their canonical form, CRLF
            text = text.replace("\r\n", "\n").replace('\r', '\n').replace("\n", "\r\n");
        }
        result.add(type.toLowerCase() + ": " + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.ISO_8859_1)));
    }

    /**
     * All bytes of a stream. Not {@link InputStream#readAllBytes}: javax.mail 1.6's base64 and quoted-printable
     * decoders answer a read of zero bytes with -1, which ends readAllBytes after its first 8192 bytes.
     */
    static byte[] readFully(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int read;
        while ((read = in.read(buffer, 0, buffer.length)) >= 0) {
            out.write(buffer, 0, read);
        }
        return out.toByteArray();
    }
}
