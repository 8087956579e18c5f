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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import io.github.jamessmime.core.config.InvalidConfigurationException;
import io.github.jamessmime.core.files.AtomicFiles;
import io.github.jamessmime.core.lifecycle.CertificateRequests;
import io.github.jamessmime.core.store.KeyType;
import io.github.jamessmime.core.store.StoreException;
import io.github.jamessmime.core.store.StoreFileNames;

@Command(name = "request", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Makes a key for each"
    + " sender address where it will sign (in the PKCS#11 token when one is configured, else in the store as a pending key,"
    + " under the store password; it never signs until its certificate is installed) and prints its certificate signing"
    + " request (PKCS#10, PEM) for the CA. With --renew, for every sender whose certificate expires within"
    + " health.expiryWarningDays and has no pending request. Then install the CA's certificate with install.")
final class RequestCommand implements Callable<Integer> {
    @Mixin
    StoreOptions storeOptions;

    @Parameters(paramLabel = "ADDRESS", arity = "0..*", description = "the sender addresses to request certificates for")
    List<String> addresses = new ArrayList<>();

    @Option(names = "--key-type", paramLabel = "TYPE", description = "rsa-2048 (default: what every client and CA takes), rsa-3072,"
        + " rsa-4096, ec-p256 or ec-p384")
    String keyType;

    @Option(names = "--replace", description = "discard an address's pending key and make a new one")
    boolean replace;

    @Option(names = "--renew", description = "request for every sender expiring within health.expiryWarningDays without a pending request")
    boolean renew;

    @Option(names = "--out", paramLabel = "DIR", description = "write each request to DIR/ADDRESS.csr.pem, named as the store names its key (needed for several)")
    Path out;

    @Override
    public Integer call() {
        try {
            KeyType type = keyType == null ? KeyType.DEFAULT : KeyType.parse(keyType);
            if (renew == !addresses.isEmpty()) {
                System.err.println("request: give the sender addresses, or --renew");
                return ExitCodes.CONFIGURATION;
            }
            if (out == null && (renew || addresses.size() > 1)) {
                System.err.println("request: give --out DIR to write several requests (one file per address)");
                return ExitCodes.CONFIGURATION;
            }
            CertificateRequests requests = new CertificateRequests(storeOptions.open(), Clock.systemUTC());
            List<CertificateRequests.Request> made = new ArrayList<>();
            if (renew) {
                made.addAll(requests.renew(storeOptions.parts().settings().expiryWarning(), type));
                if (made.isEmpty()) {
                    System.err.println("request: no sender expires within " + storeOptions.parts().settings().expiryWarning().toDays()
                        + " days without a pending request; nothing requested");
                }
            } else {
                for (String address : addresses) {
                    made.add(requests.request(address, type, replace));
                }
            }
            for (CertificateRequests.Request request : made) {
                String where = request.pending().keyType() + " key in " + request.pending().source();
                if (out == null) {
                    System.out.print(request.pem());
                    System.err.println("request: made a " + where + " for " + request.pending().address()
                        + "; send the request above to the CA, then install its certificate");
                } else {
                    Path file = out.resolve(StoreFileNames.stem(request.pending().address()) + ".csr.pem");
                    Files.createDirectories(out);
                    AtomicFiles.write(file, stream -> stream.write(request.pem().getBytes(StandardCharsets.US_ASCII)));
                    System.out.println(request.pending().address() + ": made a " + where + "; request written to " + file);
                }
            }
            return ExitCodes.OK;
        } catch (InvalidConfigurationException | StoreException e) {
            System.err.println("request: " + e.getMessage());
            return ExitCodes.of(e.kind());
        } catch (IllegalArgumentException e) {
            System.err.println("request: --key-type: " + e.getMessage());
            return ExitCodes.CONFIGURATION;
        } catch (IOException e) {
            System.err.println("request: the key is made, but its request cannot be written to " + out + " (" + e.getMessage()
                + "); print it again with requests --csr ADDRESS");
            return ExitCodes.FAILED;
        }
    }
}
