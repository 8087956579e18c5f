package io.github.jamessmime.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.mail.MessagingException;
import javax.mail.internet.AddressException;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the matcher, the mailet and the CLI share: the store, the signer and the entitlement policy, and
 * the one decision of whether a message gets signed. One instance per James server.
 */
public final class SmimeSigningService implements AutoCloseable {
    private static final Logger LOGGER = LoggerFactory.getLogger(SmimeSigningService.class);
    /** One line per signature, for the operator's log shipping: no secret in it. */
    public static final String AUDIT_LOGGER = "io.github.jamessmime.audit";
    private static final Logger AUDIT = LoggerFactory.getLogger(AUDIT_LOGGER);
    static final long USAGE_FLUSH_SECONDS = 10;

    private final CertificateStore store;
    private final SmimeSigner signer;
    private final SenderEntitlement entitlement;
    private final ScheduledExecutorService reloader;
    private final Clock clock;
    private final java.util.function.Consumer<String> audit;
    private final java.time.Duration expiryWarning;
    private final UsageCounter usage;
    private final java.util.concurrent.atomic.AtomicLong selfCheckFailures = new java.util.concurrent.atomic.AtomicLong();
    private final FailureRate failureRate;

    SmimeSigningService(CertificateStore store, SmimeSigner signer, SenderEntitlement entitlement, ScheduledExecutorService reloader,
                        Clock clock, java.util.function.Consumer<String> audit, java.time.Duration expiryWarning, UsageCounter usage,
                        FailureRate failureRate) {
        this.clock = clock;
        this.failureRate = failureRate;
        this.usage = usage;
        this.expiryWarning = expiryWarning;
        this.audit = audit;
        this.store = store;
        this.signer = signer;
        this.entitlement = entitlement;
        this.reloader = reloader;
    }

