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

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import io.github.jamessmime.core.config.InvalidConfigurationException;
import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.Refusal;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.core.store.StoreException;

@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Reads every file of the store (and every key entry of the"
    + " PKCS#11 token, with --pkcs11-library) as James would and prints one line per file or entry: addresses, issuer, validity and ok, or the reason it is refused; then where the key operations run (signing.provider=auto)."
    + " Exit 0 when every file is usable, 1 otherwise.")
final class CheckCommand implements Callable<Integer> {
    @Mixin
    StoreOptions storeOptions;

    /** {@code file: addresses issuer="..." valid FROM to UNTIL sha256=...}. */
    static String describe(String source, SigningIdentity identity) {
        return source + ": " + String.join(",", identity.addresses())
            + " issuer=\"" + identity.issuer() + "\""
            + " valid " + identity.notBefore() + " to " + identity.notAfter()
            + " sha256=" + identity.fingerprint();
    }

    /** {@code file: addresses refused (kind): reason}; the addresses when the certificate could be read that far. */
    static String refused(String source, List<String> addresses, Optional<String> code, String reason) {
        return source + ": " + (addresses.isEmpty() ? "" : String.join(",", addresses) + " ") + "refused"
            + code.map(c -> " (" + c + ")").orElse("") + ": " + reason;
    }

    @Override
    public Integer call() {
        PrintStream out = System.out;
        try {
            CertificateStore store = storeOptions.open();
            boolean allUsable = true;
            Optional<String> passwordProblem = store.passwordProblem();
            if (passwordProblem.isPresent()) {
                // one line for the store, not one "wrong password" per file
                allUsable = false;
                out.println(store.directory() + ": " + passwordProblem.get().replace("the next store check", "James's next store check"));
            }
            for (CertificateStore.FileReport report : store.reports()) {
                if (!report.usable()) {
                    allUsable = false;
                    Refusal refusal = report.refusedAs().orElseThrow();
                    if (passwordProblem.isPresent() && refusal.kind() == FailureKind.WRONG_PASSWORD) {
                        continue;
                    }
                    out.println(refused(report.name(), refusal.addresses(), Optional.of(refusal.code()), refusal.reason()));
                    continue;
                }
                for (SigningIdentity identity : report.identities()) {
                    out.println(describe(report.name(), identity) + " ok");
                }
            }
            if (store.tokenProblem().isPresent()) {
                allUsable = false;
                out.println(store.tokenProblem().get());
            }
            if (store.reports().isEmpty()) {
                out.println(store.directory() + ": no .p12 or .pfx files");
            }
            out.println("key operations: " + storeOptions.parts().provider().description());
            return allUsable ? 0 : 1;
        } catch (InvalidConfigurationException | StoreException e) {
            System.err.println("check: " + e.getMessage());
            return ExitCodes.of(e.kind());
        }
    }
}
