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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import io.github.jamessmime.core.config.InvalidConfigurationException;
import io.github.jamessmime.core.lifecycle.CertificateRequests;
import io.github.jamessmime.core.store.PendingKeys;
import io.github.jamessmime.core.store.StoreException;

@Command(name = "requests", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Lists the pending"
    + " requests (address, key type, age, where the key lies), prints one's request again (--csr), or discards one and its key"
    + " (--delete). Exit 1 when the address has none.")
final class RequestsCommand implements Callable<Integer> {
    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--csr", paramLabel = "ADDRESS", description = "print the pending request of ADDRESS again (PEM)")
    String csr;

    @Option(names = "--delete", paramLabel = "ADDRESS", description = "discard the pending request of ADDRESS and its key")
    String delete;

    @Override
    public Integer call() {
        try {
            CertificateRequests requests = new CertificateRequests(storeOptions.open(), Clock.systemUTC());
            if (csr != null) {
                Optional<CertificateRequests.Request> request = requests.pendingRequest(csr);
                if (request.isEmpty()) {
                    System.err.println("requests: no request is pending for " + csr);
                    return ExitCodes.REFUSED;
                }
                System.out.print(request.get().pem());
                return ExitCodes.OK;
            }
            if (delete != null) {
                if (!requests.delete(delete)) {
                    System.err.println("requests: no request is pending for " + delete);
                    return ExitCodes.REFUSED;
                }
                System.out.println("discarded the pending request of " + delete + " and its key");
                return ExitCodes.OK;
            }
            List<PendingKeys.Pending> pending = requests.pending();
            Instant now = Instant.now();
            for (PendingKeys.Pending key : pending) {
                System.out.println(key.address() + " " + key.keyType() + " since " + key.created() + " ("
                    + Duration.between(key.created(), now).toDays() + " days) in " + key.source());
            }
            if (pending.isEmpty()) {
                System.out.println("no request is pending");
            }
            return ExitCodes.OK;
        } catch (InvalidConfigurationException | StoreException e) {
            System.err.println("requests: " + e.getMessage());
            return ExitCodes.of(e.kind());
        }
    }
}
