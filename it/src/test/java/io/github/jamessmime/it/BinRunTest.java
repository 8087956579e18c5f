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

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * bin/run as an operator runs it, in a checkout of its own under target/ (its scripts, the built jar and James's
 * classpath; run/ there) on free ports: what it prints, and that what it prints works as printed.
 */
class BinRunTest {
    private static final Path ROOT = ItEnvironment.confDirectory().getParent();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(300);

    @Test
    void binRunShouldSayAtOnceWhyTheStoreIsUnhealthyAndAskTheHealthCheckOnce() throws Exception {
        Path checkout = checkout("wrong-password");
        assertThat(run(checkout, "bin/demo-pki", "run/pki").exitCode).isZero();
        Files.writeString(checkout.resolve("run/pki/store.password"), "not-the-store-password\n");

        try (BinRun binRun = BinRun.start(checkout)) {
            String output = binRun.awaitOutput("Ctrl-C stops James");
            // the cause is folded at 100 columns wherever its words fall
            assertThat(output.replaceAll("\\s+", " ")).contains("its S/MIME health check is UNHEALTHY")
                .contains("Cause: the store password (store.password.file")
                .contains("opens none of the 2 certificate files").contains("no restart needed")
                .contains("What to do: fix what the cause names. The files in run/pki/store and the password in run/pki/store.password")
                .doesNotContain("is running on loopback");
            Thread.sleep(3000);
            List<String> healthLines = Files.readAllLines(checkout.resolve("run/james.log")).stream()
                .filter(line -> line.contains("HealthCheckRoutes")).collect(Collectors.toList());
            assertThat(healthLines).as("James logs each unhealthy answer at ERROR; bin/run asks once").hasSize(1);
            assertThat(binRun.process.isAlive()).as("James stays up to be looked at").isTrue();
        }
    }

    @Test
    void binRunShouldPrintCommandsThatWorkAsPrinted() throws Exception {
        Path checkout = checkout("banner");

        try (BinRun binRun = BinRun.start(checkout)) {
            String output = binRun.awaitOutput("Ctrl-C stops James");
            assertThat(output).contains("James 3.8.1 with S/MIME sign-by-sender is running on loopback.\n");

            List<String> sender = commandsAfter(output, "Another demo sender:");
            assertThat(sender).hasSize(2);
            assertThat(run(checkout, "bash", "-c", sender.get(0)).exitCode).isZero();
            Run user = run(checkout, "bash", "-c", sender.get(1) + " -w '%{http_code}'");
            assertThat(user.output).as(sender.get(1)).isEqualTo("204");

            List<String> imported = commandsAfter(output, "Or import one over WebAdmin");
            assertThat(imported).hasSize(2);
            assertThat(run(checkout, "bash", "-c", imported.get(0)).exitCode).isZero();
            Run upload = run(checkout, "bash", "-c", imported.get(1));
            assertThat(upload.output).as(imported.get(1)).isEqualTo("{\"imported\":[\"shipping@shop.example.p12\"]}");

            List<String> check = commandsAfter(output, "The store from the command line");
            Run checked = run(checkout, "bash", "-c", check.get(0) + " 2>/dev/null");
            assertThat(checked.exitCode).as(checked.output).isZero();
            assertThat(checked.output).contains("orders@shop.example.p12: orders@shop.example", "shipping@shop.example.p12: shipping@shop.example");
        }
    }

    /** The indented commands of the banner's paragraph headed by {@code heading}, continuation lines joined. */
    private static List<String> commandsAfter(String output, String heading) {
        List<String> lines = output.lines().collect(Collectors.toList());
        int index = 0;
        while (!lines.get(index).startsWith(heading)) {
            index++;
        }
        List<String> commands = new ArrayList<>();
        StringBuilder command = new StringBuilder();
        for (index++; index < lines.size() && lines.get(index).startsWith("  "); index++) {
            String line = lines.get(index).strip();
            if (line.endsWith("\\")) {
                command.append(line, 0, line.length() - 1);
            } else {
                commands.add(command.append(line).toString());
                command.setLength(0);
            }
        }
        return commands;
    }

    /** A directory laid out like the project for bin/run: copies of its scripts, links to what it only reads. */
    private static Path checkout(String name) throws IOException {
        Path checkout = ItEnvironment.newRunDirectory(BinRunTest.class.getSimpleName() + "-" + name);
        Files.createDirectories(checkout.resolve("bin"));
        for (String script : List.of("run", "demo-pki", "webadmin-token")) {
            Files.copy(ROOT.resolve("bin").resolve(script), checkout.resolve("bin").resolve(script));
        }
        Files.createSymbolicLink(checkout.resolve("james-conf"), ItEnvironment.confDirectory());
        Files.createSymbolicLink(checkout.resolve("tools"), ROOT.resolve("tools"));
        Files.createDirectories(checkout.resolve("dist/target"));
        Path jar = ItEnvironment.extensionJar();
        Files.createSymbolicLink(checkout.resolve("dist/target").resolve(jar.getFileName()), jar);
        Files.createDirectories(checkout.resolve("it/target"));
        Files.copy(ItEnvironment.jamesClasspathFile(), checkout.resolve("it/target/james.classpath"));
        return checkout;
    }

    private static Run run(Path directory, String... command) throws Exception {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("%s did not end", List.of(command)).isTrue();
        return new Run(process.exitValue(), output.strip());
    }

    private static final class Run {
        final int exitCode;
        final String output;

        Run(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }
    }

    /** bin/run on free ports, its output collected; closing it stops it as Ctrl-C does (its trap stops James and the sink). */
    private static final class BinRun implements AutoCloseable {
        final Process process;
        private final StringBuffer output = new StringBuffer();

        private BinRun(Process process) {
            this.process = process;
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        output.append(line).append('\n');
                    }
                } catch (IOException e) {
                    output.append("(reading bin/run's output failed: ").append(e).append(")\n");
                }
            }, "bin-run-output");
            reader.setDaemon(true);
            reader.start();
        }

        static BinRun start(Path checkout) throws IOException {
            ProcessBuilder builder = new ProcessBuilder("bin/run").directory(checkout.toFile()).redirectErrorStream(true);
            Map<String, String> environment = builder.environment();
            environment.put("JAMES_SMTP_PORT", Integer.toString(ItEnvironment.freePort()));
            environment.put("JAMES_SUBMISSION_PORT", Integer.toString(ItEnvironment.freePort()));
            environment.put("JAMES_WEBADMIN_PORT", Integer.toString(ItEnvironment.freePort()));
            environment.put("JAMES_RELAY_GATEWAY_PORT", Integer.toString(ItEnvironment.freePort()));
            return new BinRun(builder.start());
        }

        String awaitOutput(String text) throws InterruptedException {
            Instant deadline = Instant.now().plus(START_TIMEOUT);
            while (Instant.now().isBefore(deadline)) {
                if (output.indexOf(text) >= 0) {
                    return output.toString();
                }
                if (!process.isAlive()) {
                    Thread.sleep(500);
                    throw new AssertionError("bin/run ended with exit " + process.exitValue() + " before printing '" + text + "':\n" + output);
                }
                Thread.sleep(200);
            }
            throw new AssertionError("bin/run did not print '" + text + "' within " + START_TIMEOUT.toSeconds() + " s:\n" + output);
        }

        @Override
        public void close() throws InterruptedException {
            List<ProcessHandle> children = process.descendants().collect(Collectors.toList());
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            for (ProcessHandle child : children) {
                child.onExit().completeOnTimeout(child, 20, TimeUnit.SECONDS).join();
                child.destroyForcibly();
            }
        }
    }
}
