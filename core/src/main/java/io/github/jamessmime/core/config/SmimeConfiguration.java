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
package io.github.jamessmime.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.jamessmime.core.net.AddressPolicy;
import io.github.jamessmime.core.net.Cidr;
import io.github.jamessmime.core.policy.SigningMode;
import io.github.jamessmime.core.signing.DigestAlgorithm;
import io.github.jamessmime.core.signing.SignatureProvider;
import io.github.jamessmime.core.store.OcspChecker;

/**
 * The settings of {@code smime.properties}, as James and the command line's {@code --config} read them: an immutable
 * value, parsed without I/O from the keys {@link SettingKeys} declares. Files named here (the password, the trust
 * anchors, the grants, the PIN) are read when the running parts are made from it
 * ({@code io.github.jamessmime.core.assembly.SmimeParts}). An unknown key (a typo would silently change the policy)
 * or a bad value is refused with a message naming the key.
 */
public final class SmimeConfiguration {
    private static final Logger LOGGER = LoggerFactory.getLogger(SmimeConfiguration.class);

    private final Path storeDirectory;
    private final SecretSetting storePassword;
    private final DigestAlgorithm digest;
    private final boolean selfCheck;
    private final boolean headerProtection;
    private final boolean smtpUtf8;
    private final long maxMessageSize;
    private final int maxDepth;
    private final int maxHeaderFields;
    private final Duration reloadInterval;
    private final StateLocations stateLocations;
    private final Duration expiryWarning;
    private final int failureRatePercent;
    private final Duration failureWindow;
    private final Optional<String> usageNode;
    private final Optional<Path> trustAnchors;
    private final String trustAnchorsKey;
    private final Optional<Path> crlDirectory;
    private final boolean fetchDistributionPoints;
    private final Duration revocationRefresh;
    private final OcspChecker.Settings ocsp;
    private final AddressPolicy revocationAddresses;
    private final List<Cidr> trustedNetworks;
    private final Optional<Path> grantsFile;
    private final SignatureProvider.Setting provider;
    private final SigningMode mode;
    private final Optional<TokenSettings> pkcs11;

    private SmimeConfiguration(Map<String, String> properties, Path baseDirectory, Path varDirectory) throws InvalidConfigurationException {
        storeDirectory = SettingKeys.STORE_DIRECTORY.require(properties, baseDirectory,
            "set it to the directory holding the senders' PKCS#12 files");
        storePassword = storePassword(properties, baseDirectory);
        digest = read(SettingKeys.SIGNING_DIGEST, properties, baseDirectory);
        selfCheck = read(SettingKeys.SIGNING_SELF_CHECK, properties, baseDirectory);
        headerProtection = read(SettingKeys.SIGNING_HEADER_PROTECTION, properties, baseDirectory);
        smtpUtf8 = read(SettingKeys.SIGNING_SMTP_UTF8, properties, baseDirectory);
        maxMessageSize = read(SettingKeys.SIGNING_MAX_MESSAGE_SIZE, properties, baseDirectory);
        maxDepth = read(SettingKeys.MIME_MAX_DEPTH, properties, baseDirectory);
        maxHeaderFields = read(SettingKeys.MIME_MAX_HEADER_FIELDS, properties, baseDirectory);
        reloadInterval = read(SettingKeys.STORE_RELOAD_INTERVAL, properties, baseDirectory);
        Optional<String> index = SettingKeys.STORE_INDEX_FILE.read(properties, baseDirectory);
        boolean indexOff = index.map(file -> file.equalsIgnoreCase("none")).orElse(false);
        stateLocations = new StateLocations(storeDirectory, varDirectory,
            SettingKeys.USAGE_DIRECTORY.read(properties, baseDirectory).map(usage -> storeDirectory.resolve(usage).normalize()),
            index.filter(file -> !indexOff).map(file -> storeDirectory.resolve(file).normalize()), indexOff);
        expiryWarning = read(SettingKeys.HEALTH_EXPIRY_WARNING_DAYS, properties, baseDirectory);
        failureRatePercent = read(SettingKeys.HEALTH_FAILURE_RATE_PERCENT, properties, baseDirectory);
        failureWindow = read(SettingKeys.HEALTH_FAILURE_WINDOW_MINUTES, properties, baseDirectory);
        usageNode = SettingKeys.USAGE_NODE.read(properties, baseDirectory);
        Optional<Path> anchors = SettingKeys.STORE_TRUST_ANCHORS.read(properties, baseDirectory);
        Optional<Path> old = SettingKeys.OLD_IMPORT_TRUST_STORE.read(properties, baseDirectory);
        if (old.isPresent() && anchors.isPresent()) {
            throw new InvalidConfigurationException("smime.properties: " + SettingKeys.OLD_IMPORT_TRUST_STORE + " and "
                + SettingKeys.STORE_TRUST_ANCHORS + " are both set; keep only " + SettingKeys.STORE_TRUST_ANCHORS);
        }
        if (old.isPresent()) {
            LOGGER.warn("smime.properties: {} is now called {} (its roots are checked by the store too); rename the key",
                SettingKeys.OLD_IMPORT_TRUST_STORE, SettingKeys.STORE_TRUST_ANCHORS);
        }
        trustAnchors = anchors.or(() -> old);
        trustAnchorsKey = (old.isPresent() ? SettingKeys.OLD_IMPORT_TRUST_STORE : SettingKeys.STORE_TRUST_ANCHORS).key();
        crlDirectory = SettingKeys.REVOCATION_CRL_DIRECTORY.read(properties, baseDirectory);
        fetchDistributionPoints = read(SettingKeys.REVOCATION_FETCH, properties, baseDirectory);
        revocationRefresh = read(SettingKeys.REVOCATION_REFRESH_MINUTES, properties, baseDirectory);
        ocsp = new OcspChecker.Settings(read(SettingKeys.REVOCATION_OCSP, properties, baseDirectory),
            read(SettingKeys.REVOCATION_OCSP_TIMEOUT, properties, baseDirectory),
            read(SettingKeys.REVOCATION_OCSP_UNAVAILABLE, properties, baseDirectory));
        revocationAddresses = SettingKeys.REVOCATION_ALLOWED_HOSTS.read(properties, baseDirectory).orElseGet(AddressPolicy::publicOnly);
        trustedNetworks = SettingKeys.TRUSTED_NETWORKS.read(properties, baseDirectory).orElse(List.of());
        grantsFile = SettingKeys.GRANTS_FILE.read(properties, baseDirectory);
        provider = read(SettingKeys.SIGNING_PROVIDER, properties, baseDirectory);
        mode = read(SettingKeys.SIGNING_MODE, properties, baseDirectory);
        pkcs11 = TokenSettings.parse(properties, baseDirectory);
    }

