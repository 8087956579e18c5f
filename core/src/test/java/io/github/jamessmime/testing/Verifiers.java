package io.github.jamessmime.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import javax.mail.BodyPart;
import javax.mail.MessagingException;
import javax.mail.Multipart;
import javax.mail.Part;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;

import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;

/**
 * Independent checks of a signed message: Debian's {@code openssl cms -verify} (another implementation than
 * the one that signed) and BouncyCastle's CMS verifier over the bytes as they were serialised.
 */
public final class Verifiers {
    private static final Session SESSION = Session.getInstance(new Properties());

    private Verifiers() {
    }

    /** The outcome of {@code openssl cms -verify}: exit code, the verified content part, stderr. */
    public static final class OpensslResult {
        public final int exitCode;
        public final byte[] content;
        public final String stderr;

        OpensslResult(int exitCode, byte[] content, String stderr) {
            this.exitCode = exitCode;
            this.content = content;
            this.stderr = stderr;
        }

        @Override
        public String toString() {
            return "openssl exit " + exitCode + ": " + stderr;
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
            return new OpensslResult(process.exitValue(), content, stderr.trim());
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
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
            cms = in.readAllBytes();
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
            .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()).build(signerCertificate));
        String micalg = new javax.mail.internet.ContentType(message.getContentType()).getParameter("micalg");
        return new BcResult(valid, signerCertificate, certificates, signer, content, micalg);
    }

    /**
     * The bytes of the first part of a multipart/signed exactly as serialised (between the first delimiter
     * line and the CRLF before the next), as RFC 1847 defines the signed content.
     */
    public static byte[] rawPart(byte[] signedMessage, MimeMessage parsed) throws MessagingException {
        String boundary = new javax.mail.internet.ContentType(parsed.getContentType()).getParameter("boundary");
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
     * The leaves of a MIME tree as "content-type-without-params: decoded bytes", text with line breaks
     * normalised to LF: two trees with the same leaves carry the same content.
     */
    public static List<String> leaves(Part part) throws Exception {
        List<String> result = new ArrayList<>();
        collect(part, result);
        return result;
    }

    private static void collect(Part part, List<String> result) throws Exception {
        Object content = part.getContent();
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
        String type = part.getContentType() == null ? "text/plain" : new javax.mail.internet.ContentType(part.getContentType()).getBaseType();
        byte[] bytes;
        try (InputStream in = part.getInputStream()) {
            bytes = readFully(in);
        }
        if (type.toLowerCase().startsWith("text/")) {
            String text = new String(bytes, StandardCharsets.ISO_8859_1).replace("\r\n", "\n").replace('\r', '\n');
            result.add(type.toLowerCase() + ": " + text);
        } else {
            result.add(type.toLowerCase() + ": " + java.util.Base64.getEncoder().encodeToString(bytes));
        }
    }

    /**
     * All bytes of a stream. Not {@link InputStream#readAllBytes}: javax.mail 1.6's base64 and quoted-printable
     * decoders answer a read of zero bytes with -1, which ends readAllBytes after its first 8192 bytes.
     */
    private static byte[] readFully(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int read;
        while ((read = in.read(buffer, 0, buffer.length)) >= 0) {
            out.write(buffer, 0, read);
        }
        return out.toByteArray();
    }
}
