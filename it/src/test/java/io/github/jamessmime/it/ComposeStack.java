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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One project of podman-compose: a copy of docker/docker-compose.yml in a directory of its own (with {@code ./secrets/}
 * beside it, as the shipped file expects), one service {@code james}, its container {@code PROJECT_james_1}, and the
 * host ports it publishes on 127.0.0.1. {@link #close()} removes everything the project made: containers, their
 * anonymous volumes (the base image declares five VOLUMEs; podman-compose 1.0.3's {@code down -v} leaves them), the
 * project's named volumes and its network.
 */
final class ComposeStack implements AutoCloseable {
    static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(3);
    static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    private final Podman podman;
    private final String project;
    private final Path directory;
    private final int smtpPort;
    private final int submissionPort;
    private final int webAdminPort;
    private final AdminTokens tokens;
    private final Set<String> anonymousVolumes = new LinkedHashSet<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ComposeStack(Podman podman, String project, Path directory, int smtpPort, int submissionPort, int webAdminPort, AdminTokens tokens) {
        this.podman = podman;
        this.project = project;
        this.directory = directory;
        this.smtpPort = smtpPort;
        this.submissionPort = submissionPort;
        this.webAdminPort = webAdminPort;
        this.tokens = tokens;
    }

    String project() {
        return project;
    }

    Path directory() {
        return directory;
    }

    Path composeFile() {
        return directory.resolve("docker-compose.yml");
    }

    /** The container podman-compose names for the service {@code james}. */
    String container() {
        return project + "_james_1";
    }

    int smtpPort() {
        return smtpPort;
    }

    int submissionPort() {
        return submissionPort;
    }

    int webAdminPort() {
        return webAdminPort;
    }

    /** WebAdmin on the published port, with the operator's token. */
    WebAdminClient webAdmin() {
        return new WebAdminClient(ItEnvironment.LOOPBACK, webAdminPort, Optional.of(tokens.adminToken()));
    }

    /** WebAdmin on the published port, without a token. */
    WebAdminClient webAdminWithoutToken() {
        return new WebAdminClient(ItEnvironment.LOOPBACK, webAdminPort, Optional.empty());
    }

    /** {@code podman-compose ARGS} for this project; fails with the output (and the container's log) unless it succeeds. */
    Podman.Result compose(String... arguments) {
        Podman.Result result = podman.compose(directory, project, COMMAND_TIMEOUT, arguments);
        if (!result.ok()) {
            throw new IllegalStateException(result + "\n" + logsForFailure());
        }
        recordAnonymousVolumes();
        return result;
    }

    /** {@code podman ARGS}; fails with the output (and the container's log) unless it succeeds. */
    Podman.Result podman(String... arguments) {
        Podman.Result result = podman.podman(COMMAND_TIMEOUT, arguments);
        if (!result.ok()) {
            throw new IllegalStateException(result + "\n" + logsForFailure());
        }
        return result;
    }

    /**
     * Waits until James in the container has started ("JAMES server started") and WebAdmin answers /healthcheck on the
     * published port; the first answer. Fails at once, with the log, when the container stops.
     */
    HttpResponse<String> awaitStarted() {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        String last = "no answer yet";
        while (Instant.now().isBefore(deadline)) {
            Podman.Result state = podman.podman(Duration.ofSeconds(30), "inspect", "--format", "{{.State.Status}}", container());
            if (state.ok() && !state.output.strip().equals("running") && !state.output.strip().equals("created")
                && !state.output.strip().equals("configured")) {
                throw new AssertionError("container " + container() + " is " + state.output.strip() + " instead of running\n" + logsForFailure());
            }
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + ItEnvironment.LOOPBACK + ":"
                    + webAdminPort + "/healthcheck")).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
                last = "HTTP " + response.statusCode() + " " + response.body();
                if (logs().contains("JAMES server started")) {
                    return response;
                }
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            JamesServerProcess.sleep(Duration.ofMillis(500));
        }
        throw new AssertionError("James in " + container() + " did not start within " + START_TIMEOUT.toSeconds() + " s (last /healthcheck: "
            + last + ")\n" + logsForFailure());
    }

    /** The whole log of the container (stdout and stderr), or why it cannot be read. */
    String logs() {
        Podman.Result result = podman.podman(Duration.ofSeconds(60), "logs", container());
        return result.ok() ? result.output : "(podman logs " + container() + " failed: " + result + ")";
    }

    /** The end of the log, for failure messages. */
    String logsForFailure() {
        String[] lines = logs().split("\n");
        int from = Math.max(0, lines.length - 150);
        StringBuilder tail = new StringBuilder("----- podman logs " + container() + " (last " + (lines.length - from) + " of "
            + lines.length + " lines) -----\n");
        for (int i = from; i < lines.length; i++) {
            tail.append(lines[i]).append('\n');
        }
        return tail.append("----- end of log -----").toString();
    }

    /** Remembers the anonymous volumes of the current container, so that {@link #close()} can remove them. */
    private void recordAnonymousVolumes() {
        Podman.Result mounts = podman.podman(Duration.ofSeconds(30), "inspect", "--format",
            "{{range .Mounts}}{{.Type}} {{.Name}}\n{{end}}", container());
        if (!mounts.ok()) {
            return;
        }
        for (String line : mounts.output.split("\n")) {
            String[] fields = line.strip().split(" ");
            if (fields.length == 2 && fields[0].equals("volume") && fields[1].matches("[0-9a-f]{64}")) {
                anonymousVolumes.add(fields[1]);
            }
        }
    }

    /** Writes {@code text} as this project's compose file. */
    void writeComposeFile(String text) throws IOException {
        Files.writeString(composeFile(), text, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        List<String> problems = new ArrayList<>();
        recordAnonymousVolumes();
        Podman.Result containers = podman.podman(Duration.ofSeconds(30), "ps", "-a", "-q", "--filter",
            "label=io.podman.compose.project=" + project);
        for (String id : containers.output.split("\\s+")) {
            if (!id.isBlank()) {
                check(podman.podman(Duration.ofMinutes(1), "rm", "-f", "-v", "-t", "2", id.strip()), problems);
            }
        }
        check(podman.compose(directory, project, COMMAND_TIMEOUT, "down", "-v"), problems);
        for (String volume : anonymousVolumes) {
            podman.podman(Duration.ofSeconds(30), "volume", "rm", "-f", volume);
        }
        Podman.Result volumes = podman.podman(Duration.ofSeconds(30), "volume", "ls", "-q", "--filter",
            "label=io.podman.compose.project=" + project);
        for (String name : volumes.output.split("\\s+")) {
            if (!name.isBlank()) {
                check(podman.podman(Duration.ofSeconds(30), "volume", "rm", "-f", name.strip()), problems);
            }
        }
        if (podman.podman(Duration.ofSeconds(30), "network", "exists", project + "_default").ok()) {
            check(podman.podman(Duration.ofSeconds(30), "network", "rm", "-f", project + "_default"), problems);
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("cleaning up " + project + ": " + String.join("\n", problems));
        }
    }

    private static void check(Podman.Result result, List<String> problems) {
        if (!result.ok()) {
            problems.add(result.toString());
        }
    }

    @Override
    public String toString() {
        return "compose project " + project + " (" + composeFile() + ", container " + container() + ")";
    }
}