    /** {@link #parse(Map, Path, Path)} with James's var directory beside {@code baseDirectory}, as James lays them out. */
    public static SmimeConfiguration parse(Map<String, String> properties, Path baseDirectory) throws InvalidConfigurationException {
        return parse(properties, baseDirectory, baseDirectory.toAbsolutePath().normalize().resolveSibling("var"));
    }

    /**
     * @param properties the keys and values of smime.properties
     * @param baseDirectory relative paths are resolved against it (James's conf directory)
     * @param varDirectory James's var directory: where usage counts and index go by default when the store is read-only
     */
    public static SmimeConfiguration parse(Map<String, String> properties, Path baseDirectory, Path varDirectory)
        throws InvalidConfigurationException {
        Set<String> unknown = properties.keySet().stream().filter(key -> !SettingKeys.known(key)).collect(Collectors.toCollection(TreeSet::new));
        if (!unknown.isEmpty()) {
            throw new InvalidConfigurationException("smime.properties: unknown key(s) " + unknown + unknown.stream()
                .map(key -> SettingKeys.closestTo(key).stream().findFirst().map(close -> "; did you mean " + close + " (for " + key + ")?")
                    .orElse(""))
                .collect(Collectors.joining()) + " (README: Configuration lists every key)");
        }
        return new SmimeConfiguration(properties, baseDirectory, varDirectory);
    }

    private static <T> T read(Setting<T> setting, Map<String, String> properties, Path baseDirectory) throws InvalidConfigurationException {
        // every key read here has a default
        return setting.read(properties, baseDirectory).orElseThrow();
    }

    private static SecretSetting storePassword(Map<String, String> properties, Path baseDirectory) throws InvalidConfigurationException {
        // the password itself is taken as written (not trimmed): it is the secret
        String inline = properties.get(SettingKeys.STORE_PASSWORD.key());
        Optional<Path> file = SettingKeys.STORE_PASSWORD_FILE.read(properties, baseDirectory);
        Optional<String> env = SettingKeys.STORE_PASSWORD_ENV.read(properties, baseDirectory);
        int given = (inline != null ? 1 : 0) + (file.isPresent() ? 1 : 0) + (env.isPresent() ? 1 : 0);
        if (given != 1) {
            throw new InvalidConfigurationException("smime.properties: set exactly one of " + SettingKeys.STORE_PASSWORD_FILE + ", "
                + SettingKeys.STORE_PASSWORD_ENV + " or " + SettingKeys.STORE_PASSWORD + " (found " + given + ")");
        }
        if (file.isPresent()) {
            return SecretSetting.file(SettingKeys.STORE_PASSWORD_FILE.key(), file.get());
        }
        return env.map(name -> SecretSetting.environment(SettingKeys.STORE_PASSWORD_ENV.key(), name))
            .orElseGet(() -> SecretSetting.inline(SettingKeys.STORE_PASSWORD.key(), inline));
    }

