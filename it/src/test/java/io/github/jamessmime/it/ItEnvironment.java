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
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.Set;

/** What the it/ pom passes to the tests, and small helpers shared by the harness classes. */
final class ItEnvironment {

    static final String LOOPBACK = "127.0.0.1";

    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private ItEnvironment() {
    }

    /** The runtime classpath of james-server-memory-app 3.8.1, written by maven-dependency-plugin. */
    static Path jamesClasspathFile() {
        return existing("james.classpath.file", "the James classpath file (run the build through Maven: mvn -pl it test)");
    }

    /** The drop-in jar built by dist/. */
    static Path extensionJar() {
        return existing("smime.extension.jar", "the drop-in jar (build it first: mvn -q package -DskipTests from the project root)");
    }

    /** james-conf/ of this repository. */
    static Path confDirectory() {
        return existing("james.conf.dir", "the James configuration directory");
    }

    /** A new, empty directory under target/james-it/ named after {@code name} and the current time. */
    static Path newRunDirectory(String name) {
        String base = System.getProperty("it.output.dir", "target/james-it");
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
        try {
            Path directory = Path.of(base).toAbsolutePath().normalize().resolve(name + "-" + stamp);
            Files.createDirectories(directory);
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A TCP port that is free on loopback now and was not handed out before in this JVM. */
    static synchronized int freePort() {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
                int port = socket.getLocalPort();
                if (HANDED_OUT.add(port)) {
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("No free port on " + LOOPBACK, e);
            }
        }
        throw new IllegalStateException("No fresh free port on " + LOOPBACK + " after 50 attempts");
    }

    private static Path existing(String property, String what) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("System property " + property + " (" + what + ") is not set");
        }
        Path path = Path.of(value).toAbsolutePath().normalize();
        if (!Files.exists(path)) {
            throw new IllegalStateException("Missing " + what + ": " + path);
        }
        return path;
    }

    /** Closes each of {@code closeables} that is not null, all of them even when one fails (the first failure is thrown). */
    static void closeAll(AutoCloseable... closeables) throws Exception {
        Exception first = null;
        for (AutoCloseable closeable : closeables) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
