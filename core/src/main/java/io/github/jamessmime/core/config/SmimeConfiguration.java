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

import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.jamessmime.core.net.AddressPolicy;
import io.github.jamessmime.core.net.Cidr;
import io.github.jamessmime.core.policy.SenderEntitlement;
import io.github.jamessmime.core.policy.SigningMode;
import io.github.jamessmime.core.signing.DigestAlgorithm;
import io.github.jamessmime.core.signing.SignatureProvider;
import io.github.jamessmime.core.signing.SmimeSigner;
import io.github.jamessmime.core.store.CertificateRules;
import io.github.jamessmime.core.store.OcspChecker;
import io.github.jamessmime.core.store.Pkcs11Token;
import io.github.jamessmime.core.store.StoreException;

/**
 * The settings of {@code smime.properties}, shared by the matcher, the mailet and the CLI. Every key is
 * checked when James starts: an unknown key (a typo would silently change the policy) or a bad value
 * stops the start with a message that names the key.
 */
public final class SmimeConfiguration {
    private static final Logger LOGGER = LoggerFactory.getLogger(SmimeConfiguration.class);
    public static final String STORE_DIRECTORY = "store.directory";
    public static final String STORE_PASSWORD = "store.password";
    public static final String STORE_PASSWORD_FILE = "store.password.file";
    public static final String STORE_PASSWORD_ENV = "store.password.env";
    public static final String STORE_RELOAD_INTERVAL = "store.reloadIntervalSeconds";
    public static final String STORE_INDEX_FILE = "store.indexFile";
    public static final String SIGNING_DIGEST = "signing.digest";
    public static final String SIGNING_SELF_CHECK = "signing.selfCheck";
    public static final String SIGNING_MAX_MESSAGE_SIZE = "signing.maxMessageSize";
    public static final String SIGNING_PROVIDER = "signing.provider";
    public static final String SIGNING_MODE = "signing.mode";
    public static final String MIME_MAX_DEPTH = "mime.maxDepth";
    public static final String MIME_MAX_HEADER_FIELDS = "mime.maxHeaderFields";
    /** Real mail has tens of header fields, long Received chains a few hundred. */
    static final long DEFAULT_MAX_HEADER_FIELDS = 1000;
    public static final String HEALTH_EXPIRY_WARNING_DAYS = "health.expiryWarningDays";
    public static final String HEALTH_FAILURE_RATE_PERCENT = "health.failureRatePercent";
    public static final String HEALTH_FAILURE_WINDOW_MINUTES = "health.failureWindowMinutes";
    public static final String STORE_TRUST_ANCHORS = "store.trustAnchors";
    /** The name {@link #STORE_TRUST_ANCHORS} had when only import checked chains; still read, with a warning. */
    static final String OLD_IMPORT_TRUST_STORE = "import.trustStore";
    public static final String REVOCATION_CRL_DIRECTORY = "revocation.crlDirectory";
    public static final String REVOCATION_FETCH = "revocation.fetchDistributionPoints";
    public static final String REVOCATION_REFRESH_MINUTES = "revocation.refreshMinutes";
    public static final String REVOCATION_OCSP = "revocation.ocsp";
    public static final String REVOCATION_OCSP_TIMEOUT = "revocation.ocsp.timeoutSeconds";
    public static final String REVOCATION_OCSP_UNAVAILABLE = "revocation.ocsp.unavailable";
    public static final String REVOCATION_ALLOWED_HOSTS = "revocation.allowedHosts";
    public static final String USAGE_DIRECTORY = "usage.directory";
    public static final String USAGE_NODE = "usage.node";
    static final long DEFAULT_EXPIRY_WARNING_DAYS = 30;
    public static final String TRUSTED_NETWORKS = "entitlement.trustedNetworks";
    public static final String GRANTS_FILE = "entitlement.grants.file";
    public static final String PKCS11_LIBRARY = "pkcs11.library";
    public static final String PKCS11_NAME = "pkcs11.name";
    public static final String PKCS11_SLOT = "pkcs11.slot";
    public static final String PKCS11_SLOT_LIST_INDEX = "pkcs11.slotListIndex";
    public static final String PKCS11_PIN_FILE = "pkcs11.pin.file";
    public static final String PKCS11_PIN_ENV = "pkcs11.pin.env";
    static final Set<String> PKCS11_KEYS = Set.of(PKCS11_LIBRARY, PKCS11_NAME, PKCS11_SLOT, PKCS11_SLOT_LIST_INDEX, PKCS11_PIN_FILE,
        PKCS11_PIN_ENV);
    static final Set<String> KEYS = Set.of(STORE_DIRECTORY, STORE_PASSWORD, STORE_PASSWORD_FILE, STORE_PASSWORD_ENV,
        STORE_RELOAD_INTERVAL, STORE_INDEX_FILE, SIGNING_DIGEST, SIGNING_SELF_CHECK, SIGNING_MAX_MESSAGE_SIZE, SIGNING_PROVIDER, SIGNING_MODE, MIME_MAX_DEPTH, MIME_MAX_HEADER_FIELDS, HEALTH_EXPIRY_WARNING_DAYS, HEALTH_FAILURE_RATE_PERCENT, HEALTH_FAILURE_WINDOW_MINUTES, USAGE_DIRECTORY, USAGE_NODE, STORE_TRUST_ANCHORS, OLD_IMPORT_TRUST_STORE,
        REVOCATION_CRL_DIRECTORY, REVOCATION_FETCH, REVOCATION_REFRESH_MINUTES, REVOCATION_OCSP, REVOCATION_OCSP_TIMEOUT,
        REVOCATION_OCSP_UNAVAILABLE, REVOCATION_ALLOWED_HOSTS, TRUSTED_NETWORKS, GRANTS_FILE);
    static final long DEFAULT_RELOAD_SECONDS = 30;
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*([KMG]?)i?B?", Pattern.CASE_INSENSITIVE);