    public Path storeDirectory() {
        return storeDirectory;
    }

    /** Where the store password comes from (read when the store is opened, and again at every store check). */
    public SecretSetting storePassword() {
        return storePassword;
    }

    public DigestAlgorithm digest() {
        return digest;
    }

    public boolean selfCheck() {
        return selfCheck;
    }

    /** Whether the user-facing header fields are signed too ({@code signing.headerProtection}, RFC 9788). */
    public boolean headerProtection() {
        return headerProtection;
    }

    /** Whether mail whose From is written in UTF-8 can leave this James ({@code signing.smtpUtf8}: SMTPUTF8 on every way out). */
    public boolean smtpUtf8() {
        return smtpUtf8;
    }

    public long maxMessageSize() {
        return maxMessageSize;
    }

    public int maxDepth() {
        return maxDepth;
    }

    /** Whether entitled senders are signed unless they ask not to be, or only when they ask ({@code signing.mode}). */
    public SigningMode mode() {
        return mode;
    }

    /** Where the key operations are to run ({@code signing.provider}); chosen when the running parts are made. */
    public SignatureProvider.Setting provider() {
        return provider;
    }

    /** The most header fields a message may have to be signed, or DKIM-signed in the shipped configuration. */
    public int maxHeaderFields() {
        return maxHeaderFields;
    }

    public Duration reloadInterval() {
        return reloadInterval;
    }

    /**
     * Which CRL distribution points and OCSP responders may be asked ({@code revocation.allowedHosts}): public addresses,
     * and the internal hosts named.
     */
    public AddressPolicy revocationAddresses() {
        return revocationAddresses;
    }

    /** The directory of CRL files the signer certificates are checked against, if any. */
    public Optional<Path> crlDirectory() {
        return crlDirectory;
    }

    /** Whether the CRLs of the certificates' distribution points are fetched. */
    public boolean fetchDistributionPoints() {
        return fetchDistributionPoints;
    }

    /** How signer certificates' OCSP responders are asked ({@code revocation.ocsp} and its sub-keys). */
    public OcspChecker.Settings ocsp() {
        return ocsp;
    }

    /** How often the store is re-read to pick up new CRLs and OCSP answers (0: only when the store directory changes). */
    public Duration revocationRefresh() {
        return revocationRefresh;
    }

    /** The PEM file of the roots every certificate must chain to; empty for the JDK's roots. */
    public Optional<Path> trustAnchors() {
        return trustAnchors;
    }

    /** The key that named {@link #trustAnchors()} (the former name, when that was used). */
    public String trustAnchorsKey() {
        return trustAnchorsKey;
    }

    /** This node's name in the usage counts, when set (the host name otherwise). */
    public Optional<String> usageNode() {
        return usageNode;
    }

    /** How long before a sender's certificate expires the health check turns degraded. */
    public Duration expiryWarning() {
        return expiryWarning;
    }

    /** Above this share of failed signatures in {@link #failureWindow()}, the health check turns degraded. */
    public int failureRatePercent() {
        return failureRatePercent;
    }

    public Duration failureWindow() {
        return failureWindow;
    }

    /** Where the usage journal and the store index go (decided at start, by what can be written). */
    public StateLocations stateLocations() {
        return stateLocations;
    }

    /** The networks whose unauthenticated clients may have mail signed for any address of the store. */
    public List<Cidr> trustedNetworks() {
        return trustedNetworks;
    }

    /** The grants file ({@code entitlement.grants.file}), if any. */
    public Optional<Path> grantsFile() {
        return grantsFile;
    }

    /** The PKCS#11 token whose key entries sign besides the store files, if one is configured. */
    public Optional<TokenSettings> pkcs11() {
        return pkcs11;
    }

    /** The settings without the password. */
    @Override
    public String toString() {
        return "SmimeConfiguration{store=" + storeDirectory + ", password from " + storePassword.origin() + ", digest=" + digest.jcaName()
            + ", selfCheck=" + selfCheck + ", headerProtection=" + headerProtection + ", smtpUtf8=" + smtpUtf8 + ", mode=" + mode + ", provider=" + provider.name().toLowerCase(java.util.Locale.ROOT)
            + ", maxDepth=" + maxDepth + ", maxHeaderFields=" + maxHeaderFields + ", reload=" + reloadInterval + ", " + stateLocations
            + ", trust=" + trustAnchors.map(Path::toString).orElse("the JDK's roots") + ", " + ocsp + ", revocation services at "
            + revocationAddresses + ", trustedNetworks=" + trustedNetworks + grantsFile.map(file -> ", grants=" + file).orElse("")
            + pkcs11.map(settings -> ", " + settings).orElse("") + "}";
    }
}
