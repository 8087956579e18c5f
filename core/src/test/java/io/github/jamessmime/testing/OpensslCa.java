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
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A real CA for certificate requests: {@code openssl x509 -req} signs a PKCS#10 request with the intermediate CA of a
 * {@link TestPki}, as a commercial CA's issuing CA would, at a chosen time ({@code faketime}, so that a certificate can
 * start in the future or be expired already). The CA's key is written to a test directory for the test's life only.
 */
public final class OpensslCa {
    private static final DateTimeFormatter FAKETIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final TestPki pki;
    private final Path work;
    private final Path caCertificate;
    private final Path caKey;
    private int serial = 4096;

    public OpensslCa(TestPki pki, Path work) throws IOException {
        this.pki = pki;
        this.work = Files.createDirectories(work);
        this.caCertificate = TestPki.writePem(work.resolve("issuing-ca.pem"), pki.intermediate());
        // DER (PKCS#8), read by openssl with -CAkeyform DER
        this.caKey = Files.write(work.resolve("issuing-ca.key.der"), pki.intermediateKey().getEncoded());
    }

    /** What the CA puts into the certificate it issues. */
    public static final class Profile {
        String email;
        boolean ca;
        Instant notBefore;
        Duration validity = Duration.ofDays(365);

        /** An S/MIME sender certificate for the request's address, from {@code notBefore}. */
        public static Profile sender(String email, Instant notBefore) {
            Profile profile = new Profile();
            profile.email = email;
            profile.notBefore = notBefore;
            return profile;
        }

        public Profile validity(Duration validity) {
            this.validity = validity;
            return this;
        }

        /** A CA certificate (CA:TRUE) instead: what a sender's file must never hold. */
        public Profile ca() {
            this.ca = true;
            return this;
        }
    }

    /** Signs {@code csrPem} with the issuing CA as {@code profile} says; gives the certificate. */
    public X509Certificate sign(String csrPem, Profile profile) throws IOException, GeneralSecurityException {
        int number = ++serial;
        Path csr = Files.writeString(work.resolve("request-" + number + ".csr.pem"), csrPem);
        // a non-ASCII local part as an SmtpUTF8Mailbox (RFC 9598), as openssl's configuration writes one (FORMAT:UTF8: the value is
        // UTF-8 already; without it openssl takes the octets for ISO-8859-1 characters and writes mojibake, which the store refuses)
        String san = "[san]\n" + (profile.email.substring(0, profile.email.lastIndexOf('@')).chars().anyMatch(c -> c >= 0x80)
            ? "otherName.1=1.3.6.1.5.5.7.8.9;FORMAT:UTF8,UTF8:" + profile.email : "email.1=" + profile.email) + "\n";
        Path extensions = Files.writeString(work.resolve("request-" + number + ".ext"), (profile.ca
            ? "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,digitalSignature\nsubjectAltName=@san\n"
            : "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\n"
                + "subjectAltName=@san\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n") + san, StandardCharsets.UTF_8);
        Path certificate = work.resolve("issued-" + number + ".pem");
        List<String> command = new ArrayList<>(List.of("env", "TZ=UTC", "faketime", FAKETIME.format(profile.notBefore),
            "openssl", "x509", "-req", "-in", csr.toString(), "-CA", caCertificate.toString(), "-CAkey", caKey.toString(), "-CAkeyform", "DER",
            "-set_serial", String.valueOf(number), "-days", String.valueOf(Math.max(1, profile.validity.toDays())), "-sha256",
            "-extfile", extensions.toString(), "-out", certificate.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("openssl x509 -req failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(certificate)));
    }

    /** The certificate with the issuing CA after it, as CAs deliver them (PEM). */
    public byte[] chainPem(X509Certificate certificate) throws IOException {
        return Files.readAllBytes(TestPki.writePem(work.resolve("chain-" + certificate.getSerialNumber() + ".pem"), certificate,
            pki.intermediate()));
    }

    /** Whether openssl accepts {@code csrPem}'s self-signature ({@code openssl req -verify}). */
    public boolean verifies(String csrPem) throws IOException {
        Path csr = Files.writeString(work.resolve("verify-" + (++serial) + ".csr.pem"), csrPem);
        Process process = new ProcessBuilder("openssl", "req", "-in", csr.toString(), "-verify", "-noout").redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        try {
            return process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