    private final Path storeDirectory;
    private final char[] storePassword;
    private final DigestAlgorithm digest;
    private final boolean selfCheck;
    private final long maxMessageSize;
    private final int failureRatePercent;
    private final Duration failureWindow;
    private final int maxDepth;
    private final int maxHeaderFields;
    private final Duration reloadInterval;
    private final StateLocations stateLocations;
    private final Duration expiryWarning;
    private final String usageNode;
    private final CertificateRules rules;
    private final Optional<Path> crlDirectory;
    private final boolean fetchDistributionPoints;
    private final Duration revocationRefresh;
    private final OcspChecker.Settings ocsp;
    private final AddressPolicy revocationAddresses;
    private final SenderEntitlement entitlement;
    private final SignatureProvider provider;
    private final SigningMode mode;
    private final Optional<Pkcs11Token.Settings> pkcs11;

    private SmimeConfiguration(Path storeDirectory, char[] storePassword, DigestAlgorithm digest, boolean selfCheck, int maxDepth,
                               int maxHeaderFields,
                               long maxMessageSize, int failureRatePercent, Duration failureWindow, Duration reloadInterval,
                               StateLocations stateLocations, Duration expiryWarning, String usageNode,
                               CertificateRules rules, Optional<Path> crlDirectory, boolean fetchDistributionPoints,
                               Duration revocationRefresh, OcspChecker.Settings ocsp, AddressPolicy revocationAddresses,
                               SenderEntitlement entitlement,
                               SignatureProvider provider, SigningMode mode, Optional<Pkcs11Token.Settings> pkcs11) {
        this.pkcs11 = pkcs11;
        this.ocsp = ocsp;
        this.revocationAddresses = revocationAddresses;
        this.provider = provider;
        this.mode = mode;
        this.storeDirectory = storeDirectory;
        this.maxMessageSize = maxMessageSize;
        this.failureRatePercent = failureRatePercent;
        this.failureWindow = failureWindow;
        this.crlDirectory = crlDirectory;
        this.fetchDistributionPoints = fetchDistributionPoints;
        this.revocationRefresh = revocationRefresh;
        this.rules = rules;
        this.usageNode = usageNode;
        this.expiryWarning = expiryWarning;
        this.stateLocations = stateLocations;
        this.storePassword = storePassword;
        this.digest = digest;
        this.selfCheck = selfCheck;
        this.maxDepth = maxDepth;
        this.maxHeaderFields = maxHeaderFields;
        this.reloadInterval = reloadInterval;
        this.entitlement = entitlement;
    }

