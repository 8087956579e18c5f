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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import io.github.jamessmime.core.assembly.SmimeParts;
import io.github.jamessmime.core.config.InvalidConfigurationException;
import io.github.jamessmime.core.config.PropertiesFile;
import io.github.jamessmime.core.config.Setting;
import io.github.jamessmime.core.config.SettingKeys;
import io.github.jamessmime.core.config.SmimeConfiguration;
import io.github.jamessmime.core.store.CertificateImport;
import io.github.jamessmime.core.store.CertificateRules;
import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.StoreException;

/**
 * The options every command that reads or writes the store takes: James's own {@code smime.properties} ({@code
 * --config}), so that the command judges the store exactly as James does, and flags that stand for single keys of it
 * (they win over the file, or stand alone without one). The settings become running parts in the same factory James
 * uses ({@link SmimeParts}).
 */
final class StoreOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "James's smime.properties: every setting as James reads it"
        + " (${env:NAME:-default} from this environment, relative paths from the file's directory); the flags below override its keys")
    Path config;

    @Option(names = "--store", paramLabel = "DIR", description = "directory of the senders' PKCS#12 files, as store.directory")
    Path store;

    @Option(names = "--password-file", paramLabel = "FILE", description = "file holding the store password on its first line,"
        + " as store.password.file")
    Path passwordFile;

    @Option(names = "--trust-anchors", paramLabel = "PEM",
        description = "root certificates the chains must lead to, as store.trustAnchors (default: the JDK's)")
    Path trustAnchors;

    @Option(names = "--crl-directory", paramLabel = "DIR",
        description = "CRLs (.crl/.pem) to check the certificates against, as revocation.crlDirectory (default: none)")
    Path crlDirectory;

    @Option(names = "--no-fetch-crls", description = "ask no revocation service on the network: neither the CRL distribution"
        + " points nor the OCSP responders (as revocation.fetchDistributionPoints=false and revocation.ocsp=false)")
    boolean noFetchCrls;

    @Option(names = "--revocation-allowed-hosts", paramLabel = "HOSTS", split = ",",
        description = "internal hosts (names, addresses or CIDRs) of your CA's revocation services that may be asked, as"
            + " revocation.allowedHosts (default: public addresses only)")
    List<String> revocationAllowedHosts = List.of();

    @Mixin
    TokenOptions tokenOptions;

    private SmimeParts parts;
    /** Keys a command's own options stand for (sign's --digest, say), over the file's. */
    private final Map<String, String> commandKeys = new HashMap<>();

    /** The former name of {@code --trust-anchors}, still taken (not shown in --help). */
    @Option(names = "--trust-store", paramLabel = "PEM", hidden = true)
    void setTrustStore(Path pem) {
        trustAnchors = pem;
    }

    /** Sets {@code setting} for this command, over the file's value (before {@link #parts()} is first asked). */
    void set(Setting<?> setting, String value) {
        commandKeys.put(setting.key(), value);
    }

    /** The settings of {@code --config} with the flags given over them, made into parts as James makes its own. */
    SmimeParts parts() throws InvalidConfigurationException {
        if (parts == null) {
            parts = SmimeParts.of(settings(), Clock.systemUTC(), System::getenv);
        }
        return parts;
    }

    SmimeConfiguration settings() throws InvalidConfigurationException {
        if (config == null && (store == null || passwordFile == null)) {
            throw new InvalidConfigurationException("give --config with James's smime.properties, or --store and --password-file");
        }
        Map<String, String> properties = config == null ? new HashMap<>() : PropertiesFile.readInterpolated(config, System::getenv);
        override(properties);
        Path base = config == null ? Path.of("").toAbsolutePath() : config.toAbsolutePath().getParent();
        return SmimeConfiguration.parse(properties, base);
    }

    /** The flags given, over the keys they stand for (paths from the working directory). */
    private void override(Map<String, String> properties) {
        if (store != null) {
            properties.put(SettingKeys.STORE_DIRECTORY.key(), store.toAbsolutePath().toString());
        }
        if (passwordFile != null) {
            properties.remove(SettingKeys.STORE_PASSWORD.key());
            properties.remove(SettingKeys.STORE_PASSWORD_ENV.key());
            properties.put(SettingKeys.STORE_PASSWORD_FILE.key(), passwordFile.toAbsolutePath().toString());
        }
        if (trustAnchors != null) {
            properties.remove(SettingKeys.OLD_IMPORT_TRUST_STORE.key());
            properties.put(SettingKeys.STORE_TRUST_ANCHORS.key(), trustAnchors.toAbsolutePath().toString());
        }
        if (crlDirectory != null) {
            properties.put(SettingKeys.REVOCATION_CRL_DIRECTORY.key(), crlDirectory.toAbsolutePath().toString());
        }
        if (noFetchCrls) {
            properties.put(SettingKeys.REVOCATION_FETCH.key(), "false");
            properties.put(SettingKeys.REVOCATION_OCSP.key(), "false");
        }
        if (!revocationAllowedHosts.isEmpty()) {
            properties.put(SettingKeys.REVOCATION_ALLOWED_HOSTS.key(), String.join(",", revocationAllowedHosts));
        }
        tokenOptions.override(properties);
        properties.putAll(commandKeys);
    }

    /** The store directory the settings name. */
    Path directory() throws InvalidConfigurationException {
        return parts().settings().storeDirectory();
    }

    CertificateRules rules() throws InvalidConfigurationException {
        return parts().rules();
    }

    CertificateImport importer() throws InvalidConfigurationException {
        return new CertificateImport(rules());
    }

    /** The store, judged as James judges it: rules, revocation, token (no index: the CLI reads every file in full). */
    CertificateStore open() throws InvalidConfigurationException, StoreException {
        return parts().openStore(Optional.empty());
    }

    char[] password() throws InvalidConfigurationException, StoreException {
        return parts().storePassword().current();
    }
}
