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

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The real recipient's client: Debian's Thunderbird ESR under Xvfb, with a fresh profile that trusts a root, opens
 * signed messages and tells its verdict ({@code tools/thunderbird/verdict.py}, through Marionette: the status
 * Thunderbird's S/MIME sink received, and the headline of the message security popup). Thunderbird judges with its own
 * clock: the messages must be signed with the real one.
 */
public final class ThunderbirdClient {
    /** The status of a signature Thunderbird calls good ({@code nsICMSMessageErrors::SUCCESS}). */
    public static final int SUCCESS = 0;
    public static final String SIGNED = "Message Is Signed";
    public static final String NOT_VALID = "Digital Signature Is Not Valid";

    private ThunderbirdClient() {
    }

    /** What Thunderbird shows of one message: its status number and the headline of its security popup. */
    public static final class Verdict {
        public final int status;
        public final String headline;

        Verdict(int status, String headline) {
            this.status = status;
            this.headline = headline;
        }

        public boolean validlySigned() {
            return status == SUCCESS && headline.equals(SIGNED);
        }

        @Override
        public String toString() {
            return status + " " + headline;
        }
    }

    /**
     * Thunderbird's verdict on each message, keyed as given (keys become file names: letters, digits, dots, dashes).
     *
     * @param screenshot when present: the key of a message and the PNG to write of it as Thunderbird shows it, its
     *                   S/MIME popup open
     * @throws IOException when the harness could not judge every message (its one-line reason included)
     */
    public static Map<String, Verdict> verdicts(Map<String, byte[]> messages, X509Certificate root, Optional<Map.Entry<String, Path>> screenshot)
        throws IOException, InterruptedException {
        Path harness = harness();
        Path dir = Files.createTempDirectory("thunderbird-client");
        try {
            List<String> command = new ArrayList<>(List.of("/usr/bin/python3", harness.toString(), "--root",
                TestPki.writePem(dir.resolve("root.pem"), root).toString()));
            if (screenshot.isPresent()) {
                Files.createDirectories(screenshot.get().getValue().toAbsolutePath().getParent());
                command.add("--screenshot");
                command.add(screenshot.get().getKey() + ".eml=" + screenshot.get().getValue().toAbsolutePath());
            }
            for (Map.Entry<String, byte[]> message : messages.entrySet()) {
                if (!message.getKey().matches("[A-Za-z0-9.-]+")) {
                    throw new IllegalArgumentException("a message key must be a plain file name: " + message.getKey());
                }
                command.add(Files.write(dir.resolve(message.getKey() + ".eml"), message.getValue()).toString());
            }
            Path out = dir.resolve("verdicts.txt");
            Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            // verdict.py keeps a total deadline of its own (300 s); this one only guards against a harness that hangs
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                throw new IOException("verdict.py did not finish within 10 minutes");
            }
            String output = Files.readString(out, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IOException("verdict.py exited " + process.exitValue()
                    + " (bin/test installs thunderbird, xvfb and libnss3-tools); its output: " + output);
            }
            Map<String, Verdict> verdicts = new LinkedHashMap<>();
            for (String line : output.split("\n")) {
                String[] fields = line.split("\t", -1);
                if (fields.length >= 3) {
                    String file = Path.of(fields[0]).getFileName().toString();
                    verdicts.put(file.substring(0, file.length() - ".eml".length()),
                        new Verdict(Integer.parseInt(fields[1].trim()), fields[2].trim()));
                }
            }
            System.out.println("Thunderbird's verdicts: " + verdicts);
            return verdicts;
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** {@code tools/thunderbird/verdict.py}, from a module directory (core/, it/) or the project's. */
    private static Path harness() throws IOException {
        for (Path candidate : List.of(Path.of("../tools/thunderbird/verdict.py"), Path.of("tools/thunderbird/verdict.py"))) {
            if (Files.isRegularFile(candidate)) {
                return candidate.toAbsolutePath().normalize();
            }
        }
        throw new IOException("tools/thunderbird/verdict.py not found from " + Path.of("").toAbsolutePath());
    }
}