    /** {@link #parse(Map, Path, Path, Function)} with James's var directory beside {@code baseDirectory}, as James lays them out. */
    public static SmimeConfiguration parse(Map<String, String> properties, Path baseDirectory,
                                           Function<String, String> environment) throws InvalidConfigurationException {
        return parse(properties, baseDirectory, baseDirectory.toAbsolutePath().normalize().resolveSibling("var"), environment);
    }

    /**
     * @param properties the keys and values of smime.properties
     * @param baseDirectory relative paths are resolved against it (James's conf directory)
     * @param varDirectory James's var directory: where usage counts and index go by default when the store is read-only
     * @param environment reads environment variables (System::getenv outside tests)
     */
    public static SmimeConfiguration parse(Map<String, String> properties, Path baseDirectory, Path varDirectory,
                                           Function<String, String> environment) throws InvalidConfigurationException {
        Set<String> unknown = new TreeSet<>(properties.keySet());
        unknown.removeAll(KEYS);
        unknown.removeAll(PKCS11_KEYS);
        if (!unknown.isEmpty()) {
            throw new InvalidConfigurationException("smime.properties: unknown key(s) " + unknown + "; known keys are " + new TreeSet<>(KEYS));
        }
        String directory = value(properties, STORE_DIRECTORY);
        if (directory == null) {
            throw new InvalidConfigurationException("smime.properties: " + STORE_DIRECTORY
                + " is missing; set it to the directory holding the senders' PKCS#12 files");
        }
        Path storeDirectory = baseDirectory.resolve(directory).normalize();
        char[] password = password(properties, baseDirectory, environment);
        DigestAlgorithm digest;
        try {
            digest = DigestAlgorithm.parse(properties.getOrDefault(SIGNING_DIGEST, "SHA-256"));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("smime.properties: " + SIGNING_DIGEST + ": " + e.getMessage());
        }
        SignatureProvider provider;
        try {
            provider = SignatureProvider.select(SignatureProvider.Setting.parse(properties.getOrDefault(SIGNING_PROVIDER, "auto")));
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new InvalidConfigurationException("smime.properties: " + SIGNING_PROVIDER + ": " + e.getMessage());
        }
        SigningMode mode;
        try {
            mode = SigningMode.parse(properties.getOrDefault(SIGNING_MODE, "always"));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("smime.properties: " + SIGNING_MODE + ": " + e.getMessage());
        }
        Duration reload = Duration.ofSeconds(DEFAULT_RELOAD_SECONDS);
        String reloadValue = value(properties, STORE_RELOAD_INTERVAL);
        if (reloadValue != null) {
            try {
                long seconds = Long.parseLong(reloadValue);
                if (seconds < 0) {
                    throw new NumberFormatException();
                }
                reload = Duration.ofSeconds(seconds);
            } catch (NumberFormatException e) {
                throw new InvalidConfigurationException("smime.properties: " + STORE_RELOAD_INTERVAL + " '" + reloadValue
                    + "' is not a number of seconds (0 turns reloading off)");
            }
        }
        String index = value(properties, STORE_INDEX_FILE);
        boolean indexOff = index != null && index.equalsIgnoreCase("none");
        StateLocations stateLocations = new StateLocations(storeDirectory, varDirectory,
            Optional.ofNullable(value(properties, USAGE_DIRECTORY)).map(usage -> storeDirectory.resolve(usage).normalize()),
            Optional.ofNullable(indexOff ? null : index).map(file -> storeDirectory.resolve(file).normalize()), indexOff);
        String usageNode = Optional.ofNullable(value(properties, USAGE_NODE)).orElseGet(SmimeConfiguration::hostName);
        if (!usageNode.matches("[A-Za-z0-9._-]+")) {
            throw new InvalidConfigurationException("smime.properties: " + USAGE_NODE + " '" + usageNode
                + "' may only hold letters, digits, '.', '_' and '-'");
        }
        long maxDepth = number(properties, MIME_MAX_DEPTH, SmimeSigner.DEFAULT_MAX_DEPTH, "levels");
        if (maxDepth < 1 || maxDepth > SmimeSigner.MAX_DEPTH_LIMIT) {
            throw new InvalidConfigurationException("smime.properties: " + MIME_MAX_DEPTH + " " + maxDepth + " must be between 1 and "
                + SmimeSigner.MAX_DEPTH_LIMIT + " (BouncyCastle's verifier descends no deeper)");
        }
        long maxHeaderFields = number(properties, MIME_MAX_HEADER_FIELDS, DEFAULT_MAX_HEADER_FIELDS, "header fields");
        if (maxHeaderFields < 10 || maxHeaderFields > 100_000) {
            throw new InvalidConfigurationException("smime.properties: " + MIME_MAX_HEADER_FIELDS + " " + maxHeaderFields
                + " must be between 10 and 100000 (default " + DEFAULT_MAX_HEADER_FIELDS + ")");
        }
        long percent = number(properties, HEALTH_FAILURE_RATE_PERCENT, 5, "percent");
        long window = number(properties, HEALTH_FAILURE_WINDOW_MINUTES, 10, "minutes");
        if (percent < 0 || percent > 100 || window < 1 || window > 1440) {
            throw new InvalidConfigurationException("smime.properties: " + HEALTH_FAILURE_RATE_PERCENT + " must be 0-100 and "
                + HEALTH_FAILURE_WINDOW_MINUTES + " 1-1440 (got " + percent + " and " + window + ")");
        }
        return new SmimeConfiguration(storeDirectory, password, digest, bool(properties, SIGNING_SELF_CHECK, true), (int) maxDepth,
            (int) maxHeaderFields,
            size(properties, SIGNING_MAX_MESSAGE_SIZE, SmimeSigner.DEFAULT_MAX_MESSAGE_SIZE), (int) percent, Duration.ofMinutes(window),
            reload, stateLocations, expiryWarning(properties),
            usageNode, rules(properties, baseDirectory),
            Optional.ofNullable(value(properties, REVOCATION_CRL_DIRECTORY)).map(baseDirectory::resolve),
            bool(properties, REVOCATION_FETCH, true),
            Duration.ofMinutes(number(properties, REVOCATION_REFRESH_MINUTES, 60, "minutes")), ocsp(properties),
            revocationAddresses(properties),
            new SenderEntitlement(trustedNetworks(properties), grants(properties, baseDirectory)), provider, mode,
            pkcs11(properties, baseDirectory, environment));
    }

