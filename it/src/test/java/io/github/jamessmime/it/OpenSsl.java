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
package io.github.jamessmime.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.jamessmime.testing.ThunderbirdRules;

/**
 * The system's openssl, an implementation independent of the signer, to check signatures; with Thunderbird's rules
 * ({@link ThunderbirdRules}) applied to the same message.
 */
final class OpenSsl {

    private OpenSsl() {
    }

    /** The outcome of one openssl run. */
    static final class Result {
        final List<String> command;
        final int exitCode;
        final String diagnostics;
        final byte[] output;
        final Path signerCertificates;
        /** What Thunderbird's rules say of the same message (NSS, From, Date and signing time). */
        final ThunderbirdRules.Verdict thunderbird;

        Result(List<String> command, int exitCode, String diagnostics, byte[] output, Path signerCertificates,
               ThunderbirdRules.Verdict thunderbird) {
            this.command = command;
            this.exitCode = exitCode;
            this.diagnostics = diagnostics;
            this.output = output;
            this.signerCertificates = signerCertificates;
            this.thunderbird = thunderbird;
        }

        /** openssl verified the message and Thunderbird's rules pass: a recipient's client shows it as validly signed. */
        boolean ok() {
            return exitCode == 0 && thunderbird.ok();
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " -> exit " + exitCode + "\n" + diagnostics + "\n" + thunderbird;
        }
    }

    /**
     * {@code openssl cms -verify -inform SMIME -purpose smimesign -CAfile root}: verifies a multipart/signed message
     * (RFC 8551) and the chain from the signer up to {@code rootPem}, using the certificates in the signature. The
     * output is the signed MIME entity; the signer's certificate is written to {@link Result#signerCertificates}.
     *
     * <p>Not {@code -binary}: with {@code -inform SMIME}, openssl 3.0 then writes the first part with bare LF line
     * ends (unless {@code -crlfeol} is added), so a correct signature over the canonical CRLF form fails. Without it,
     * openssl verifies the canonical (CRLF) form of the first part, which is what RFC 8551 signs; compare the output
     * with the part on the wire to be sure nothing else was verified.
     */
    static Result cmsVerify(Path message, Path rootPem) throws IOException, InterruptedException {
        Path workDirectory = message.toAbsolutePath().getParent();
        Path out = workDirectory.resolve(message.getFileName() + ".verified");
        Path signer = workDirectory.resolve(message.getFileName() + ".signer.pem");
        Result openssl = run(workDirectory, out, signer, "openssl", "cms", "-verify", "-inform", "SMIME", "-purpose", "smimesign",
            "-CAfile", rootPem.toString(), "-in", message.toString(), "-out", out.toString(), "-signer", signer.toString());
        X509Certificate root;
        try (InputStream in = Files.newInputStream(rootPem)) {
            root = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (CertificateException e) {
            throw new IOException(rootPem + " is not a certificate: " + e.getMessage(), e);
        }
        ThunderbirdRules.Verdict thunderbird = ThunderbirdRules.check(Files.readAllBytes(message), root, Instant.now());
        return new Result(openssl.command, openssl.exitCode, openssl.diagnostics, openssl.output, openssl.signerCertificates, thunderbird);
    }

    private static Result run(Path workDirectory, Path outputFile, Path signerFile, String... command) throws IOException, InterruptedException {
        List<String> commandLine = new ArrayList<>(Arrays.asList(command));
        Path diagnostics = outputFile.resolveSibling(outputFile.getFileName() + ".openssl.log");
        Process process = new ProcessBuilder(commandLine)
            .directory(workDirectory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(diagnostics.toFile())
            .start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("openssl did not finish within 60 s: " + String.join(" ", commandLine));
        }
        byte[] output = Files.exists(outputFile) ? Files.readAllBytes(outputFile) : new byte[0];
        return new Result(commandLine, process.exitValue(), Files.readString(diagnostics, StandardCharsets.UTF_8), output, signerFile, null);
    }
}
