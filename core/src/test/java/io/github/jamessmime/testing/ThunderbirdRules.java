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

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;
import javax.mail.internet.MimeUtility;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.Time;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;

/**
 * What Thunderbird checks of a signed message beyond the CMS signature, applied with Thunderbird's own libraries where
 * they can be called: comm-central {@code mailnews/mime/src/mimecms.cpp}, {@code nsSMimeVerificationListener::Notify}
 * and {@code MimeCMSHeadersAndCertsMatch}.
 * <ol>
 * <li><b>NSS verifies</b> the detached signature over the first part as sent, with the signer certificate for email
 *     signing under the given root: Debian's {@code cmsutil -D} linked against the NSS that Debian's Thunderbird ships
 *     in {@code /usr/lib/thunderbird} (3.125 with Thunderbird 153, where the system's is 3.87), with the clock at the
 *     test's time through {@code faketime} (NSS checks the certificate at the signing time when the signature carries
 *     one, at the clock's time otherwise);</li>
 * <li><b>the From address is among the certificate's e-mail addresses</b> (the SAN rfc822Names and the subject's
 *     emailAddress, compared case-insensitively, as NSS's {@code ContainsEmailAddress} does; the Sender's address only
 *     when there is no From), else {@code VERIFY_HEADER_MISMATCH};</li>
 * <li><b>when the signature carries a signing time, the {@code Date} parses</b> with NSPR's {@code PR_ParseTimeString}
 *     (called in Debian's libnspr4 through Python's ctypes) <b>and lies at most 3600 s from it</b>, else
 *     {@code VERIFY_TIME_MISMATCH} (1041), shown as "Digital Signature Is Not Valid".</li>
 * </ol>
 * Needs {@code cmsutil} and {@code certutil} (libnss3-tools), Debian's {@code thunderbird}, {@code faketime} and
 * Debian's python3; {@code bin/test} installs them.
 */
public final class ThunderbirdRules {
    /** The longest distance between Date and signing time Thunderbird accepts (mimecms.cpp: {@code > 60 * 60 * 1}). */
    public static final long MAX_SECONDS = 3600;
    /** Where Debian's Thunderbird keeps the NSS it ships and links (newer than the system's): cmsutil runs with it. */
    private static final String THUNDERBIRD_NSS = "/usr/lib/thunderbird";
    private static final DateTimeFormatter FAKETIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
    /** Reads one Date value per line and prints the epoch second NSPR parses from it, or FAIL. */
    private static final String NSPR_DATES = String.join("\n",
        "import ctypes, sys",
        "nspr = ctypes.CDLL('libnspr4.so')",
        "nspr.PR_ParseTimeString.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int64)]",
        "for line in sys.stdin.buffer.read().split(b'\\n')[:-1]:",
        "    value = ctypes.c_int64()",
        "    ok = nspr.PR_ParseTimeString(line, 0, ctypes.byref(value)) == 0",
        "    print(value.value // 1000000 if ok else 'FAIL')",
        "");

    private ThunderbirdRules() {
    }

    /** What the rules say of one message given in {@link #check}. */
    public static final class Verdict {
        /** Null when every rule passes. */
        public final String problem;
        public final Optional<Instant> signingTime;

        Verdict(String problem, Optional<Instant> signingTime) {
            this.problem = problem;
            this.signingTime = signingTime;
        }

        public boolean ok() {
            return problem == null;
        }

        @Override
        public String toString() {
            return ok() ? "Thunderbird rules ok" : "Thunderbird rules FAILED: " + problem;
        }
    }

    /** The rules for one message. */
    public static Verdict check(byte[] signedMessage, X509Certificate root, Instant at) throws IOException, InterruptedException {
        return check(Map.of("message", signedMessage), root, at).get("message");
    }

