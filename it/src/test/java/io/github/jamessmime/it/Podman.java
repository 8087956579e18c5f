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

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Root podman and podman-compose as this machine kind needs them (docker/standin/README.md): every call with
 * {@code CONTAINERS_CONF=docker/standin/containers.conf} and {@code --runtime /usr/sbin/runc}, each bounded by a total
 * timeout (the process and its children are killed when it passes), its output (stdout and stderr) kept for failure
 * messages.
 */
final class Podman {
    static final String RUNC = "/usr/sbin/runc";
    private static final int OUTPUT_LIMIT = 20_000;

    private final Path repositoryRoot;
    private final Path containersConf;

    Podman(Path repositoryRoot) {
        this.repositoryRoot = repositoryRoot;
        this.containersConf = repositoryRoot.resolve("docker/standin/containers.conf");
    }

    Path repositoryRoot() {
        return repositoryRoot;
    }

    /** {@code podman --runtime /usr/sbin/runc ARGS}. */
    Result podman(Duration timeout, String... arguments) {
        List<String> command = new ArrayList<>(List.of("podman", "--runtime", RUNC));
        command.addAll(Arrays.asList(arguments));
        return run(repositoryRoot, timeout, command);
    }

    /**
     * {@code podman-compose -p PROJECT -f docker-compose.yml ARGS} in {@code directory} (where the compose file and its
     * {@code ./secrets/} are: podman-compose 1.0.3 hands relative paths to podman as they are written, so they are
     * relative to the working directory), every podman call it makes with {@code --runtime /usr/sbin/runc}.
     */
    Result compose(Path directory, String project, Duration timeout, String... arguments) {
        List<String> command = new ArrayList<>(List.of("podman-compose", "--podman-args=--runtime=" + RUNC, "-p", project,
            "-f", directory.resolve("docker-compose.yml").toString()));
        command.addAll(Arrays.asList(arguments));
        return run(directory, timeout, command);
    }

    /** Any command, with this class's CONTAINERS_CONF, in {@code directory}. */
    Result run(Path directory, Duration timeout, List<String> command) {
        return run(directory, timeout, command, Map.of());
    }

    Result run(Path directory, Duration timeout, List<String> command, Map<String, String> environment) {
        Path output = null;
        try {
            output = Files.createTempFile("podman-", ".out");
            ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().put("CONTAINERS_CONF", containersConf.toString());
            builder.environment().putAll(environment);
            long start = System.nanoTime();
            Process process = builder.start();
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            String text = Files.readString(output, StandardCharsets.UTF_8);
            return new Result(command, finished ? process.exitValue() : -1, text, took, !finished, timeout);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        } finally {
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // a temporary file
                }
            }
        }
    }

    /** The full path of {@code program} on PATH, if there is one. */
    static Optional<Path> onPath(String program) {
        for (String directory : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(directory, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The outcome of one command. */
    static final class Result {
        final List<String> command;
        final int exitCode;
        final String output;
        final Duration took;
        final boolean timedOut;
        private final Duration timeout;

        Result(List<String> command, int exitCode, String output, Duration took, boolean timedOut, Duration timeout) {
            this.command = List.copyOf(command);
            this.exitCode = exitCode;
            this.output = output;
            this.took = took;
            this.timedOut = timedOut;
            this.timeout = timeout;
        }

        boolean ok() {
            return exitCode == 0 && !timedOut;
        }

        /** This result when the command succeeded; otherwise an error naming the command, its exit and its output. */
        Result check() {
            if (!ok()) {
                throw new IllegalStateException(toString());
            }
            return this;
        }

        @Override
        public String toString() {
            String shown = output.length() > OUTPUT_LIMIT ? "…" + output.substring(output.length() - OUTPUT_LIMIT) : output;
            return String.join(" ", command) + " -> " + (timedOut ? "TIMED OUT after " + timeout.toSeconds() + " s" : "exit " + exitCode)
                + " in " + took.toMillis() + " ms\n" + shown.strip();
        }
    }
}
