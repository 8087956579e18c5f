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
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AuthProvider;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * SoftHSM2 tokens for tests: a real PKCS#11 library (Debian's {@code softhsm2}, which bin/test installs). SoftHSM reads
 * its configuration from the file {@code SOFTHSM2_CONF} names (the build sets it for every test JVM) and lists a
 * process's tokens once, when the library is first loaded: so the tokens of a test JVM are all made together, at first
 * use, in a fresh token directory beside that file. Keys are put on a token at test time, with the certificates a
 * {@link TestPki} issued for them.
 */
public final class SoftHsm {
    public static final Path LIBRARY = Path.of("/usr/lib/softhsm/libsofthsm2.so");
    /** How many tokens each test JVM gets. */
    public static final int TOKENS = 3;
    private static SoftHsm shared;

    private final Path configuration;
    private final List<Token> tokens;

    private SoftHsm(Path configuration, List<Token> tokens) {
        this.configuration = configuration;
        this.tokens = tokens;
    }

    /** This JVM's tokens, made on first call. */
    public static synchronized SoftHsm shared() {
        if (shared == null) {
            shared = create();
        }
        return shared;
    }

    /** The file {@code SOFTHSM2_CONF} names: a James process started by a test needs it in its environment too. */
    public Path configuration() {
        return configuration;
    }

    public Token token(int index) {
        return tokens.get(index);
    }

    private static SoftHsm create() {
        String conf = System.getenv("SOFTHSM2_CONF");
        if (conf == null || !Files.isRegularFile(LIBRARY)) {
            throw new IllegalStateException("SoftHSM2 tests need " + LIBRARY + " (apt-get install softhsm2; bin/test installs it)"
                + " and SOFTHSM2_CONF set for the test JVM (the build sets it)");
        }
        try {
            Path configuration = Path.of(conf).toAbsolutePath();
            Path tokenDirectory = configuration.resolveSibling("tokens");
            deleteTree(tokenDirectory);
            Files.createDirectories(tokenDirectory);
            Files.writeString(configuration, "directories.tokendir = " + tokenDirectory + "\nobjectstore.backend = file\nlog.level = ERROR\n",
                StandardCharsets.US_ASCII);
            List<Token> tokens = new ArrayList<>();
            for (int i = 0; i < TOKENS; i++) {
                String label = "test" + i;
                String pin = "pin-" + i + "-" + Long.toHexString(System.nanoTime());
                tokens.add(new Token(label, initToken(configuration.getParent(), label, pin), pin));
            }
            return new SoftHsm(configuration, List.copyOf(tokens));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** As bin/run makes its token: tools/softhsm/init-token.py, the PINs in files (never on a command line). */
    private static long initToken(Path directory, String label, String pin) throws IOException {
        Path soPin = Files.writeString(directory.resolve(label + ".so-pin"), "so-" + pin + "\n", StandardCharsets.US_ASCII);
        Path userPin = Files.writeString(directory.resolve(label + ".pin"), pin + "\n", StandardCharsets.US_ASCII);
        Process process = new ProcessBuilder(initTokenScript().toString(), "/usr/lib/softhsm/libsofthsm2.so", label, soPin.toString(),
            userPin.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("tools/softhsm/init-token.py failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            Files.delete(soPin);
            Files.delete(userPin);
        }
        if (!output.matches("\\d+")) {
            throw new IllegalStateException("tools/softhsm/init-token.py did not print the token's slot: " + output);
        }
        return Long.parseLong(output);
    }

    /** {@code tools/softhsm/init-token.py}, from a module directory or the project's. */
    private static Path initTokenScript() throws IOException {
        for (Path candidate : List.of(Path.of("../tools/softhsm/init-token.py"), Path.of("tools/softhsm/init-token.py"))) {
            if (Files.isExecutable(candidate)) {
                return candidate.toAbsolutePath();
            }
        }
        throw new IOException("tools/softhsm/init-token.py not found from " + Path.of("").toAbsolutePath());
    }

    private static void deleteTree(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toArray(Path[]::new)) {
                Files.delete(path);
            }
        }
    }

    /** One token: its slot, its user PIN, and a provider of the test's own to fill it with. */
    public static final class Token {
        private final String label;
        private final long slot;
        private final String pin;
        private Provider provider;

        Token(String label, long slot, String pin) {
            this.label = label;
            this.slot = slot;
            this.pin = pin;
        }

        public String label() {
            return label;
        }

        public long slot() {
            return slot;
        }

        public String pin() {
            return pin;
        }

        /** Writes the PIN as {@code pkcs11.pin.file} reads it. */
        public Path writePin(Path file) throws IOException {
            return Files.writeString(file, pin + "\n", StandardCharsets.US_ASCII);
        }

        /** The smime.properties keys that name this token, its PIN in {@code pinFile}. */
        public Map<String, String> properties(String name, Path pinFile) {
            return Map.of("pkcs11.library", LIBRARY.toString(), "pkcs11.name", name, "pkcs11.slot", Long.toString(slot),
                "pkcs11.pin.file", pinFile.toString());
        }

        /** Puts a key and its certificates (sender's first) on the token under {@code alias}, as an operator's tool would. */
        public void put(String alias, PrivateKey key, List<X509Certificate> chain) {
            try {
                keyStore().setKeyEntry(alias, key, null, chain.toArray(new Certificate[0]));
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("cannot put " + alias + " on token " + label + ": " + e, e);
            }
        }

        public void remove(String alias) {
            try {
                keyStore().deleteEntry(alias);
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("cannot remove " + alias + " from token " + label + ": " + e, e);
            }
        }

        /**
         * Logs out of the token. A PKCS#11 login holds for the whole process (every session, every provider object of
         * the token): a test of a wrong PIN logs out first.
         */
        public void logout() {
            try {
                keyStore();
                ((AuthProvider) provider).logout();
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("cannot log out of token " + label + ": " + e, e);
            }
        }

        /** Removes every key and certificate, so that a test starts from an empty token. */
        public void clear() {
            try {
                KeyStore keyStore = keyStore();
                for (String alias : Collections.list(keyStore.aliases())) {
                    keyStore.deleteEntry(alias);
                }
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("cannot clear token " + label + ": " + e, e);
            }
        }

        private synchronized KeyStore keyStore() throws GeneralSecurityException, IOException {
            if (provider == null) {
                provider = Security.getProvider("SunPKCS11").configure("--name=test-" + label + "\nlibrary=" + LIBRARY + "\nslot=" + slot + "\n");
            }
            KeyStore keyStore = KeyStore.getInstance("PKCS11", provider);
            keyStore.load(null, pin.toCharArray());
            return keyStore;
        }
    }
}