    /** The rules for every message, keyed as given; NSS verifies at {@code at}. */
    public static Map<String, Verdict> check(Map<String, byte[]> signedMessages, X509Certificate root, Instant at)
        throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("thunderbird-rules");
        try {
            Path database = Files.createDirectory(dir.resolve("nssdb"));
            run(List.of("certutil", "-N", "-d", "sql:" + database, "--empty-password"), null, true);
            run(List.of("certutil", "-A", "-d", "sql:" + database, "-n", "root", "-t", "C,C,C",
                "-i", TestPki.writePem(dir.resolve("root.pem"), root).toString()), null, true);
            Map<String, Parsed> parsed = new LinkedHashMap<>();
            Map<String, String> problems = new HashMap<>();
            int index = 0;
            for (Map.Entry<String, byte[]> entry : signedMessages.entrySet()) {
                try {
                    parsed.put(entry.getKey(), Parsed.of(entry.getValue(), dir, index++));
                } catch (Exception e) {
                    problems.put(entry.getKey(), "the message cannot be read as multipart/signed: " + e);
                }
            }
            Map<String, Long> dates = nsprDates(parsed.values());
            ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
            Map<String, Future<String>> nss = new LinkedHashMap<>();
            try {
                for (Map.Entry<String, Parsed> entry : parsed.entrySet()) {
                    nss.put(entry.getKey(), pool.submit(() -> cmsutil(entry.getValue(), database, at)));
                }
                Map<String, Verdict> result = new LinkedHashMap<>();
                for (String key : signedMessages.keySet()) {
                    Parsed message = parsed.get(key);
                    if (message == null) {
                        result.put(key, new Verdict(problems.get(key), Optional.empty()));
                        continue;
                    }
                    String problem;
                    try {
                        problem = nss.get(key).get(2, TimeUnit.MINUTES);
                    } catch (ExecutionException e) {
                        problem = "NSS could not be asked: " + e.getCause();
                    } catch (TimeoutException e) {
                        problem = "NSS did not answer within 2 minutes";
                    }
                    if (problem == null) {
                        problem = message.headerProblem(dates);
                    }
                    result.put(key, new Verdict(problem, message.signingTime));
                }
                return result;
            } finally {
                pool.shutdown();
                if (!pool.awaitTermination(2, TimeUnit.MINUTES)) {
                    pool.shutdownNow();
                }
            }
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** What one message gives the rules: its files for cmsutil, its From, Date, signer addresses and signing time. */
    private static final class Parsed {
        final Path content;
        final Path signature;
        final Optional<String> from;
        final Optional<String> date;
        final List<String> certificateAddresses;
        final Optional<Instant> signingTime;

        private Parsed(Path content, Path signature, Optional<String> from, Optional<String> date, List<String> certificateAddresses,
                       Optional<Instant> signingTime) {
            this.content = content;
            this.signature = signature;
            this.from = from;
            this.date = date;
            this.certificateAddresses = certificateAddresses;
            this.signingTime = signingTime;
        }

        static Parsed of(byte[] bytes, Path dir, int index) throws Exception {
            MimeMessage message = Verifiers.parse(bytes);
            MimeMultipart signed = (MimeMultipart) message.getContent();
            byte[] cms;
            try (InputStream in = signed.getBodyPart(1).getInputStream()) {
                cms = Verifiers.readFully(in);
            }
            Path content = Files.write(dir.resolve(index + ".content"), Verifiers.rawPart(bytes, message));
            Path signature = Files.write(dir.resolve(index + ".p7s"), cms);
            CMSSignedData data = new CMSSignedData(cms);
            SignerInformation signer = data.getSignerInfos().getSigners().iterator().next();
            @SuppressWarnings("unchecked")
            Collection<X509CertificateHolder> matches = data.getCertificates().getMatches(signer.getSID());
            List<String> addresses = matches.isEmpty() ? List.of() : addresses(matches.iterator().next());
            Optional<Instant> signingTime = Optional.empty();
            if (signer.getSignedAttributes() != null) {
                Attribute attribute = signer.getSignedAttributes().get(CMSAttributes.signingTime);
                if (attribute != null) {
                    signingTime = Optional.of(Time.getInstance(attribute.getAttrValues().getObjectAt(0)).getDate().toInstant());
                }
            }
            // every Date field, joined, as mimecms.cpp reads it (MimeHeaders_get with all_p)
            return new Parsed(content, signature, firstAddress(message, "From").or(() -> firstAddress(message, "Sender")),
                Optional.ofNullable(message.getHeader("Date", ", ")).map(value -> MimeUtility.unfold(value).trim()),
                addresses, signingTime);
        }

        /** The header rules of mimecms.cpp, once NSS said the signature is good; null when they pass. */
        String headerProblem(Map<String, Long> nsprDates) {
            if (certificateAddresses.isEmpty()) {
                return "VERIFY_CERT_WITHOUT_ADDRESS: the signer certificate names no e-mail address";
            }
            String sender = from.map(address -> address.toLowerCase(Locale.ROOT)).orElse("");
            if (!certificateAddresses.contains(sender)) {
                return "VERIFY_HEADER_MISMATCH: the From address '" + from.orElse("") + "' is not among the certificate's "
                    + certificateAddresses;
            }
            if (signingTime.isEmpty()) {
                return null;
            }
            Long parsed = date.map(nsprDates::get).orElse(null);
            if (parsed == null) {
                return "VERIFY_TIME_MISMATCH (1041): the signature has a signing time (" + signingTime.get() + ") and the Date "
                    + date.map(value -> "'" + value + "' does not parse with PR_ParseTimeString").orElse("is missing");
            }
            long distance = Math.abs(parsed - signingTime.get().getEpochSecond());
            if (distance > MAX_SECONDS) {
                return "VERIFY_TIME_MISMATCH (1041): the Date '" + date.get() + "' is " + distance + " s from the signing time "
                    + signingTime.get() + " (Thunderbird allows " + MAX_SECONDS + " s)";
            }
            return null;
        }
    }

    /** The e-mail addresses NSS finds in a certificate: the SAN rfc822Names and the subject's emailAddress, lower case. */
    private static List<String> addresses(X509CertificateHolder certificate) {
        List<String> addresses = new ArrayList<>();
        for (RDN rdn : certificate.getSubject().getRDNs()) {
            for (AttributeTypeAndValue value : rdn.getTypesAndValues()) {
                if (value.getType().equals(PKCSObjectIdentifiers.pkcs_9_at_emailAddress)) {
                    addresses.add(((ASN1String) value.getValue()).getString().toLowerCase(Locale.ROOT));
                }
            }
        }
        GeneralNames names = GeneralNames.fromExtensions(certificate.getExtensions(), Extension.subjectAlternativeName);
        if (names != null) {
            for (GeneralName name : names.getNames()) {
                if (name.getTagNo() == GeneralName.rfc822Name) {
                    ASN1Encodable value = name.getName();
                    addresses.add(((ASN1String) value).getString().toLowerCase(Locale.ROOT));
                }
            }
        }
        return addresses;
    }

    private static Optional<String> firstAddress(MimeMessage message, String header) {
        try {
            String value = message.getHeader(header, ",");
            if (value == null) {
                return Optional.empty();
            }
            InternetAddress[] addresses = InternetAddress.parseHeader(value, false);
            return addresses.length == 0 ? Optional.empty() : Optional.ofNullable(addresses[0].getAddress());
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** NSS's verdict on one message, or null when it is GoodSignature. */
    private static String cmsutil(Parsed message, Path database, Instant at) throws IOException, InterruptedException {
        if (!Files.isRegularFile(Path.of(THUNDERBIRD_NSS, "libsmime3.so"))) {
            throw new IOException("Thunderbird's NSS is not in " + THUNDERBIRD_NSS + " (bin/test installs Debian's thunderbird)");
        }
        List<String> command = List.of("env", "LD_LIBRARY_PATH=" + THUNDERBIRD_NSS, "faketime", FAKETIME.format(at.atZone(ZoneOffset.UTC)), "cmsutil", "-D",
            "-i", message.signature.toString(), "-c", message.content.toString(), "-d", "sql:" + database, "-n", "-h", "1", "-u", "4");
        Output output = run(command, null, false);
        if (output.stdout.contains("signer0.status=GoodSignature")) {
            return null;
        }
        return "NSS (cmsutil) does not call the signature good: " + (output.stdout + " " + output.stderr).replaceAll("\\s+", " ").trim();
    }

    /** NSPR's reading of every Date, by its text. */
    private static Map<String, Long> nsprDates(Collection<Parsed> messages) throws IOException, InterruptedException {
        List<String> values = new ArrayList<>();
        for (Parsed message : messages) {
            message.date.filter(value -> !value.contains("\n") && !values.contains(value)).ifPresent(values::add);
        }
        Map<String, Long> parsed = new HashMap<>();
        if (values.isEmpty()) {
            return parsed;
        }
        String output = run(List.of("/usr/bin/python3", "-c", NSPR_DATES), String.join("\n", values) + "\n", true).stdout;
        String[] lines = output.split("\n");
        if (lines.length != values.size()) {
            throw new IOException("NSPR's date parser gave " + lines.length + " answers for " + values.size() + " dates: " + output);
        }
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].trim().equals("FAIL")) {
                parsed.put(values.get(i), Long.parseLong(lines[i].trim()));
            }
        }
        return parsed;
    }

