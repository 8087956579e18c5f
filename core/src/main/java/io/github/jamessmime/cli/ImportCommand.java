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
package io.github.jamessmime.cli;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import io.github.jamessmime.core.config.InvalidConfigurationException;
import io.github.jamessmime.core.config.PasswordFile;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.core.store.StoreException;

@Command(name = "import", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Checks a PKCS#12 (store rules and the S/MIME certificate profile) and writes it into the"
    + " store as <address>.p12, re-encrypted under the store password (AES-256, PBKDF2), atomically. Exit 1 with the reason"
    + " when it is refused.")
final class ImportCommand implements Callable<Integer> {
    @Mixin
    StoreOptions storeOptions;


    @Option(names = "--p12", required = true, paramLabel = "FILE", description = "the PKCS#12 to import")
    Path p12;

    @Option(names = "--p12-password-file", required = true, paramLabel = "FILE", description = "file holding its password")
    Path p12PasswordFile;


    @Override
    public Integer call() {
        try {
            char[] p12Password = PasswordFile.firstLine(p12PasswordFile, "--p12-password-file");
            Instant now = Instant.now();
            for (Map.Entry<Path, SigningIdentity> written
                : storeOptions.importer().importAll(storeOptions.directory(), storeOptions.password(), p12, p12Password, now).entrySet()) {
                Instant notBefore = written.getValue().notBefore();
                System.out.println("imported " + p12 + " as " + written.getKey()
                    + (now.isBefore(notBefore) ? " (not yet valid until " + notBefore + ": James uses it from then)" : ""));
            }
            return 0;
        } catch (InvalidConfigurationException | StoreException e) {
            System.err.println("import: " + p12 + " refused: " + e.getMessage());
            return ExitCodes.of(e.kind());
        }
    }
}
