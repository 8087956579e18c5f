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
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Apache James 3.8.1 memory server in its own JVM, laid out like the Docker image:
 * <pre>
 *   working directory/
 *     conf/             -> symlink to james-conf/ (ports and gateway come from environment variables)
 *     extensions-jars/  the drop-in jar
 *     var/              mail repositories
 *     james.log         stdout and stderr of the server
 * </pre>
 * The working directory stays under target/james-it/ after the run for inspection.
 */
final class JamesServerProcess implements AutoCloseable {

    static final String STARTED_LOG_LINE = "JAMES server started";
    static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    private final Process process;
    private final Path workingDirectory;
    private final Path logFile;
    private final int smtpPort;
    private final int submissionPort;
    private final int webAdminPort;
    private final Thread shutdownHook;
    private final PublicKey dkimPublicKey;
    private final AdminTokens tokens;

    private JamesServerProcess(Process process, Path workingDirectory, Path logFile, int smtpPort, int submissionPort,
                               int webAdminPort, PublicKey dkimPublicKey, AdminTokens tokens) {
        this.dkimPublicKey = dkimPublicKey;
        this.tokens = tokens;
        this.process = process;
        this.workingDirectory = workingDirectory;
        this.logFile = logFile;
        this.smtpPort = smtpPort;
        this.submissionPort = submissionPort;
        this.webAdminPort = webAdminPort;
        this.shutdownHook = new Thread(this::stopProcess, "stop James " + process.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    static Builder builder(String name) {
        return new Builder(name);
    }

    static final class Builder {
        private final String name;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;
        private Path extensionJar;
        private Path workingDirectory;

        private Builder(String name) {
            this.name = name;
        }

        /** Where RemoteDelivery sends all outgoing mail (JAMES_RELAY_GATEWAY / JAMES_RELAY_GATEWAY_PORT). */
        Builder relayGateway(String host, int port) {
            return env("JAMES_RELAY_GATEWAY", host).env("JAMES_RELAY_GATEWAY_PORT", Integer.toString(port));
        }

        /** SMIME_STORE_DIRECTORY / SMIME_STORE_PASSWORD_FILE / SMIME_TRUST_ANCHORS of conf/smime.properties. */
        Builder smimeStore(Path directory, Path passwordFile, Path trustAnchors) {
            return env("SMIME_STORE_DIRECTORY", directory.toAbsolutePath().toString())
                .env("SMIME_STORE_PASSWORD_FILE", passwordFile.toAbsolutePath().toString())
                .env("SMIME_TRUST_ANCHORS", trustAnchors.toAbsolutePath().toString());
        }

        /** The store, its password file and trust anchors of {@code store}. */
        Builder smimeStore(ItStore store) {
            return smimeStore(store.directory(), store.passwordFile(), store.rootPem());
        }

        /** Any environment variable of the server process (the configuration reads ${env:NAME:-default}). */
        Builder env(String variable, String value) {
            environment.put(variable, value);
            return this;
        }

        /** One more option of the server's JVM (for example a system property). */
        Builder jvmOption(String option) {
            jvmOptions.add(option);
            return this;
        }

        /** Another jar than the one of the build, or null for none. */
        Builder extensionJar(Path jar) {
            this.extensionJar = jar;
            return this;
        }

        /** A new (or empty) directory for the server; by default target/james-it/{name}-{time}. */
        Builder workingDirectory(Path directory) {
            this.workingDirectory = directory;
            return this;
        }

        Builder startupTimeout(Duration timeout) {
            this.startupTimeout = timeout;
            return this;
        }

        /** Starts the server and waits until SMTP, submission and WebAdmin accept connections. */
        JamesServerProcess start() throws IOException {
            Path jar = extensionJar != null ? extensionJar : ItEnvironment.extensionJar();
            Path conf = ItEnvironment.confDirectory();
            String classpath = Files.readString(ItEnvironment.jamesClasspathFile(), StandardCharsets.UTF_8).trim();

            Path workingDirectory = this.workingDirectory != null
                ? Files.createDirectories(this.workingDirectory.toAbsolutePath().normalize())
                : ItEnvironment.newRunDirectory(name);
            Files.createSymbolicLink(workingDirectory.resolve("conf"), conf);
            Path extensions = Files.createDirectories(workingDirectory.resolve("extensions-jars"));
            Files.copy(jar, extensions.resolve(jar.getFileName()));
            Files.createDirectories(workingDirectory.resolve("var"));
            Path logFile = workingDirectory.resolve("james.log");

            int smtpPort = ItEnvironment.freePort();
            int submissionPort = ItEnvironment.freePort();
            int webAdminPort = ItEnvironment.freePort();

            // An argument file keeps the (long) classpath out of the command line and lets a human rerun it:
            //   cd <working directory> && java @james.args
            Path argFile = workingDirectory.resolve("james.args");
            List<String> jvmArguments = new ArrayList<>(List.of(
                "-Xmx512m",
                "-Dworking.directory=" + workingDirectory,
                "-Dlogback.configurationFile=" + workingDirectory.resolve("conf/logback.xml"),
                "-Dextra.props=" + workingDirectory.resolve("conf/jvm.properties"),
                "-Djdk.tls.ephemeralDHKeySize=2048"));
            jvmArguments.addAll(jvmOptions);
            jvmArguments.addAll(List.of("-cp", classpath, "org.apache.james.MemoryJamesServerMain"));
            Files.write(argFile, jvmArguments.stream().map(Builder::quote).collect(Collectors.toList()), StandardCharsets.UTF_8);

            ProcessBuilder builder = new ProcessBuilder(javaExecutable(), "@" + argFile)
                .directory(workingDirectory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
            Map<String, String> env = builder.environment();
            env.put("JAMES_SMTP_BIND", ItEnvironment.LOOPBACK);
            env.put("JAMES_SMTP_PORT", Integer.toString(smtpPort));
            env.put("JAMES_SUBMISSION_PORT", Integer.toString(submissionPort));
            env.put("JAMES_WEBADMIN_HOST", ItEnvironment.LOOPBACK);
            env.put("JAMES_WEBADMIN_PORT", Integer.toString(webAdminPort));
            KeyPair dkimKeys = null;
            if (!environment.containsKey("DKIM_PRIVATE_KEY")) {
                // DKIMSign (mailetcontainer.xml) needs a key to start: a fresh one per server.
                try {
                    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                    generator.initialize(2048);
                    dkimKeys = generator.generateKeyPair();
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException(e);
                }
                // PKCS#8 PEM of a key generated for this run (the label is split so no key-looking literal is committed)
                String label = "PRIVATE" + " KEY";
                env.put("DKIM_PRIVATE_KEY", "-----BEGIN " + label + "-----\n"
                    + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(dkimKeys.getPrivate().getEncoded())
                    + "\n-----END " + label + "-----\n");
            }
            // WebAdmin requires a JWT (webadmin.properties): a key pair per server, the public half given to James
            AdminTokens tokens = AdminTokens.generate();
            Path jwtKey = tokens.writePublicKey(workingDirectory.resolve("webadmin-jwt-public.pem"));
            env.put("JAMES_WEBADMIN_JWT_PUBLIC_KEY", "file://" + jwtKey.toAbsolutePath());
            env.putAll(environment);
            writeEnvironmentFile(workingDirectory.resolve("james.env"), env, environment);

            Process process = builder.start();
            JamesServerProcess james = new JamesServerProcess(process, workingDirectory, logFile, smtpPort, submissionPort, webAdminPort,
                dkimKeys == null ? null : dkimKeys.getPublic(), tokens);
            try {
                james.awaitStarted(startupTimeout);
            } catch (RuntimeException | Error e) {
                james.close();
                throw e;
            }
            return james;
        }

        private static void writeEnvironmentFile(Path file, Map<String, String> env, Map<String, String> extra) throws IOException {
            List<String> lines = new ArrayList<>();
            for (String key : env.keySet()) {
                if (key.startsWith("JAMES_") || key.startsWith("SMIME_") || extra.containsKey(key)) {
                    lines.add(key + "=" + env.get(key));
                }
            }
            Files.write(file, lines, StandardCharsets.UTF_8);
        }

        private static String quote(String argument) {
            return "\"" + argument.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }

        private static String javaExecutable() {
            return Path.of(System.getProperty("java.home"), "bin", "java").toString();
        }
    }

    int smtpPort() {
        return smtpPort;
    }

    /** The public half of the DKIM key the server signs with (selector demo, d=shop.example by default). */
    PublicKey dkimPublicKey() {
        return dkimPublicKey;
    }

    int submissionPort() {
        return submissionPort;
    }

    int webAdminPort() {
        return webAdminPort;
    }

    Path workingDirectory() {
        return workingDirectory;
    }

    Path logFile() {
        return logFile;
    }

    /** WebAdmin as the administrator (a valid JWT on every request). */
    WebAdminClient webAdmin() {
        return new WebAdminClient(ItEnvironment.LOOPBACK, webAdminPort, Optional.of(tokens.adminToken()));
    }

    /** WebAdmin as anybody else: no token, or the one given. */
    WebAdminClient webAdminWithToken(Optional<String> token) {
        return new WebAdminClient(ItEnvironment.LOOPBACK, webAdminPort, token);
    }

    AdminTokens tokens() {
        return tokens;
    }

    /** The value of one gauge of WebAdmin's {@code /metrics} (Prometheus text, readable without a token). */
    double gauge(String name) {
        HttpResponse<byte[]> response = webAdminWithToken(Optional.empty()).get("/metrics");
        if (response.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + response.statusCode());
        }
        return new String(response.body(), StandardCharsets.UTF_8).lines()
            .filter(line -> line.startsWith(name + " "))
            .mapToDouble(line -> Double.parseDouble(line.substring(line.indexOf(' ') + 1)))
            .findFirst().orElseThrow(() -> new AssertionError("no " + name + " gauge in /metrics"));
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The whole log so far. */
    String log() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** CPU time the server process has used so far (user and system, all its threads). */
    long cpuNanos() {
        return process.info().totalCpuDuration().map(Duration::toNanos)
            .orElseThrow(() -> new IllegalStateException("the CPU time of " + this + " cannot be read"));
    }

    /** What the extension logged at start about its key operations ("S/MIME key operations: ..."), or "unknown". */
    String signingDescription() {
        String marker = "S/MIME key operations: ";
        String log = log();
        int at = log.indexOf(marker);
        if (at < 0) {
            return "key operations unknown";
        }
        int end = log.indexOf('\n', at);
        return "key operations: " + log.substring(at + marker.length(), end < 0 ? log.length() : end).trim();
    }

    /** The last {@code lines} lines of the log, framed for printing. */
    String logTail(int lines) {
        Deque<String> tail = new ArrayDeque<>();
        try (Stream<String> all = Files.exists(logFile) ? Files.lines(logFile, StandardCharsets.UTF_8) : Stream.empty()) {
            all.forEach(line -> {
                tail.addLast(line);
                if (tail.size() > lines) {
                    tail.removeFirst();
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
        return "----- last " + tail.size() + " lines of " + logFile + " -----\n"
            + String.join("\n", tail) + "\n----- end of James log -----";
    }

    private void awaitStarted(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("James exited with code " + process.exitValue() + " during start-up\n" + logTail(80));
            }
            if (log().contains(STARTED_LOG_LINE)
                && accepts(smtpPort) && accepts(submissionPort) && accepts(webAdminPort)) {
                return;
            }
            sleep(Duration.ofMillis(200));
        }
        throw new IllegalStateException("James did not start within " + timeout.toSeconds() + " s (waiting for '" + STARTED_LOG_LINE
            + "' and ports smtp=" + smtpPort + " submission=" + submissionPort + " webadmin=" + webAdminPort + ")\n" + logTail(80));
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(ItEnvironment.LOOPBACK, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    private void stopProcess() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the server (SIGTERM, then SIGKILL after 20 s). */
    @Override
    public void close() {
        stopProcess();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs anyway
        }
    }

    @Override
    public String toString() {
        return "James[pid=" + process.pid() + ", smtp=" + smtpPort + ", submission=" + submissionPort + ", webadmin=" + webAdminPort
            + ", dir=" + workingDirectory + "]";
    }
}