    /** The epoch second NSPR's {@code PR_ParseTimeString} reads from {@code date}, as Thunderbird parses it, or empty. */
    public static Optional<Long> nsprDate(String date) throws IOException, InterruptedException {
        String output = run(List.of("/usr/bin/python3", "-c", NSPR_DATES), date + "\n", true).stdout.trim();
        return output.equals("FAIL") ? Optional.empty() : Optional.of(Long.parseLong(output));
    }

    /** What a command wrote: standard output and standard error apart (a warning on stderr never mixes into answers). */
    private static final class Output {
        final String stdout;
        final String stderr;

        Output(String stdout, String stderr) {
            this.stdout = stdout;
            this.stderr = stderr;
        }
    }

    /**
     * Runs a command with TZ=UTC, its input and output through files, so that a command that hangs is stopped after 60 s
     * however much it wrote; a failed exit is an IOException when {@code checkExit}.
     */
    private static Output run(List<String> command, String input, boolean checkExit) throws IOException, InterruptedException {
        Path in = Files.createTempFile("thunderbird-rules", ".in");
        Path out = Files.createTempFile("thunderbird-rules", ".out");
        Path err = Files.createTempFile("thunderbird-rules", ".err");
        try {
            Files.write(in, input == null ? new byte[0] : input.getBytes(StandardCharsets.ISO_8859_1));
            ProcessBuilder builder = new ProcessBuilder(command).redirectInput(in.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile());
            builder.environment().put("TZ", "UTC");
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw new IOException(command.get(0) + " cannot be run (bin/test installs libnss3-tools, faketime and python3): "
                    + e.getMessage(), e);
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IOException(String.join(" ", command) + " did not finish within 60 s");
            }
            Output output = new Output(Files.readString(out, StandardCharsets.ISO_8859_1), Files.readString(err, StandardCharsets.ISO_8859_1));
            if (checkExit && process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ": " + output.stderr.trim());
            }
            return output;
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
