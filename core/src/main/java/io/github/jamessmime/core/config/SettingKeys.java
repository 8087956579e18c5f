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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.github.jamessmime.core.net.AddressPolicy;
import io.github.jamessmime.core.net.Cidr;
import io.github.jamessmime.core.policy.SigningMode;
import io.github.jamessmime.core.signing.DigestAlgorithm;
import io.github.jamessmime.core.signing.SignatureProvider;
import io.github.jamessmime.core.signing.SmimeSigner;
import io.github.jamessmime.core.store.OcspChecker;
import io.github.jamessmime.core.store.Pkcs11Token;

/**
 * Every key of {@code smime.properties}, each declared once with its default, parser, environment variable and
 * description: James ({@link SmimeConfiguration#parse}), the command line's {@code --config} and the README's table
 * (kept in step by a test) all go by this list.
 */
public final class SettingKeys {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*([KMG]?)i?B?", Pattern.CASE_INSENSITIVE);
    private static final List<Setting<?>> DECLARED = new ArrayList<>();

    public static final Setting<Path> STORE_DIRECTORY = declare("store.directory", null, "SMIME_STORE_DIRECTORY",
        "directory of the senders' PKCS#12 files, each opened with the store password", SettingKeys::path);
    public static final Setting<Path> STORE_PASSWORD_FILE = declare("store.password.file", null, "SMIME_STORE_PASSWORD_FILE",
        "file whose first line is the store password (read again at every store check)", SettingKeys::path);
    public static final Setting<String> STORE_PASSWORD_ENV = declare("store.password.env", null, null,
        "name of an environment variable holding the store password", SettingKeys::variableName);
    public static final Setting<String> STORE_PASSWORD = declare("store.password", null, null,
        "the store password itself (avoid); exactly one of the three password keys is set", (text, base) -> text);
    public static final Setting<Duration> STORE_RELOAD_INTERVAL = declare("store.reloadIntervalSeconds", "30",
        "SMIME_STORE_RELOAD_SECONDS", "how often the store directory and password are checked (0: read once)",
        (text, base) -> Duration.ofSeconds(number(text, "a number of seconds (0 turns reloading off)", 0, Long.MAX_VALUE)));
    public static final Setting<String> STORE_INDEX_FILE = declare("store.indexFile", null, "SMIME_STORE_INDEX_FILE",
        "the store's index of verdicts, relative to the store directory; none for no index", (text, base) -> text);
    public static final Setting<Path> STORE_TRUST_ANCHORS = declare("store.trustAnchors", null, "SMIME_TRUST_ANCHORS",
        "PEM file of the roots every sender certificate must chain to (default: the JDK's roots)", SettingKeys::path);
    public static final Setting<DigestAlgorithm> SIGNING_DIGEST = declare("signing.digest", "SHA-256", null,
        "SHA-256, SHA-384 or SHA-512", (text, base) -> DigestAlgorithm.parse(text));
    public static final Setting<SignatureProvider.Setting> SIGNING_PROVIDER = declare("signing.provider", "auto",
        "SMIME_SIGNING_PROVIDER", "where the key operations run: auto, native or jdk", (text, base) -> SignatureProvider.Setting.parse(text));
    public static final Setting<SigningMode> SIGNING_MODE = declare("signing.mode", "always", "SMIME_SIGNING_MODE",
        "always, or on-request (only mail saying X-Smime-Sign: yes)", (text, base) -> SigningMode.parse(text));
    public static final Setting<Boolean> SIGNING_HEADER_PROTECTION = declare("signing.headerProtection", "false",
        "SMIME_SIGNING_HEADER_PROTECTION", "also sign From, To, Cc, Reply-To, Subject, Date, Message-ID, In-Reply-To and References "
        + "(RFC 9788: copied into the signed part, marked hp=clear)", SettingKeys::bool);
    public static final Setting<Boolean> SIGNING_SMTP_UTF8 = declare("signing.smtpUtf8", "false", "SMIME_SIGNING_SMTPUTF8",
        "true when every way out of this James carries SMTPUTF8 mail: only then is mail whose From is written in UTF-8 (jörg@, @müller.example) signed",
        SettingKeys::bool);
    public static final Setting<Boolean> SIGNING_SELF_CHECK = declare("signing.selfCheck", "true", null,
        "verify every signed message as the verifiers read it before it replaces the original", SettingKeys::bool);
    public static final Setting<Long> SIGNING_MAX_MESSAGE_SIZE = declare("signing.maxMessageSize", "64M", null,
        "largest message body signed (K, M, G suffixes)", SettingKeys::size);
    public static final Setting<Integer> MIME_MAX_DEPTH = declare("mime.maxDepth", String.valueOf(SmimeSigner.DEFAULT_MAX_DEPTH), null,
        "how deep multiparts and attached messages may nest to be signed (1-" + SmimeSigner.MAX_DEPTH_LIMIT + ")",
        (text, base) -> (int) number(text, "a number of levels between 1 and " + SmimeSigner.MAX_DEPTH_LIMIT
            + " (BouncyCastle's verifier descends no deeper)", 1, SmimeSigner.MAX_DEPTH_LIMIT));
    public static final Setting<Integer> MIME_MAX_HEADER_FIELDS = declare("mime.maxHeaderFields", "1000", null,
        "most header fields a message may have to be signed (10-100000)",
        (text, base) -> (int) number(text, "a number of header fields between 10 and 100000", 10, 100_000));
    public static final Setting<Duration> HEALTH_EXPIRY_WARNING_DAYS = declare("health.expiryWarningDays", "30", null,
        "health turns degraded when a sender's certificate expires within this many days",
        (text, base) -> Duration.ofDays(number(text, "a number of days", 0, 100_000)));
    public static final Setting<Integer> HEALTH_FAILURE_RATE_PERCENT = declare("health.failureRatePercent", "5", null,
        "health turns degraded above this share of failed signatures (0-100)",
        (text, base) -> (int) number(text, "a percentage (0-100)", 0, 100));
    public static final Setting<Duration> HEALTH_FAILURE_WINDOW_MINUTES = declare("health.failureWindowMinutes", "10", null,
        "the window of the failure rate, in minutes (1-1440)",
        (text, base) -> Duration.ofMinutes(number(text, "a number of minutes (1-1440)", 1, 1440)));
    public static final Setting<Path> REVOCATION_CRL_DIRECTORY = declare("revocation.crlDirectory", null, null,
        "directory of CRL files the certificates are checked against", SettingKeys::path);
    public static final Setting<Boolean> REVOCATION_FETCH = declare("revocation.fetchDistributionPoints", "true", "SMIME_REVOCATION_FETCH",
        "fetch the CRLs of the certificates' distribution points", SettingKeys::bool);
    public static final Setting<Boolean> REVOCATION_OCSP = declare("revocation.ocsp", "true", "SMIME_REVOCATION_OCSP",
        "ask the certificates' OCSP responders", SettingKeys::bool);
    public static final Setting<Duration> REVOCATION_OCSP_TIMEOUT = declare("revocation.ocsp.timeoutSeconds", "5", null,
        "the longest an OCSP responder may take (1-60 seconds)",
        (text, base) -> Duration.ofSeconds(number(text, "a number of seconds from 1 to 60", 1, 60)));
    public static final Setting<OcspChecker.Unavailable> REVOCATION_OCSP_UNAVAILABLE = declare("revocation.ocsp.unavailable", "use", null,
        "use or refuse a certificate whose OCSP status cannot be learnt", (text, base) -> OcspChecker.Unavailable.parse(text));
    public static final Setting<AddressPolicy> REVOCATION_ALLOWED_HOSTS = declare("revocation.allowedHosts", null,
        "SMIME_REVOCATION_ALLOWED_HOSTS", "internal hosts of your CA's revocation services that may be asked (default: public addresses only)",
        SettingKeys::allowedHosts);
    public static final Setting<Duration> REVOCATION_REFRESH_MINUTES = declare("revocation.refreshMinutes", "60",
        "SMIME_REVOCATION_REFRESH_MINUTES", "how often CRLs and OCSP answers are applied again (0: only when the store changes)",
        (text, base) -> Duration.ofMinutes(number(text, "a number of minutes", 0, 525_600)));
    public static final Setting<String> USAGE_DIRECTORY = declare("usage.directory", null, "SMIME_USAGE_DIRECTORY",
        "where the signature counts go, relative to the store directory", (text, base) -> text);
    public static final Setting<String> USAGE_NODE = declare("usage.node", null, "SMIME_USAGE_NODE",
        "this node's name in the counts (default: the host name)", SettingKeys::nodeName);
    public static final Setting<List<Cidr>> TRUSTED_NETWORKS = declare("entitlement.trustedNetworks", null, null,
        "IPs/CIDRs whose unauthenticated clients may have mail signed for any address in the store", SettingKeys::networks);
    public static final Setting<Path> GRANTS_FILE = declare("entitlement.grants.file", null, "SMIME_GRANTS_FILE",
        "properties file smtpUser = address, @domain: extra addresses an SMTP user may sign as", SettingKeys::path);
    public static final Setting<Path> PKCS11_LIBRARY = declare("pkcs11.library", null, "SMIME_PKCS11_LIBRARY",
        "the PKCS#11 library of a token holding sender keys", SettingKeys::library);
    public static final Setting<String> PKCS11_NAME = declare("pkcs11.name", "token", "SMIME_PKCS11_NAME",
        "names the token's entries (pkcs11:<name>/<alias>)", (text, base) -> {
            Pkcs11Token.Settings.checkName(text);
            return text;
        });
    public static final Setting<Long> PKCS11_SLOT = declare("pkcs11.slot", null, "SMIME_PKCS11_SLOT", "the token's slot id",
        (text, base) -> {
            long slot = number(text, "a slot id", 0, Long.MAX_VALUE);
            Pkcs11Token.Settings.checkSlot(slot);
            return slot;
        });
    public static final Setting<Integer> PKCS11_SLOT_LIST_INDEX = declare("pkcs11.slotListIndex", null, "SMIME_PKCS11_SLOT_LIST_INDEX",
        "the token's position among the library's slots (default 0)",
        (text, base) -> (int) number(text, "a position in the slot list", 0, Integer.MAX_VALUE));
    public static final Setting<Path> PKCS11_PIN_FILE = declare("pkcs11.pin.file", null, "SMIME_PKCS11_PIN_FILE",
        "file whose first line is the token's user PIN", SettingKeys::path);
    public static final Setting<String> PKCS11_PIN_ENV = declare("pkcs11.pin.env", null, null,
        "name of an environment variable holding the token's user PIN", SettingKeys::variableName);