    /** The PKCS#11 token of {@value #PKCS11_LIBRARY} and its sub-keys, if one is configured. */
    private static Optional<Pkcs11Token.Settings> pkcs11(Map<String, String> properties, Path baseDirectory,
                                                         Function<String, String> environment) throws InvalidConfigurationException {
        String library = value(properties, PKCS11_LIBRARY);
        if (library == null) {
            Optional<String> stray = PKCS11_KEYS.stream().filter(key -> value(properties, key) != null).sorted().findFirst();
            if (stray.isPresent()) {
                throw new InvalidConfigurationException("smime.properties: " + stray.get() + " is set but " + PKCS11_LIBRARY
                    + " is not; set " + PKCS11_LIBRARY + " to the token's PKCS#11 library, or remove the pkcs11.* keys");
            }
            return Optional.empty();
        }
        Path libraryPath = baseDirectory.resolve(library).normalize();
        if (!Files.isRegularFile(libraryPath)) {
            throw new InvalidConfigurationException("smime.properties: " + PKCS11_LIBRARY + " " + libraryPath
                + " is not a file; give the path of the token's PKCS#11 library (for SoftHSM2: /usr/lib/softhsm/libsofthsm2.so)");
        }
        String name = Optional.ofNullable(value(properties, PKCS11_NAME)).orElse("token");
        try {
            Pkcs11Token.Settings.checkLibrary(libraryPath);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("smime.properties: " + PKCS11_LIBRARY + ": " + e.getMessage());
        }
        try {
            Pkcs11Token.Settings.checkName(name);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("smime.properties: " + PKCS11_NAME + " " + e.getMessage());
        }
        String slot = value(properties, PKCS11_SLOT);
        if (slot != null && value(properties, PKCS11_SLOT_LIST_INDEX) != null) {
            throw new InvalidConfigurationException("smime.properties: set " + PKCS11_SLOT + " or " + PKCS11_SLOT_LIST_INDEX + ", not both");
        }
        Optional<Long> slotId = Optional.empty();
        if (slot != null) {
            slotId = Optional.of(number(properties, PKCS11_SLOT, 0, "a slot id"));
            try {
                Pkcs11Token.Settings.checkSlot(slotId.get());
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationException("smime.properties: " + PKCS11_SLOT + ": " + e.getMessage());
            }
        }
        long index = number(properties, PKCS11_SLOT_LIST_INDEX, 0, "a position in the slot list");
        if (index > Integer.MAX_VALUE) {
            throw new InvalidConfigurationException("smime.properties: " + PKCS11_SLOT_LIST_INDEX + " " + index + " is too large");
        }
        Optional<Path> pinFile = Optional.ofNullable(value(properties, PKCS11_PIN_FILE)).map(baseDirectory::resolve);
        return Optional.of(new Pkcs11Token.Settings(name, libraryPath, slotId, (int) index, pin(properties, pinFile, environment), pinFile));
    }

