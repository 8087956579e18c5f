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
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import io.github.jamessmime.core.config.InvalidConfigurationException;
import io.github.jamessmime.core.store.StoreException;

@Command(name = "delete", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Removes the store file holding the certificate with this SHA-256 (see check or show)."
    + " Running James nodes drop it at their next directory check. Exit 1 when there is none.")
final class DeleteCommand implements Callable<Integer> {
    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--sha256", required = true, description = "the certificate's SHA-256 fingerprint")
    String sha256;

    @Override
    public Integer call() {
        try {
            String wanted = sha256.toLowerCase(Locale.ROOT);
            Optional<Path> deleted = storeOptions.open().delete(wanted);
            if (deleted.isPresent()) {
                System.out.println("deleted " + deleted.get());
                return 0;
            }
            System.err.println("delete: no certificate with SHA-256 " + wanted + " in " + storeOptions.directory());
            return 1;
        } catch (InvalidConfigurationException | StoreException e) {
            System.err.println("delete: " + e.getMessage());
            return ExitCodes.of(e.kind());
        }
    }
}