    /** Every key, in the order of the README's table. */
    public static final List<Setting<?>> ALL = List.copyOf(DECLARED);

    /** The name {@link #STORE_TRUST_ANCHORS} had when only import checked chains; still read, with a warning. */
    public static final Setting<Path> OLD_IMPORT_TRUST_STORE = new Setting<>("import.trustStore", Optional.empty(), Optional.empty(),
        "former name of store.trustAnchors", SettingKeys::path);

    private SettingKeys() {
    }

    private static <T> Setting<T> declare(String key, String defaultText, String environment, String description,
                                          Setting.Parser<T> parser) {
        Setting<T> setting = new Setting<>(key, Optional.ofNullable(defaultText), Optional.ofNullable(environment), description, parser);
        DECLARED.add(setting);
        return setting;
    }

    /** Whether {@code key} is declared (or is a former name still read). */
    static boolean known(String key) {
        return key.equals(OLD_IMPORT_TRUST_STORE.key()) || ALL.stream().anyMatch(setting -> setting.key().equals(key));
    }

    /**
     * The declared keys closest to a key nobody declared: a typo's likely meaning (at most a third of its letters
     * differ), nearest first; empty when none is close.
     */
    public static List<String> closestTo(String unknown) {
        String wanted = unknown.toLowerCase(Locale.ROOT);
        int limit = Math.max(2, wanted.length() / 3);
        return ALL.stream().map(Setting::key)
            .filter(key -> distance(wanted, key.toLowerCase(Locale.ROOT)) <= limit)
            .sorted(Comparator.comparingInt((String key) -> distance(wanted, key.toLowerCase(Locale.ROOT))).thenComparing(key -> key))
            .limit(3).collect(Collectors.toList());
    }

