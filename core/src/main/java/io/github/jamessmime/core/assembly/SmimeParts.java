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
package io.github.jamessmime.core.assembly;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import io.github.jamessmime.core.config.GrantsFile;
import io.github.jamessmime.core.config.InvalidConfigurationException;
import io.github.jamessmime.core.config.SecretSetting;
import io.github.jamessmime.core.config.SettingKeys;
import io.github.jamessmime.core.config.SmimeConfiguration;
import io.github.jamessmime.core.config.TokenSettings;
import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.policy.SenderEntitlement;
import io.github.jamessmime.core.signing.SignatureProvider;
import io.github.jamessmime.core.signing.SmimeSigner;
import io.github.jamessmime.core.store.CertificateRules;
import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.OcspChecker;
import io.github.jamessmime.core.store.Pkcs11Token;
import io.github.jamessmime.core.store.RevocationChecker;
import io.github.jamessmime.core.store.StoreException;
import io.github.jamessmime.core.store.StorePassword;

/**
 * The one factory from settings to running parts: the store with its password, rules, revocation checkers and token,
 * the entitlement, and the signer. James ({@code SmimeSigningService}) and the command line both make their parts
 * here, so that the CLI with {@code --config} judges a store exactly as James does. This is where the files the
 * settings name are read (password, PIN, trust anchors, grants) and the native provider is loaded; each failure names
 * its key.
 */
public final class SmimeParts {
    /** The revocation responders and CRL distribution points get this long to answer. */
    public static final Duration REVOCATION_TIMEOUT = Duration.ofSeconds(5);

    private final SmimeConfiguration settings;
    private final Clock clock;
    private final Function<String, String> environment;
    private SignatureProvider provider;

    private SmimeParts(SmimeConfiguration settings, Clock clock, Function<String, String> environment) {
        this.settings = settings;
        this.clock = clock;
        this.environment = environment;
    }

    /**
     * @param environment reads environment variables ({@code System::getenv} outside tests): the password and PIN
     *                    variables the settings name
     */
    public static SmimeParts of(SmimeConfiguration settings, Clock clock, Function<String, String> environment) {
        return new SmimeParts(settings, clock, environment);
    }

    public SmimeConfiguration settings() {
        return settings;
    }

    public Clock clock() {
        return clock;
    }

    /**
     * The store password's source, read once now (a missing file or variable is a configuration error) and again at
     * every store check: a corrected password file is taken up without a restart.
     */
    public StorePassword storePassword() throws InvalidConfigurationException {
        SecretSetting secret = settings.storePassword();
        secret.read(environment);
        return new StorePassword() {
            @Override
            public char[] current() throws StoreException {
                try {
                    return secret.read(environment);
                } catch (InvalidConfigurationException e) {
                    throw new StoreException(FailureKind.CONFIGURATION, e.getMessage(), e);
                }
            }

            @Override
            public String origin() {
                return secret.origin();
            }
        };
    }

    /** The certificate rules with the trust anchors of {@code store.trustAnchors} (the JDK's roots when unset). */
    public CertificateRules rules() throws InvalidConfigurationException {
        try {
            return settings.trustAnchors().isEmpty() ? CertificateRules.trustingJdk() : CertificateRules.trusting(settings.trustAnchors().get());
        } catch (StoreException e) {
            throw new InvalidConfigurationException("smime.properties: " + settings.trustAnchorsKey() + ": " + e.getMessage());
        }
    }

    /** Where the key operations run, chosen (and the native provider loaded) once. */
    public synchronized SignatureProvider provider() throws InvalidConfigurationException {
        if (provider == null) {
            try {
                provider = SignatureProvider.select(settings.provider());
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new InvalidConfigurationException("smime.properties: " + SettingKeys.SIGNING_PROVIDER + ": " + e.getMessage());
            }
        }
        return provider;
    }

    /** Who may sign as which address: the trusted networks and the grants file's grants. */
    public SenderEntitlement entitlement() throws InvalidConfigurationException {
        Map<String, Set<String>> grants = settings.grantsFile().isEmpty() ? Map.of()
            : GrantsFile.read(settings.grantsFile().get(), SettingKeys.GRANTS_FILE.key());
        return new SenderEntitlement(settings.trustedNetworks(), grants);
    }

    /** The PKCS#11 token of {@code pkcs11.library}, not opened yet (its PIN read), if one is configured. */
    public Optional<Pkcs11Token> token() throws InvalidConfigurationException {
        if (settings.pkcs11().isEmpty()) {
            return Optional.empty();
        }
        TokenSettings token = settings.pkcs11().get();
        if (!Files.isRegularFile(token.library())) {
            throw new InvalidConfigurationException("smime.properties: " + SettingKeys.PKCS11_LIBRARY + " " + token.library()
                + " is not a file; give the path of the token's PKCS#11 library (for SoftHSM2: /usr/lib/softhsm/libsofthsm2.so)");
        }
        return Optional.of(Pkcs11Token.of(new Pkcs11Token.Settings(token.name(), token.library(), token.slot(), token.slotListIndex(),
            token.pin().read(environment), token.pin().file())));
    }

    /**
     * The revocation checks: CRL files, distribution points and OCSP, asking only the addresses the settings allow.
     *
     * @param ocspMaxAge how long an OCSP answer is kept at most
     */
    public RevocationChecker revocation(Duration ocspMaxAge) {
        return new RevocationChecker(settings.crlDirectory(), settings.fetchDistributionPoints(), REVOCATION_TIMEOUT, clock,
            new OcspChecker(settings.ocsp(), ocspMaxAge, clock, settings.revocationAddresses()), settings.revocationAddresses());
    }

    /**
     * How long an OCSP answer is kept: nine tenths of the refresh interval, so that every periodic refresh asks again (an
     * hour without periodic refresh).
     */
    public Duration ocspMaxAge() {
        Duration refresh = settings.revocationRefresh();
        return refresh.isZero() ? Duration.ofHours(1) : refresh.multipliedBy(9).dividedBy(10);
    }

    /** Opens the store these settings describe, with the index file given (James's, or none for the CLI). */
    public CertificateStore openStore(Optional<Path> indexFile) throws InvalidConfigurationException, StoreException {
        return CertificateStore.open(settings.storeDirectory(), storePassword(), clock, indexFile, revocation(ocspMaxAge()), rules(),
            token());
    }

    /** The signer these settings describe. */
    public SmimeSigner signer() throws InvalidConfigurationException {
        return new SmimeSigner(settings.digest(), clock, settings.maxDepth(), settings.selfCheck(), settings.maxMessageSize(), provider());
    }

    /** This node's name in the usage counts: {@code usage.node}, or the host name made safe as a file name. */
    public String usageNode() {
        return settings.usageNode().orElseGet(SmimeParts::hostName);
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "_");
        } catch (UnknownHostException e) {
            return "node";
        }
    }
}
