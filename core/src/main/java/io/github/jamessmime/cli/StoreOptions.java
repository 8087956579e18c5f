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
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import io.github.jamessmime.core.config.InvalidConfigurationException;
import io.github.jamessmime.core.config.PasswordFile;
import io.github.jamessmime.core.net.AddressPolicy;
import io.github.jamessmime.core.store.CertificateImport;
import io.github.jamessmime.core.store.CertificateRules;
import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.OcspChecker;
import io.github.jamessmime.core.store.RevocationChecker;
import io.github.jamessmime.core.store.StoreException;

/**
 * The options every command that reads or writes the store takes: the store, its password, and the trust anchors
 * every certificate must chain to (the same rules James applies: give the same PEM as store.trustAnchors).
 */
final class StoreOptions {
    @Option(names = "--store", required = true, paramLabel = "DIR", description = "directory of the senders' PKCS#12 files")
    Path store;

    @Option(names = "--password-file", required = true, paramLabel = "FILE", description = "file holding the store password on its first line")
    Path passwordFile;

    @Option(names = {"--trust-anchors", "--trust-store"}, paramLabel = "PEM",
        description = "root certificates the chains must lead to, as store.trustAnchors in smime.properties (default: the JDK's)")
    Path trustAnchors;

    @Option(names = "--crl-directory", paramLabel = "DIR",
        description = "CRLs (.crl/.pem) to check the certificates against, as revocation.crlDirectory (default: none)")
    Path crlDirectory;

    @Option(names = "--no-fetch-crls", description = "do not fetch the CRLs of the certificates' distribution points"
        + " nor ask their OCSP responders (as revocation.fetchDistributionPoints=false and revocation.ocsp=false)")
    boolean noFetchCrls;

    @Option(names = "--revocation-allowed-hosts", paramLabel = "HOSTS", split = ",",
        description = "internal hosts (names, addresses or CIDRs) of your CA's revocation services that may be asked, as"
            + " revocation.allowedHosts (default: public addresses only)")
    List<String> revocationAllowedHosts = List.of();

    @Mixin
    TokenOptions tokenOptions;

    CertificateRules rules() throws StoreException {
        return trustAnchors == null ? CertificateRules.trustingJdk() : CertificateRules.trusting(trustAnchors);
    }

    CertificateImport importer() throws StoreException {
        return new CertificateImport(rules());
    }

    CertificateStore open() throws InvalidConfigurationException, StoreException {
        AddressPolicy addresses;
        try {
            addresses = AddressPolicy.allowing(revocationAllowedHosts);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("--revocation-allowed-hosts: " + e.getMessage());
        }
        // the same judgement as James's: rules and revocation (no index: the CLI reads every file in full)
        return CertificateStore.open(store, password(), Clock.systemUTC(), Optional.empty(),
            new RevocationChecker(Optional.ofNullable(crlDirectory), !noFetchCrls, Duration.ofSeconds(5), Clock.systemUTC(),
                new OcspChecker(noFetchCrls ? OcspChecker.Settings.OFF : OcspChecker.Settings.DEFAULT, Duration.ofHours(1),
                    Clock.systemUTC(), addresses), addresses),
            rules(), tokenOptions.token());
    }

    char[] password() throws InvalidConfigurationException {
        return PasswordFile.firstLine(passwordFile, "--password-file");
    }
}