    /** Opens the store and, unless the interval is 0, watches its directory for changes. */
    public static SmimeSigningService start(SmimeConfiguration configuration, Clock clock) throws StoreException {
        CertificateStore store = CertificateStore.open(configuration.storeDirectory(), configuration.storePassword(), clock,
            configuration.indexFile(), configuration.revocationChecker(clock), configuration.certificateRules());
        ScheduledExecutorService reloader = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "smime-store-maintenance");
            thread.setDaemon(true);
            return thread;
        });
        long seconds = configuration.reloadInterval().getSeconds();
        if (seconds > 0) {
            DirectoryWatch watch = new DirectoryWatch(store);
            reloader.scheduleWithFixedDelay(watch::reloadIfChanged, seconds, seconds, TimeUnit.SECONDS);
        }
        long refresh = configuration.revocationRefresh().toMinutes();
        if (refresh > 0) {
            reloader.scheduleWithFixedDelay(() -> {
                try {
                    store.reload();
                } catch (StoreException | RuntimeException e) {
                    LOGGER.warn("S/MIME certificate store refresh for revocation failed: {}", e.getMessage());
                }
            }, refresh, refresh, TimeUnit.MINUTES);
        }
        UsageCounter usage = new UsageCounter(configuration.usageDirectory(), configuration.usageNode(), clock);
        reloader.scheduleWithFixedDelay(usage::flush, USAGE_FLUSH_SECONDS, USAGE_FLUSH_SECONDS, TimeUnit.SECONDS);
        // James does not close extension services when it stops: write the last counts when the JVM exits
        Runtime.getRuntime().addShutdownHook(new Thread(usage::flush, "smime-usage-flush"));
        LOGGER.info("S/MIME signing started: {}", configuration);
        return new SmimeSigningService(store, configuration.signer(clock), configuration.entitlement(), reloader,
            clock, AUDIT::info, configuration.expiryWarning(), usage,
            new FailureRate(clock, configuration.failureWindow(), configuration.failureRatePercent()));
    }

    public CertificateStore store() {
        return store;
    }

    public SmimeSigner signer() {
        return signer;
    }

    /**
     * Decides whether {@code message} is signed: one From address, not yet signed, a usable certificate for
     * the address, and a submitter entitled to it.
     */
    public Eligibility check(MimeMessage message, Optional<String> authenticatedUser, Optional<String> remoteAddress)
        throws MessagingException {
        Optional<String> from;
        try {
            from = singleFromAddress(message);
        } catch (AddressException e) {
            return Eligibility.refused(Eligibility.Status.NO_SINGLE_FROM, Optional.empty(), "malformed From header: " + e.getMessage());
        }
        if (from.isEmpty()) {
            return Eligibility.refused(Eligibility.Status.NO_SINGLE_FROM, from, "the From header does not hold exactly one address");
        }
        if (SmimeSigner.isSignedOrEncrypted(message)) {
            return Eligibility.refused(Eligibility.Status.ALREADY_SIGNED, from, "already signed or encrypted");
        }
        Optional<SigningIdentity> identity = store.find(from.get());
        if (identity.isEmpty()) {
            return Eligibility.refused(Eligibility.Status.NO_CERTIFICATE, from, "no usable certificate for " + from.get());
        }
        SenderEntitlement.Decision decision = entitlement.check(authenticatedUser, remoteAddress, from.get());
        if (!decision.entitled()) {
            return Eligibility.refused(Eligibility.Status.NOT_ENTITLED, from, decision.reason());
        }
        return Eligibility.eligible(from.get(), identity.get(), decision.reason());
    }

    /**
     * Whether the submitter owns the From address of {@code message}, by the same entitlement policy as signing, but
     * whatever the store holds: what gates a DKIM signature of the operator's domain. With {@code domains} not empty,
     * the From address must also be in one of them.
     */
    public SenderEntitlement.Decision ownsFrom(MimeMessage message, Optional<String> authenticatedUser, Optional<String> remoteAddress,
                                               java.util.Set<String> domains) throws MessagingException {
        Optional<String> from;
        try {
            from = singleFromAddress(message);
        } catch (AddressException e) {
            return SenderEntitlement.Decision.refused("malformed From header: " + e.getMessage());
        }
        if (from.isEmpty()) {
            return SenderEntitlement.Decision.refused("the From header does not hold exactly one address");
        }
        if (!domains.isEmpty() && !domains.contains(Addresses.domainOf(from.get()))) {
            return SenderEntitlement.Decision.refused("From address " + from.get() + " is not in " + domains);
        }
        SenderEntitlement.Decision decision = entitlement.check(authenticatedUser, remoteAddress, from.get());
        return decision.entitled() ? decision : SenderEntitlement.Decision.refused(decision.reason() + " (From " + from.get() + ")");
    }

    /**
     * Imports a PKCS#12 (given as bytes with its own password) into the store with {@link CertificateImport}'s checks,
     * then reloads the store so that this node uses it at once (others at their next directory check).
     */
    public List<Path> importCertificate(byte[] p12, char[] p12Password) throws StoreException {
        CertificateImport importer = new CertificateImport(store.rules());
        List<Path> written = new ArrayList<>(importer.importAll(store.directory(), store.password(), p12, p12Password, clock.instant()).keySet());
        store.reload();
        return written;
    }

    /** Deletes the store file holding the certificate with this SHA-256, and reloads. False when there is none. */
    public boolean deleteCertificate(String sha256) throws StoreException {
        return store.delete(sha256).isPresent();
    }

    /** The store's health now (see {@link StoreHealth}). */
    public StoreHealth health() {
        StoreHealth health = StoreHealth.evaluate(store, clock.instant(), expiryWarning);
        return failureRate.problem().map(health::degradedBy).orElse(health);
    }

    /** Signs, and writes the audit line of the signature. */
    public MimeMessage sign(MimeMessage message, SigningIdentity identity) throws SigningException {
        return sign(message, identity, sender(message, identity));
    }

    /** Signs a message {@link #check} found eligible, as its From address (no second parse of the header). */
    public MimeMessage sign(MimeMessage message, Eligibility eligibility) throws SigningException {
        if (!eligibility.isEligible()) {
            throw new IllegalArgumentException("not eligible: " + eligibility);
        }
        return sign(message, eligibility.identity().orElseThrow(), eligibility.fromAddress().orElseThrow());
    }

    private MimeMessage sign(MimeMessage message, SigningIdentity identity, String sender) throws SigningException {
        MimeMessage signed;
        try {
            signed = signer.sign(message, identity);
            usage.count(sender);
        } catch (SelfCheckException e) {
            selfCheckFailures.incrementAndGet();
            failureRate.record(true);
            throw e;
        } catch (SigningException | RuntimeException e) {
            failureRate.record(true);
            throw e;
        }
        failureRate.record(false);
        audit.accept(auditLine(message, sender, identity));
        return signed;
    }

    /** The From address the message is signed as (the certificate's first address if the header is odd). */
    private static String sender(MimeMessage message, SigningIdentity identity) {
        try {
            return singleFromAddress(message).orElse(identity.addresses().iterator().next());
        } catch (MessagingException e) {
            return identity.addresses().iterator().next();
        }
    }

    /** How many signed messages failed the self-check since start (each was left unsigned or held). */
    public long selfCheckFailures() {
        return selfCheckFailures.get();
    }

    /** Signatures per sender address in {@code month}, over every node sharing the store. */
    public java.util.Map<String, Long> usage(java.time.YearMonth month) {
        return usage.usage(month);
    }

    /**
     * {@code smime-signature time=... messageId="..." sender=... certificateSha256=... serial=... digest=...}; values
     * that could hold spaces are quoted.
     */
    private String auditLine(MimeMessage message, String sender, SigningIdentity identity) {
        String messageId;
        try {
            messageId = message.getMessageID();
        } catch (MessagingException e) {
            messageId = null;
        }
        return "smime-signature time=" + clock.instant()
            + " messageId=\"" + (messageId == null ? "" : messageId.replace("\"", "'").replaceAll("[\\r\\n]", "")) + "\""
            + " sender=" + sender
            + " certificateSha256=" + identity.fingerprint()
            + " serial=" + identity.certificate().getSerialNumber().toString(16)
            + " digest=" + signer.digest().jcaName();
    }

    /** The address of the From header when there is exactly one header with exactly one address. */
    public static Optional<String> singleFromAddress(MimeMessage message) throws MessagingException {
        String[] headers = message.getHeader("From");
        if (headers == null || headers.length != 1) {
            return Optional.empty();
        }
        InternetAddress[] addresses = InternetAddress.parseHeader(headers[0], false);
        if (addresses.length != 1 || addresses[0].isGroup()) {
            return Optional.empty();
        }
        return Addresses.normalize(addresses[0].getAddress());
    }

    @Override
    public void close() {
        if (reloader != null) {
            reloader.shutdownNow();
        }
        usage.flush();
    }

    /** Reloads the store when the set of files, their sizes or their modification times change. */
    static final class DirectoryWatch {
        private final CertificateStore store;
        private List<String> lastState;

        DirectoryWatch(CertificateStore store) {
            this.store = store;
            this.lastState = state(store.directory());
        }

        void reloadIfChanged() {
            try {
                List<String> current = state(store.directory());
                if (!current.equals(lastState)) {
                    store.reload();
                    lastState = current;
                }
            } catch (StoreException | RuntimeException e) {
                LOGGER.warn("S/MIME certificate store reload failed, keeping the previous certificates: {}", e.getMessage());
            }
        }

        static List<String> state(Path directory) {
            List<String> state = new ArrayList<>();
            try {
                for (Path file : CertificateStore.listFiles(directory)) {
                    state.add(file.getFileName() + ":" + Files.size(file) + ":" + Files.getLastModifiedTime(file).toMillis());
                }
            } catch (StoreException | IOException e) {
                state.add("error:" + e.getMessage());
            }
            return state;
        }
    }
}
