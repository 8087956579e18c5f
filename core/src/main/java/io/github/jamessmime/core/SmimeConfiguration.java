package io.github.jamessmime.core;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    static final String DEFAULT_INDEX_FILE = ".james-smime-index";
    public static final String SIGNING_DIGEST = "signing.digest";
    public static final String SIGNING_SELF_CHECK = "signing.selfCheck";
    public static final String SIGNING_MAX_MESSAGE_SIZE = "signing.maxMessageSize";
    public static final String MIME_MAX_DEPTH = "mime.maxDepth";
    public static final String HEALTH_EXPIRY_WARNING_DAYS = "health.expiryWarningDays";
    public static final String HEALTH_FAILURE_RATE_PERCENT = "health.failureRatePercent";
    public static final String HEALTH_FAILURE_WINDOW_MINUTES = "health.failureWindowMinutes";
    public static final String STORE_TRUST_ANCHORS = "store.trustAnchors";
    /** The name {@link #STORE_TRUST_ANCHORS} had when only import checked chains; still read, with a warning. */
    static final String OLD_IMPORT_TRUST_STORE = "import.trustStore";
    public static final String REVOCATION_CRL_DIRECTORY = "revocation.crlDirectory";
    public static final String REVOCATION_FETCH = "revocation.fetchDistributionPoints";
    public static final String REVOCATION_REFRESH_MINUTES = "revocation.refreshMinutes";
    public static final String USAGE_DIRECTORY = "usage.directory";
    public static final String USAGE_NODE = "usage.node";
    static final String DEFAULT_USAGE_DIRECTORY = ".usage";
    static final long DEFAULT_EXPIRY_WARNING_DAYS = 30;
    public static final String TRUSTED_NETWORKS = "entitlement.trustedNetworks";
    public static final String GRANTS_FILE = "entitlement.grants.file";
    static final Set<String> KEYS = Set.of(STORE_DIRECTORY, STORE_PASSWORD, STORE_PASSWORD_FILE, STORE_PASSWORD_ENV,
        STORE_RELOAD_INTERVAL, STORE_INDEX_FILE, SIGNING_DIGEST, SIGNING_SELF_CHECK, SIGNING_MAX_MESSAGE_SIZE, MIME_MAX_DEPTH, HEALTH_EXPIRY_WARNING_DAYS, HEALTH_FAILURE_RATE_PERCENT, HEALTH_FAILURE_WINDOW_MINUTES, USAGE_DIRECTORY, USAGE_NODE, STORE_TRUST_ANCHORS, OLD_IMPORT_TRUST_STORE,
        REVOCATION_CRL_DIRECTORY, REVOCATION_FETCH, REVOCATION_REFRESH_MINUTES, TRUSTED_NETWORKS, GRANTS_FILE);
    static final long DEFAULT_RELOAD_SECONDS = 30;

    private final Path storeDirectory;
    private final char[] storePassword;
    private final DigestAlgorithm digest;
    private final boolean selfCheck;
    private long maxMessageSize = SmimeSigner.DEFAULT_MAX_MESSAGE_SIZE;
    private int failureRatePercent = 5;
    private Duration failureWindow = Duration.ofMinutes(10);
    private final int maxDepth;
    private final Duration reloadInterval;
    private final Optional<Path> indexFile;
    private final Duration expiryWarning;
    private final Path usageDirectory;
    private final String usageNode;
    private final CertificateRules rules;
    private final Optional<Path> crlDirectory;
    private final boolean fetchDistributionPoints;
    private final Duration revocationRefresh;
    private final SenderEntitlement entitlement;

    private SmimeConfiguration(Path storeDirectory, char[] storePassword, DigestAlgorithm digest, boolean selfCheck, int maxDepth,
                               Duration reloadInterval,
                               Optional<Path> indexFile, Duration expiryWarning, Path usageDirectory, String usageNode,
                               CertificateRules rules, Optional<Path> crlDirectory, boolean fetchDistributionPoints,
                               Duration revocationRefresh, SenderEntitlement entitlement) {
        this.storeDirectory = storeDirectory;
        this.crlDirectory = crlDirectory;
        this.fetchDistributionPoints = fetchDistributionPoints;
        this.revocationRefresh = revocationRefresh;
        this.rules = rules;
        this.usageDirectory = usageDirectory;
        this.usageNode = usageNode;
        this.expiryWarning = expiryWarning;
        this.indexFile = indexFile;
        this.storePassword = storePassword;
        this.digest = digest;
        this.selfCheck = selfCheck;
        this.maxDepth = maxDepth;
        this.reloadInterval = reloadInterval;
        this.entitlement = entitlement;
    }

    /**
     * @param properties the keys and values of smime.properties
     * @param baseDirectory relative paths are resolved against it (James's conf directory)
     * @param environment reads environment variables (System::getenv outside tests)
     */
    public static SmimeConfiguration parse(Map<String, String> properties, Path baseDirectory,
                                           Function<String, String> environment) throws ConfigurationException {
        Set<String> unknown = new TreeSet<>(properties.keySet());
        unknown.removeAll(KEYS);
        if (!unknown.isEmpty()) {
            throw new ConfigurationException("smime.properties: unknown key(s) " + unknown + "; known keys are " + new TreeSet<>(KEYS));
        }
        String directory = value(properties, STORE_DIRECTORY);
        if (directory == null) {
            throw new ConfigurationException("smime.properties: " + STORE_DIRECTORY
                + " is missing; set it to the directory holding the senders' PKCS#12 files");
        }
        Path storeDirectory = baseDirectory.resolve(directory).normalize();
        char[] password = password(properties, baseDirectory, environment);
        DigestAlgorithm digest;
        try {
            digest = DigestAlgorithm.parse(properties.getOrDefault(SIGNING_DIGEST, "SHA-256"));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("smime.properties: " + SIGNING_DIGEST + ": " + e.getMessage());
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
                throw new ConfigurationException("smime.properties: " + STORE_RELOAD_INTERVAL + " '" + reloadValue
                    + "' is not a number of seconds (0 turns reloading off)");
            }
        }
        String index = properties.getOrDefault(STORE_INDEX_FILE, DEFAULT_INDEX_FILE).trim();
        Optional<Path> indexFile = index.equalsIgnoreCase("none") || index.isEmpty()
            ? Optional.empty() : Optional.of(storeDirectory.resolve(index).normalize());
        Path usageDirectory = storeDirectory.resolve(properties.getOrDefault(USAGE_DIRECTORY, DEFAULT_USAGE_DIRECTORY).trim()).normalize();
        String usageNode = Optional.ofNullable(value(properties, USAGE_NODE)).orElseGet(SmimeConfiguration::hostName);
        if (!usageNode.matches("[A-Za-z0-9._-]+")) {
            throw new ConfigurationException("smime.properties: " + USAGE_NODE + " '" + usageNode
                + "' may only hold letters, digits, '.', '_' and '-'");
        }
        long maxDepth = number(properties, MIME_MAX_DEPTH, SmimeSigner.DEFAULT_MAX_DEPTH, "levels");
        if (maxDepth < 1 || maxDepth > Reserialiser.VERIFIER_MAX_DEPTH) {
            throw new ConfigurationException("smime.properties: " + MIME_MAX_DEPTH + " " + maxDepth + " must be between 1 and "
                + Reserialiser.VERIFIER_MAX_DEPTH + " (BouncyCastle's verifier descends no deeper)");
        }
        SmimeConfiguration configuration = new SmimeConfiguration(storeDirectory, password, digest, bool(properties, SIGNING_SELF_CHECK, true), (int) maxDepth,
            reload, indexFile, expiryWarning(properties),
            usageDirectory, usageNode, rules(properties, baseDirectory),
            Optional.ofNullable(value(properties, REVOCATION_CRL_DIRECTORY)).map(baseDirectory::resolve),
            bool(properties, REVOCATION_FETCH, true),
            Duration.ofMinutes(number(properties, REVOCATION_REFRESH_MINUTES, 60, "minutes")),
            new SenderEntitlement(trustedNetworks(properties), grants(properties, baseDirectory)));
        configuration.maxMessageSize = size(properties, SIGNING_MAX_MESSAGE_SIZE, SmimeSigner.DEFAULT_MAX_MESSAGE_SIZE);
        long percent = number(properties, HEALTH_FAILURE_RATE_PERCENT, 5, "percent");
        long window = number(properties, HEALTH_FAILURE_WINDOW_MINUTES, 10, "minutes");
        if (percent < 0 || percent > 100 || window < 1 || window > 1440) {
            throw new ConfigurationException("smime.properties: " + HEALTH_FAILURE_RATE_PERCENT + " must be 0-100 and "
                + HEALTH_FAILURE_WINDOW_MINUTES + " 1-1440 (got " + percent + " and " + window + ")");
        }
        configuration.failureRatePercent = (int) percent;
        configuration.failureWindow = Duration.ofMinutes(window);
        return configuration;
    }

    /** The certificate rules with the trust anchors of {@value #STORE_TRUST_ANCHORS} (the JDK's roots when empty). */
    private static CertificateRules rules(Map<String, String> properties, Path baseDirectory) throws ConfigurationException {
        String anchors = value(properties, STORE_TRUST_ANCHORS);
        String key = STORE_TRUST_ANCHORS;
        String old = value(properties, OLD_IMPORT_TRUST_STORE);
        if (old != null) {
            if (anchors != null) {
                throw new ConfigurationException("smime.properties: " + OLD_IMPORT_TRUST_STORE + " and " + STORE_TRUST_ANCHORS
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
            throw new ConfigurationException("smime.properties: " + key + ": " + e.getMessage());
        }
    }

    /** A size in bytes, with an optional K, M or G suffix (powers of 1024). */
    private static long size(Map<String, String> properties, String key, long defaultValue) throws ConfigurationException {
        String value = value(properties, key);
        if (value == null) {
            return defaultValue;
        }
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("(\\d{1,12})\\s*([KMG]?)i?B?", java.util.regex.Pattern.CASE_INSENSITIVE)
            .matcher(value);
        if (!matcher.matches()) {
            throw new ConfigurationException("smime.properties: " + key + " '" + value + "' is not a size such as 64M or 1048576");
        }
        long number = Long.parseLong(matcher.group(1));
        switch (matcher.group(2).toUpperCase(java.util.Locale.ROOT)) {
            case "K": return number * 1024;
            case "M": return number * 1024 * 1024;
            case "G": return number * 1024 * 1024 * 1024;
            default: return number;
        }
    }

    /** Reads a properties file such as conf/smime.properties. */
    public static SmimeConfiguration load(Path propertiesFile, Function<String, String> environment) throws ConfigurationException {
        return parse(readProperties(propertiesFile, "configuration"), propertiesFile.toAbsolutePath().getParent(), environment);
    }

    private static boolean bool(Map<String, String> properties, String key, boolean defaultValue) throws ConfigurationException {
        String value = value(properties, key);
        if (value == null) {
            return defaultValue;
        }
        if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(value);
        }
        throw new ConfigurationException("smime.properties: " + key + " '" + value + "' must be true or false");
    }

    private static long number(Map<String, String> properties, String key, long defaultValue, String unit) throws ConfigurationException {
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
            throw new ConfigurationException("smime.properties: " + key + " '" + value + "' is not a number of " + unit);
        }
    }

    /** This host's name, made safe as a file name: the default node name of the usage counts. */
    static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "_");
        } catch (java.net.UnknownHostException e) {
            return "node";
        }
    }

    private static Duration expiryWarning(Map<String, String> properties) throws ConfigurationException {
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
            throw new ConfigurationException("smime.properties: " + HEALTH_EXPIRY_WARNING_DAYS + " '" + value
                + "' is not a number of days");
        }
    }

    private static String value(Map<String, String> properties, String key) {
        String value = properties.get(key);
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static char[] password(Map<String, String> properties, Path baseDirectory, Function<String, String> environment)
        throws ConfigurationException {
        String inline = properties.get(STORE_PASSWORD);
        String file = value(properties, STORE_PASSWORD_FILE);
        String env = value(properties, STORE_PASSWORD_ENV);
        int given = (inline != null ? 1 : 0) + (file != null ? 1 : 0) + (env != null ? 1 : 0);
        if (given != 1) {
            throw new ConfigurationException("smime.properties: set exactly one of " + STORE_PASSWORD_FILE + ", "
                + STORE_PASSWORD_ENV + " or " + STORE_PASSWORD + " (found " + given + ")");
        }
        if (inline != null) {
            return inline.toCharArray();
        }
        if (env != null) {
            String secret = environment.apply(env);
            if (secret == null) {
                throw new ConfigurationException("smime.properties: " + STORE_PASSWORD_ENV + " names environment variable "
                    + env + ", which is not set; set it for the James process");
            }
            return secret.toCharArray();
        }
        return readPasswordFile(baseDirectory.resolve(file), STORE_PASSWORD_FILE);
    }

    /** The first line of a password file, without its line break. */
    public static char[] readPasswordFile(Path path, String what) throws ConfigurationException {
        try {
            String content = Files.readString(path, StandardCharsets.UTF_8);
            int end = content.indexOf('\n');
            String first = end < 0 ? content : content.substring(0, end);
            if (first.endsWith("\r")) {
                first = first.substring(0, first.length() - 1);
            }
            return first.toCharArray();
        } catch (IOException e) {
            throw new ConfigurationException(what + ": cannot read password file " + path.toAbsolutePath()
                + " (" + e.getClass().getSimpleName() + "); create it with the password on its first line");
        }
    }

    private static List<Cidr> trustedNetworks(Map<String, String> properties) throws ConfigurationException {
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
                throw new ConfigurationException("smime.properties: " + TRUSTED_NETWORKS + ": " + e.getMessage()
                    + "; list IP addresses or CIDR ranges such as 127.0.0.1/32, ::1");
            }
        }
        return networks;
    }

    private static Map<String, Set<String>> grants(Map<String, String> properties, Path baseDirectory) throws ConfigurationException {
        String file = value(properties, GRANTS_FILE);
        Map<String, Set<String>> grants = new HashMap<>();
        if (file == null) {
            return grants;
        }
        Map<String, String> entries = readProperties(baseDirectory.resolve(file), GRANTS_FILE);
        for (Map.Entry<String, String> entry : entries.entrySet()) {
            Set<String> granted = new LinkedHashSet<>();
            for (String item : entry.getValue().split("[,\\s]+")) {
                if (item.isBlank()) {
                    continue;
                }
                if (item.contains("*")) {
                    throw new ConfigurationException(GRANTS_FILE + ": '" + item + "' granted to " + entry.getKey()
                        + " is not a mail address: wildcards are not supported; write @shop.example for a whole domain");
                }
                if (item.startsWith("@")) {
                    String domain = item.substring(1).toLowerCase(java.util.Locale.ROOT);
                    if (domain.isEmpty() || domain.contains("@") || domain.contains("*")) {
                        throw new ConfigurationException(GRANTS_FILE + ": '" + item + "' granted to " + entry.getKey()
                            + " is not a domain; write @shop.example or a full address");
                    }
                    granted.add("@" + domain);
                } else {
                    granted.add(Addresses.normalize(item).orElseThrow(() -> new ConfigurationException(GRANTS_FILE + ": '"
                        + item + "' granted to " + entry.getKey() + " is not a mail address; write billing@shop.example or @shop.example")));
                }
            }
            grants.put(SenderEntitlement.normalizeUser(entry.getKey()), granted);
        }
        return grants;
    }

    private static Map<String, String> readProperties(Path file, String what) throws ConfigurationException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new ConfigurationException(what + ": cannot read " + file.toAbsolutePath() + " (" + e.getClass().getSimpleName() + ")");
        }
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> map.put(name, properties.getProperty(name)));
        return map;
    }

    public Path storeDirectory() {
        return storeDirectory;
    }

    char[] storePassword() {
        return storePassword.clone();
    }

    public DigestAlgorithm digest() {
        return digest;
    }

    /** The signer these settings describe. */
    public SmimeSigner signer(java.time.Clock clock) {
        return new SmimeSigner(digest, clock, maxDepth, selfCheck, maxMessageSize);
    }

    public Duration reloadInterval() {
        return reloadInterval;
    }

    /** Where the signature counts per sender and month are kept (relative to the store directory). */
    public Path usageDirectory() {
        return usageDirectory;
    }

    /** The checker of revoked signer certificates this configuration describes. */
    public RevocationChecker revocationChecker(java.time.Clock clock) {
        return new RevocationChecker(crlDirectory, fetchDistributionPoints, Duration.ofSeconds(5), clock);
    }

    /** How often the store is re-read to pick up new CRLs (0: only when the store directory changes). */
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

    /** Where the store keeps its index (relative to the store directory), or empty for none. */
    public Optional<Path> indexFile() {
        return indexFile;
    }

    public SenderEntitlement entitlement() {
        return entitlement;
    }

    /** The settings without the password. */
    @Override
    public String toString() {
        return "SmimeConfiguration{store=" + storeDirectory + ", digest=" + digest.jcaName() + ", selfCheck=" + selfCheck
            + ", maxDepth=" + maxDepth + ", reload=" + reloadInterval
            + ", trust=" + rules + ", " + entitlement + "}";
    }
}