    /** Levenshtein distance: insertions, deletions and substitutions. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static Path path(String text, Path base) {
        return base.resolve(text).normalize();
    }

    private static Path library(String text, Path base) {
        Path library = base.resolve(text).normalize();
        Pkcs11Token.Settings.checkLibrary(library);
        return library;
    }

    private static String variableName(String text, Path base) {
        if (!text.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("'" + text + "' is not the name of an environment variable (letters, digits and '_')");
        }
        return text;
    }

    private static String nodeName(String text, Path base) {
        if (!text.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("'" + text + "' may only hold letters, digits, '.', '_' and '-'");
        }
        return text;
    }

    private static boolean bool(String text, Path base) {
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException("'" + text + "' must be true or false");
    }

    private static long number(String text, String what, long min, long max) {
        try {
            long number = Long.parseLong(text);
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("'" + text + "' is not " + what);
    }

    /** A size in bytes, with an optional K, M or G suffix (powers of 1024). */
    private static long size(String text, Path base) {
        Matcher matcher = SIZE.matcher(text);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size such as 64M or 1048576");
        }
        long number = Long.parseLong(matcher.group(1));
        switch (matcher.group(2).toUpperCase(Locale.ROOT)) {
            case "K": return number * 1024;
            case "M": return number * 1024 * 1024;
            case "G": return number * 1024 * 1024 * 1024;
            default: return number;
        }
    }

    private static AddressPolicy allowedHosts(String text, Path base) {
        try {
            return AddressPolicy.allowing(List.of(text.split("[,\\s]+")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "; give host names, IP addresses or CIDRs of the CA's own"
                + " revocation services, separated by commas", e);
        }
    }

    private static List<Cidr> networks(String text, Path base) {
        List<Cidr> networks = new ArrayList<>();
        for (String item : text.split("[,\\s]+")) {
            if (!item.isBlank()) {
                try {
                    networks.add(Cidr.parse(item));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(e.getMessage() + "; list IP addresses or CIDR ranges such as 127.0.0.1/32, ::1",
                        e);
                }
            }
        }
        return List.copyOf(networks);
    }
}