    /** The token PIN, from a file or an environment variable: never in smime.properties itself, never logged. */
    private static char[] pin(Map<String, String> properties, Optional<Path> file, Function<String, String> environment)
        throws InvalidConfigurationException {
        String env = value(properties, PKCS11_PIN_ENV);
        if (file.isPresent() == (env != null)) {
            throw new InvalidConfigurationException("smime.properties: set exactly one of " + PKCS11_PIN_FILE + " or " + PKCS11_PIN_ENV
                + " for the PKCS#11 token's user PIN");
        }
        if (env != null) {
            String secret = environment.apply(env);
            if (secret == null) {
                throw new InvalidConfigurationException("smime.properties: " + PKCS11_PIN_ENV + " names environment variable "
                    + env + ", which is not set; set it for the James process");
            }
            return secret.toCharArray();
        }
        return PasswordFile.firstLine(file.get(), PKCS11_PIN_FILE);
    }

    /** The PKCS#11 token whose key entries sign besides the store files ({@value #PKCS11_LIBRARY}), if any. */
    public Optional<Pkcs11Token> pkcs11Token() {
        return pkcs11.map(Pkcs11Token::of);
    }

    /** The certificate rules with the trust anchors of {@value #STORE_TRUST_ANCHORS} (the JDK's roots when empty). */
    private static CertificateRules rules(Map<String, String> properties, Path baseDirectory) throws InvalidConfigurationException {
        String anchors = value(properties, STORE_TRUST_ANCHORS);
        String key = STORE_TRUST_ANCHORS;
        String old = value(properties, OLD_IMPORT_TRUST_STORE);
        if (old != null) {
            if (anchors != null) {
                throw new InvalidConfigurationException("smime.properties: " + OLD_IMPORT_TRUST_STORE + " and " + STORE_TRUST_ANCHORS
                    + " are both set; keep only " + STORE_TRUST_ANCHORS);
            }
            LOGGER.warn("smime.properties: {} is now called {} (its roots are checked by the store too); rename the key",
                OLD_IMPORT_TRUST_STORE, STORE_TRUST_ANCHORS);
            anchors = old;
            key = OLD_IMPORT_TRUST_STORE;
        }
        try {
            return anchors == null ? CertificateRules.trustingJdk() : CertificateRules.trusting(baseDirectory.resolve(anchors));
        } catch (StoreException e) {
            throw new InvalidConfigurationException("smime.properties: " + key + ": " + e.getMessage());
        }
    }

    /** A size in bytes, with an optional K, M or G suffix (powers of 1024). */
    private static long size(Map<String, String> properties, String key, long defaultValue) throws InvalidConfigurationException {
        String value = value(properties, key);
        if (value == null) {
            return defaultValue;
        }
        Matcher matcher = SIZE.matcher(value);
        if (!matcher.matches()) {
            throw new InvalidConfigurationException("smime.properties: " + key + " '" + value + "' is not a size such as 64M or 1048576");
        }
        long number = Long.parseLong(matcher.group(1));
        switch (matcher.group(2).toUpperCase(Locale.ROOT)) {
            case "K": return number * 1024;
            case "M": return number * 1024 * 1024;
            case "G": return number * 1024 * 1024 * 1024;
            default: return number;
        }
    }

