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

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.mail.MessagingException;

/**
 * tools/OutboxSink.java, the outbox of bin/run, in its own JVM: an SMTP sink on loopback that does not announce
 * 8BITMIME and writes one .eml per message.
 */
final class OutboxSinkProcess implements AutoCloseable {
    private final Process process;
    private final Path directory;
    private final int port;

    private OutboxSinkProcess(Process process, Path directory, int port) {
        this.process = process;
        this.directory = directory;
        this.port = port;
    }

    static OutboxSinkProcess start(Path directory) throws IOException {
        Path source = ItEnvironment.confDirectory().getParent().resolve("tools/OutboxSink.java");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            source.toString(), "0", directory.toString())
            .redirectErrorStream(true)
            .start();
        BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String first = output.readLine();
        if (first == null || !first.startsWith("outbox listening on 127.0.0.1:")) {
            process.destroyForcibly();
            throw new IllegalStateException("OutboxSink did not start: " + first);
        }
        int port = Integer.parseInt(first.substring("outbox listening on 127.0.0.1:".length()).split(",")[0]);
        Thread drain = new Thread(() -> output.lines().forEach(line -> { }), "outbox-output");
        drain.setDaemon(true);
        drain.start();
        return new OutboxSinkProcess(process, directory, port);
    }

    String host() {
        return ItEnvironment.LOOPBACK;
    }

    int port() {
        return port;
    }

    /** Waits until {@code count} messages with this Message-ID arrived; gives their bytes in arrival order. */
    List<byte[]> awaitCopies(String messageId, int count, Duration timeout) throws MessagingException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            List<byte[]> copies = new ArrayList<>();
            for (Path file : files()) {
                byte[] raw = read(file);
                if (messageId.equals(SmtpSink.ReceivedMail.parse(raw).getMessageID())) {
                    copies.add(raw);
                }
            }
            if (copies.size() > count) {
                throw new AssertionError("The outbox has " + copies.size() + " copies of " + messageId + ", expected " + count);
            }
            if (copies.size() == count) {
                return copies;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("The outbox has " + copies.size() + " of " + count + " copies of " + messageId
                    + " after " + timeout.toSeconds() + " s");
            }
            JamesServerProcess.sleep(Duration.ofMillis(100));
        }
    }

    private List<Path> files() {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".eml") && !file.getFileName().toString().startsWith("."))
                .sorted()
                .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
