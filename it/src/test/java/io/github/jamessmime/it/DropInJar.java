package io.github.jamessmime.it;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The built drop-in jar run as an operator runs it: {@code java -jar JAR args...}. */
final class DropInJar {
    static final class Run {
        final int exitCode;
        final String output;

        Run(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }
    }

    private DropInJar() {
    }

    /** Runs the jar with {@code args} and gives its exit code and its output (stdout and stderr together). */
    static Run run(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(ItEnvironment.extensionJar().toString());
        Collections.addAll(command, args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("java -jar " + String.join(" ", args) + " did not finish within 60 s");
        }
        return new Run(process.exitValue(), output);
    }
}