    /** Reads a properties file such as conf/smime.properties. */
    public static SmimeConfiguration load(Path propertiesFile, Function<String, String> environment) throws InvalidConfigurationException {
        return parse(readProperties(propertiesFile, "configuration"), propertiesFile.toAbsolutePath().getParent(), environment);
    }

    private static boolean bool(Map<String, String> properties, String key, boolean defaultValue) throws InvalidConfigurationException {
        String value = value(properties, key);
        if (value == null) {
            return defaultValue;
        }
        if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(value);
        }
        throw new InvalidConfigurationException("smime.properties: " + key + " '" + value + "' must be true or false");
    }

    private static long number(Map<String, String> properties, String key, long defaultValue, String unit) throws InvalidConfigurationException {
        String value = value(properties, key);
        if (value == null) {
            return defaultValue;
        }
        try {
            long number = Long.parseLong(value);
            if (number < 0) {
                throw new NumberFormatException();
            }
            return number;
        } catch (NumberFormatException e) {
            throw new InvalidConfigurationException("smime.properties: " + key + " '" + value + "' is not a number of " + unit);
        }
    }

    /** This host's name, made safe as a file name: the default node name of the usage counts. */
    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "_");
        } catch (UnknownHostException e) {
            return "node";
        }
    }

    private static Duration expiryWarning(Map<String, String> properties) throws InvalidConfigurationException {
        String value = value(properties, HEALTH_EXPIRY_WARNING_DAYS);
        if (value == null) {
            return Duration.ofDays(DEFAULT_EXPIRY_WARNING_DAYS);
        }
        try {
            long days = Long.parseLong(value);
            if (days < 0) {
                throw new NumberFormatException();
            }
            return Duration.ofDays(days);
        } catch (NumberFormatException e) {
            throw new InvalidConfigurationException("smime.properties: " + HEALTH_EXPIRY_WARNING_DAYS + " '" + value
                + "' is not a number of days");
        }
    }

    private static AddressPolicy revocationAddresses(Map<String, String> properties) throws InvalidConfigurationException {
        String allowed = value(properties, REVOCATION_ALLOWED_HOSTS);
        if (allowed == null) {
            return AddressPolicy.publicOnly();
        }
        try {
            return AddressPolicy.allowing(List.of(allowed.split("[,\\s]+")));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("smime.properties: " + REVOCATION_ALLOWED_HOSTS + ": " + e.getMessage()
                + "; give host names, IP addresses or CIDRs of the CA's own revocation services, separated by commas");
        }
    }

    private static String value(Map<String, String> properties, String key) {
        String value = properties.get(key);
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static char[] password(Map<String, String> properties, Path baseDirectory, Function<String, String> environment)
        throws InvalidConfigurationException {
        String inline = properties.get(STORE_PASSWORD);
        String file = value(properties, STORE_PASSWORD_FILE);
        String env = value(properties, STORE_PASSWORD_ENV);
        int given = (inline != null ? 1 : 0) + (file != null ? 1 : 0) + (env != null ? 1 : 0);
        if (given != 1) {
            throw new InvalidConfigurationException("smime.properties: set exactly one of " + STORE_PASSWORD_FILE + ", "
                + STORE_PASSWORD_ENV + " or " + STORE_PASSWORD + " (found " + given + ")");
        }
        if (inline != null) {
            return inline.toCharArray();
        }
        if (env != null) {
            String secret = environment.apply(env);
            if (secret == null) {
                throw new InvalidConfigurationException("smime.properties: " + STORE_PASSWORD_ENV + " names environment variable "
                    + env + ", which is not set; set it for the James process");
            }
            return secret.toCharArray();
        }
        return PasswordFile.firstLine(baseDirectory.resolve(file), STORE_PASSWORD_FILE);
    }

    private static List<Cidr> trustedNetworks(Map<String, String> properties) throws InvalidConfigurationException {
        List<Cidr> networks = new ArrayList<>();
        String value = value(properties, TRUSTED_NETWORKS);
        if (value == null) {
            return networks;
        }
        for (String item : value.split("[,\\s]+")) {
            if (item.isBlank()) {
                continue;
            }
            try {
                networks.add(Cidr.parse(item));
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationException("smime.properties: " + TRUSTED_NETWORKS + ": " + e.getMessage()
                    + "; list IP addresses or CIDR ranges such as 127.0.0.1/32, ::1");
            }
        }
        return networks;
    }

    private static Map<String, Set<String>> grants(Map<String, String> properties, Path baseDirectory) throws InvalidConfigurationException {
        String file = value(properties, GRANTS_FILE);
        return file == null ? Map.of() : GrantsFile.read(baseDirectory.resolve(file), GRANTS_FILE);
    }

    static Map<String, String> readProperties(Path file, String what) throws InvalidConfigurationException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new InvalidConfigurationException(what + ": cannot read " + file.toAbsolutePath() + " (" + e.getClass().getSimpleName() + ")");
        }
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> map.put(name, properties.getProperty(name)));
        return map;
    }

    public Path storeDirectory() {
        return storeDirectory;
    }

    /** A copy of the store password (never logged, not in {@link #toString()}). */
    public char[] storePassword() {
        return storePassword.clone();
    }

    public DigestAlgorithm digest() {
        return digest;
    }

    /** The signer these settings describe. */
    public SmimeSigner signer(Clock clock) {
        return new SmimeSigner(digest, clock, maxDepth, selfCheck, maxMessageSize, provider);
    }

    /** Whether entitled senders are signed unless they ask not to be, or only when they ask ({@value #SIGNING_MODE}). */
    public SigningMode mode() {
        return mode;
    }

    /** Where the key operations run ({@value #SIGNING_PROVIDER}), chosen when the settings were read. */
    public SignatureProvider provider() {
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
     * Which CRL distribution points and OCSP responders may be asked ({@value #REVOCATION_ALLOWED_HOSTS}): public addresses,
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

    /** How signer certificates' OCSP responders are asked ({@value #REVOCATION_OCSP} and its sub-keys). */
    public OcspChecker.Settings ocsp() {
        return ocsp;
    }

    private static OcspChecker.Settings ocsp(Map<String, String> properties) throws InvalidConfigurationException {
        OcspChecker.Unavailable unavailable;
        try {
            unavailable = OcspChecker.Unavailable.parse(properties.getOrDefault(REVOCATION_OCSP_UNAVAILABLE, "use"));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("smime.properties: " + REVOCATION_OCSP_UNAVAILABLE + ": " + e.getMessage());
        }
        long timeout = number(properties, REVOCATION_OCSP_TIMEOUT, 5, "seconds");
        if (timeout < 1 || timeout > 60) {
            throw new InvalidConfigurationException("smime.properties: " + REVOCATION_OCSP_TIMEOUT + " must be 1 to 60 seconds, not "
                + timeout);
        }
        return new OcspChecker.Settings(bool(properties, REVOCATION_OCSP, true), Duration.ofSeconds(timeout), unavailable);
    }

    /** How often the store is re-read to pick up new CRLs and OCSP answers (0: only when the store directory changes). */
    public Duration revocationRefresh() {
        return revocationRefresh;
    }

    /** The rules every certificate of the store must pass, with the trust anchors its chain must lead to. */
    public CertificateRules certificateRules() {
        return rules;
    }

    /** This node's name in the usage counts. */
    public String usageNode() {
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

    public SenderEntitlement entitlement() {
        return entitlement;
    }

    /** The settings without the password. */
    @Override
    public String toString() {
        return "SmimeConfiguration{store=" + storeDirectory + ", digest=" + digest.jcaName() + ", selfCheck=" + selfCheck + ", mode=" + mode + ", provider=" + provider
            + ", maxDepth=" + maxDepth + ", maxHeaderFields=" + maxHeaderFields + ", reload=" + reloadInterval + ", " + stateLocations
            + ", trust=" + rules + ", " + ocsp + ", revocation services at " + revocationAddresses + ", " + entitlement + pkcs11.map(settings -> ", " + settings).orElse("") + "}";
    }
}
