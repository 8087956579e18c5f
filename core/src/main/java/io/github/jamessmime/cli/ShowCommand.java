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

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import io.github.jamessmime.core.address.Addresses;
import io.github.jamessmime.core.config.InvalidConfigurationException;
import io.github.jamessmime.core.lifecycle.CertificateAdministration;
import io.github.jamessmime.core.lifecycle.CertificateEntry;
import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.StoreException;

@Command(name = "show", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Prints the certificates of the store that name one address, with their state"
    + " (ok, or why they are refused). Exit 1 when there is none.")
final class ShowCommand implements Callable<Integer> {
    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--address", required = true, description = "the sender address")
    String address;

    @Override
    public Integer call() {
        try {
            String wanted = Addresses.normalize(address).orElse(address);
            CertificateStore store = storeOptions.open();
            List<String> lines = new ArrayList<>();
            for (CertificateEntry entry : new CertificateAdministration(store, Clock.systemUTC()).entries(Optional.of(wanted))) {
                if (entry.identity().isEmpty()) {
                    // refused before its certificate became an identity: found by the addresses it names
                    lines.add(CheckCommand.refused(entry.source(), entry.addresses(), entry.code(), entry.reason().orElse("")));
                    continue;
                }
                String line = CheckCommand.describe(entry.source(), entry.identity().get());
                lines.add(line + (entry.usable() ? (entry.inUse() ? " ok, in use" : " ok") : " refused: " + entry.reason().orElse("")));
            }
            lines.forEach(System.out::println);
            if (lines.isEmpty()) {
                System.err.println("show: no certificate for " + wanted + " in " + store.directory());
                return 1;
            }
            return 0;
        } catch (InvalidConfigurationException | StoreException e) {
            System.err.println("show: " + e.getMessage());
            return ExitCodes.of(e.kind());
        }
    }
}
