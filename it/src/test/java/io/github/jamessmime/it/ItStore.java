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
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;

import io.github.jamessmime.testing.TestPki;

/**
 * A certificate store set up as an operator does: {@code DIR/store/} with one PKCS#12 per sender under the store
 * password, the password file written with a line end ({@code echo secret > file}), and the root as trust anchor.
 */
final class ItStore {
    static final String PASSWORD = "store-secret";

    private final TestPki pki;
    private final Path directory;
    private final Path passwordFile;
    private final Path rootPem;

    private ItStore(TestPki pki, Path directory, Path passwordFile, Path rootPem) {
        this.pki = pki;
        this.directory = directory;
        this.passwordFile = passwordFile;
        this.rootPem = rootPem;
    }

    /** A fresh demo PKI valid now, and an empty store in {@code under/store}. */
    static ItStore create(Path under) throws IOException {
        TestPki pki = TestPki.create(Instant.now());
        Path directory = Files.createDirectories(under.resolve("store"));
        Path passwordFile = Files.writeString(under.resolve("store.password"), PASSWORD + "\n");
        return new ItStore(pki, directory, passwordFile, pki.writeRootPem(under.resolve("root.pem")));
    }

    /** Issues {@code sender} and writes it to the store as {@code fileName}; the certificate issued. */
    X509Certificate add(String fileName, TestPki.SenderBuilder sender) throws IOException {
        TestPki.Issued issued = sender.issue();
        write(directory.resolve(fileName), issued);
        return issued.certificate();
    }

    /** Writes {@code issued} as a PKCS#12 under the store password to {@code file} (in the store or elsewhere). */
    Path write(Path file, TestPki.Issued issued) throws IOException {
        return issued.writePkcs12(file, PASSWORD.toCharArray());
    }

    TestPki pki() {
        return pki;
    }

    Path directory() {
        return directory;
    }

    Path passwordFile() {
        return passwordFile;
    }

    Path rootPem() {
        return rootPem;
    }
}
