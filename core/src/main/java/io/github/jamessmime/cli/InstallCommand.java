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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import io.github.jamessmime.core.config.InvalidConfigurationException;
import io.github.jamessmime.core.lifecycle.CertificateRequests;
import io.github.jamessmime.core.store.CertificateInput;
import io.github.jamessmime.core.store.CertificateInstallation;
import io.github.jamessmime.core.store.StoreException;

@Command(name = "install", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Installs the certificate"
    + " a CA issued for a pending request (PEM or DER, optionally with its chain, or a PKCS#7 bundle): it is matched to its"
    + " pending key, judged by the store's rules, and written with the key as the sender's store file (in the token, when the"
    + " key is there); running James nodes use it from their next directory check, a certificate not yet valid from its"
    + " notBefore on. Exit 1, nothing written, when it is refused.")
final class InstallCommand implements Callable<Integer> {
    @Mixin
    StoreOptions storeOptions;

    @Parameters(paramLabel = "CERT", description = "the CA's certificate file")
    Path certificate;

    @Option(names = "--address", paramLabel = "ADDRESS", description = "the address whose pending request it answers (default: found by its key)")
    String address;

    @Override
    public Integer call() {
        try {
            if (Files.size(certificate) > CertificateInput.MAX_BYTES) {
                System.err.println("install: " + certificate + " refused: larger than any certificate chain");
                return ExitCodes.REFUSED;
            }
            CertificateInstallation.Installed installed = new CertificateRequests(storeOptions.open(), Clock.systemUTC())
                .install(Files.readAllBytes(certificate), Optional.ofNullable(address));
            System.out.println("installed " + certificate + " for " + installed.address() + " as " + installed.source()
                + " sha256=" + installed.identity().fingerprint()
                + (installed.staged() ? " (not yet valid: James uses it from " + installed.identity().notBefore() + ")" : ""));
            return ExitCodes.OK;
        } catch (InvalidConfigurationException | StoreException e) {
            System.err.println("install: " + certificate + " refused: " + e.getMessage());
            return ExitCodes.of(e.kind());
        } catch (IOException e) {
            System.err.println("install: " + certificate + " cannot be read (" + e.getMessage() + ")");
            return ExitCodes.FAILED;
        }
    }
}
