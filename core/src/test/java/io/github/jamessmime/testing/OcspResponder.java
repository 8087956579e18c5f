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
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A real OCSP responder on loopback: {@code openssl ocsp -index ... -port ...}, answering from an OpenSSL CA index
 * that a test writes. openssl 3.0 reads the index once, so a new index restarts it on the same port. Its files, the
 * responder's private key included, are written at test time into a directory of the test.
 */
public final class OcspResponder implements AutoCloseable {
    private static final DateTimeFormatter INDEX_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Path directory;
    private final List<String> command;
    private final int port;
    private Process process;
    private int starts;

    private OcspResponder(Path directory, List<String> command, int port) {
        this.directory = directory;
        this.command = command;
        this.port = port;
    }

    /**
     * Starts a responder for the certificates {@code ca} issued, signing with {@code signer} / {@code signerKey} (the
     * CA itself, a responder it authorised, or, for a forgery, anyone), {@code nextUpdateMinutes} ahead (0: none),
     * with an empty index (every certificate unknown).
     */
    public static OcspResponder start(Path directory, X509Certificate ca, X509Certificate signer, PrivateKey signerKey,
                                      int nextUpdateMinutes) throws IOException, InterruptedException {
        Files.createDirectories(directory);
        Path caFile = TestPki.writePem(directory.resolve("ca.pem"), ca);
        Path signerFile = TestPki.writePem(directory.resolve("responder.pem"), signer);
        String label = "PRIVATE" + " KEY";
        Path keyFile = Files.writeString(directory.resolve("responder.key"), "-----BEGIN " + label + "-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(signerKey.getEncoded()) + "\n-----END " + label + "-----\n");
        Files.writeString(directory.resolve("index.txt.attr"), "unique_subject = no\n");
        int port = freePort();
        List<String> command = new ArrayList<>(List.of("openssl", "ocsp", "-index", directory.resolve("index.txt").toString(),
            "-port", Integer.toString(port), "-CA", caFile.toString(), "-rsigner", signerFile.toString(), "-rkey", keyFile.toString(),
            "-ignore_err"));
        if (nextUpdateMinutes > 0) {
            command.addAll(List.of("-nmin", Integer.toString(nextUpdateMinutes)));
        }
        OcspResponder responder = new OcspResponder(directory, command, port);
        responder.index(List.of());
        return responder;
    }

    /** Serves this index from now on (a certificate not in it is unknown): the responder restarts with it. */
    public void index(List<String> entries) throws IOException, InterruptedException {
        stop();
        Files.writeString(directory.resolve("index.txt"), entries.isEmpty() ? "" : String.join("\n", entries) + "\n",
            StandardCharsets.US_ASCII);
        Path log = directory.resolve("responder-" + (++starts) + ".log");
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        // its log line, not a test connection: openssl 3.0 hangs on a connection closed before a request line
        while (!Files.readString(log).contains("waiting for OCSP client connections")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                stop();
                throw new IOException("openssl ocsp did not start: " + Files.readString(log));
            }
            Thread.sleep(20);
        }
    }

    /** A free loopback port, for the responder or for a responder that is not there. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/";
    }

    /** One line of the index: the certificate is good, or revoked at {@code revokedAt} for keyCompromise. */
    public static String entry(X509Certificate certificate, Instant revokedAt) {
        String serial = certificate.getSerialNumber().toString(16).toUpperCase(Locale.ROOT);
        if (serial.length() % 2 == 1) {
            serial = "0" + serial;
        }
        String expiry = INDEX_TIME.format(certificate.getNotAfter().toInstant());
        String subject = "/CN=" + certificate.getSerialNumber();
        return revokedAt == null ? "V\t" + expiry + "\t\t" + serial + "\tunknown\t" + subject
            : "R\t" + expiry + "\t" + INDEX_TIME.format(revokedAt) + ",keyCompromise\t" + serial + "\tunknown\t" + subject;
    }

    private void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
