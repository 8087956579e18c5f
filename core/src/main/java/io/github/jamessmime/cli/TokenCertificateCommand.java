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
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.config.InvalidConfigurationException;
import io.github.jamessmime.core.store.CertificateRules;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.core.store.StoreException;
import io.github.jamessmime.core.store.TokenEnrolment;

@Command(name = "token-certificate", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Puts the"
    + " certificate the CA issued for a key made with token-keygen (and its intermediates) on the PKCS#11 token, once it passes"
    + " the store's rules with that key; running James nodes sign with it from their next store check. Exit 1 with the reason"
    + " when it is refused.")
final class TokenCertificateCommand implements Callable<Integer> {
    @Mixin
    TokenOptions tokenOptions;

    @Option(names = "--alias", required = true, paramLabel = "ALIAS", description = "the key's name on the token")
    String alias;

    @Option(names = "--certificate", required = true, paramLabel = "FILE",
        description = "the issued certificate and its intermediates (PEM or DER, one file)")
    Path certificate;

    @Option(names = {"--trust-anchors", "--trust-store"}, paramLabel = "PEM",
        description = "root certificates the chain must lead to, as store.trustAnchors in smime.properties (default: the JDK's)")
    Path trustAnchors;

    @Override
    public Integer call() {
        try {
            CertificateRules rules = trustAnchors == null ? CertificateRules.trustingJdk() : CertificateRules.trusting(trustAnchors);
            SigningIdentity identity = new TokenEnrolment(tokenOptions.required()).installCertificate(alias, read(certificate), rules, Instant.now());
            System.out.println(CheckCommand.describe(identity.source(), identity) + " put on the token");
            return 0;
        } catch (InvalidConfigurationException | StoreException e) {
            System.err.println("token-certificate: " + certificate + " refused: " + e.getMessage());
            return ExitCodes.of(e.kind());
        }
    }

    private static List<X509Certificate> read(Path file) throws StoreException {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate read : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certificates.add((X509Certificate) read);
            }
            if (certificates.isEmpty()) {
                throw new StoreException(FailureKind.BAD_INPUT, "holds no certificate; give the PEM or DER file the CA issued");
            }
            return certificates;
        } catch (IOException | GeneralSecurityException | ClassCastException e) {
            throw new StoreException(FailureKind.BAD_INPUT, "cannot be read as certificates (" + e.getMessage() + "); give the PEM or DER file the CA issued", e);
        }
    }
}
