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
package io.github.jamessmime.core.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.jamessmime.core.address.Addresses;
import io.github.jamessmime.core.failure.FailureKind;

/**
 * The sender certificates: a directory of PKCS#12 files (.p12, .pfx) that all open with one store password.
 * Every usable certificate is indexed under each rfc822Name of its SubjectAltName. Files that break a rule
 * are left out, each with one log line naming the file and the reason; they never stop the other files.
 *
 * <p>Lookups read an immutable snapshot (a hash map), so they are constant-time and need no lock;
 * {@link #reload()} builds a new snapshot and swaps it in, without waiting on the network: revocation answers it lacks
 * are fetched in the background ({@link #fetchRevocation()}) and used by the load after them.
 */
public final class CertificateStore {
    /** Real PKCS#12 files of a key and its chain take a few KB; anything larger than this is not read. */
    static final long MAX_FILE_BYTES = 4L * 1024 * 1024;
    /** The longest James's start waits for the first revocation answers. */
    static final Duration START_WAIT = Duration.ofSeconds(15);
    /** Revocation fetches of every store, in the background (at most one per store at a time). */
    private static final ExecutorService REVOCATION_FETCHES = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "smime-revocation-fetch");
        thread.setDaemon(true);
        return thread;
    });
    private static final Logger LOGGER = LoggerFactory.getLogger(CertificateStore.class);
    private static final Comparator<SigningIdentity> LATEST_EXPIRY_FIRST =
        Comparator.comparing(SigningIdentity::notAfter).reversed();

    private final Path directory;
    private final StorePassword passwordSource;
    /** The password the store was last loaded with. */
    private volatile char[] password;
    private final Clock clock;
    private final Optional<Path> indexFile;
    private final AtomicBoolean revocationFetchScheduled = new AtomicBoolean();
    /** Refusals that cost a decryption and are not in the index (wrong password), by content hash: each file costs once. */
    private volatile Map<String, Refusal> refusedContent = Map.of();
    /** Files opened with the store password since the store was opened (what a reload costs). */
    private final AtomicLong decryptions = new AtomicLong();
    private final RevocationChecker revocation;
    private final CertificateRules rules;
    private final Optional<TokenEntries> token;
    private final AtomicReference<Snapshot> snapshot = new AtomicReference<>(Snapshot.EMPTY);
    private volatile Map<String, StoreIndex.IndexedFile> index;
    private volatile boolean foreignIndex;
    private volatile boolean passwordMismatch;
    /** How many files the last load found when the password opened none of them. */
    private volatile int passwordMismatchFiles;
    /** Whether the last load may write the index: its password opened a file, or there is none and no other password's index. */
    private volatile boolean indexWritable;

    private CertificateStore(Path directory, StorePassword password, Clock clock, Optional<Path> indexFile, RevocationChecker revocation,
                             CertificateRules rules, Optional<Pkcs11Token> token) throws StoreException {
        this.directory = directory;
        this.token = token.map(t -> new TokenEntries(t, rules, revocation));
        this.revocation = revocation;
        this.rules = rules;
        this.passwordSource = password;
        this.password = password.current();
        this.clock = clock;
        this.indexFile = indexFile;
        char[] opening = this.password;
        StoreIndex.Contents contents = indexFile.map(file -> StoreIndex.read(file, opening, rules.fingerprint()))
            .orElse(StoreIndex.Contents.NONE);
        this.index = contents.entries;
        this.foreignIndex = contents.foreign;
    }

    /**
     * Opens the store and loads it once; a missing directory is a configuration error. With an index file,
     * files whose content is unchanged since they were indexed are not decrypted at load: their keys are
     * decrypted on first use. Certificates that {@code revocation} finds revoked are not used; every file must pass
     * {@code rules}. The one way to open a store: whoever opens one says which index, revocation and rules apply
     * ({@code Optional.empty()} and {@link RevocationChecker#none()} only where that is meant).
     */
    public static CertificateStore open(Path directory, char[] password, Clock clock, Optional<Path> indexFile,
                                        RevocationChecker revocation, CertificateRules rules) throws StoreException {
        return open(directory, password, clock, indexFile, revocation, rules, Optional.empty());
    }

    /**
     * As {@link #open(Path, char[], Clock, Optional, RevocationChecker, CertificateRules)}, with the key entries of a PKCS#11
     * token besides the files: they pass the same rules and are re-listed at every reload. A token that cannot be opened
     * does not stop the store: {@link #tokenProblem()} says why, and the identities it held at its last listing (from the
     * store index) stay, with keys that cannot sign, so that their senders' mail follows the failure policy.
     */
    public static CertificateStore open(Path directory, char[] password, Clock clock, Optional<Path> indexFile,
                                        RevocationChecker revocation, CertificateRules rules, Optional<Pkcs11Token> token)
        throws StoreException {
        return open(directory, StorePassword.fixed(password, "store.password"), clock, indexFile, revocation, rules, token);
    }

    /**
     * As {@link #open(Path, char[], Clock, Optional, RevocationChecker, CertificateRules, Optional)}, with the password read
     * from {@code password} again at every load: a corrected password file is taken up by the next store check.
     */
    public static CertificateStore open(Path directory, StorePassword password, Clock clock, Optional<Path> indexFile,
                                        RevocationChecker revocation, CertificateRules rules, Optional<Pkcs11Token> token)
        throws StoreException {
        if (!Files.isDirectory(directory)) {
            throw new StoreException(FailureKind.CONFIGURATION, "certificate store directory " + directory.toAbsolutePath()
                + " does not exist or is not a directory; create it or fix store.directory");
        }
        CertificateStore store = new CertificateStore(directory, password, clock, indexFile, revocation, rules, token);
        store.load();
        // the first answers before the first mail, several at once, each within its deadline; what takes longer than
        // START_WAIT in all is applied by a load when it arrives
        store.fetchRevocation(START_WAIT);
        return store;
    }

    public CertificateRules rules() {
        return rules;
    }

    /** How many files were opened with the store password since the store was opened (unchanged files are not). */
    long decryptions() {
        return decryptions.get();
    }

    /**
     * True when the last load found an index written under another store password and opened none of the files with
     * this one: the password given to this node is wrong (the index is then left as it is for the other nodes).
     */
    public boolean passwordMismatch() {
        return passwordMismatch;
    }

    /**
     * Why nothing of the store can be used, when the store password opens none of its files (nor its index): one line naming
     * the setting, for the health check, unsigned mail and the CLI instead of one "wrong password" per file.
     */
    public Optional<String> passwordProblem() {
        if (!passwordMismatch) {
            return Optional.empty();
        }
        return Optional.of("the store password (" + passwordSource.origin() + ") opens none of the " + passwordMismatchFiles
            + " certificate files" + (foreignIndex ? " nor the store index" : "") + "; correct it (store.password.file,"
            + " store.password.env or store.password): it is read again at the next store check, no restart needed");
    }

    /** Whether the store password's source gives another password than the last load used (a corrected file). */
    public boolean passwordChanged() {
        try {
            return !Arrays.equals(passwordSource.current(), password);
        } catch (StoreException e) {
            // the next load says why
            return true;
        }
    }

    /**
     * Reads the password again; a changed one starts afresh: the index and the refusals remembered under the old one no
     * longer count.
     */
    private void takeUpPassword() throws StoreException {
        char[] current = passwordSource.current();
        if (Arrays.equals(current, password)) {
            return;
        }
        password = current;
        refusedContent = Map.of();
        StoreIndex.Contents contents = indexFile.map(file -> StoreIndex.read(file, current, rules.fingerprint()))
            .orElse(StoreIndex.Contents.NONE);
        index = contents.entries;
        foreignIndex = contents.foreign;
        LOGGER.info("S/MIME certificate store {}: the store password ({}) changed; the files are read again with it", directory,
            passwordSource.origin());
    }

    public Path directory() {
        return directory;
    }

    /** The keys made in this store for certificates on their way (its {@value PendingKeys#DIRECTORY} directory). */
    public PendingKeys pendingKeys() {
        return new PendingKeys(directory, () -> password.clone());
    }

    /** Where keys are made in the PKCS#11 token and their certificates put, when the store has a token. */
    public Optional<TokenEnrolment> tokenEnrolment() {
        return token.map(t -> new TokenEnrolment(t.token()));
    }

    /**
     * The addresses with a pending request: a pending key in the store, or a key in the token awaiting its certificate
     * (as the last load found it). Nothing is decrypted.
     */
    public Set<String> pendingAddresses() {
        Set<String> addresses = new TreeSet<>(pendingKeys().addresses());
        reports().stream().map(FileReport::refusedAs).flatMap(Optional::stream)
            .filter(refusal -> refusal.kind() == FailureKind.PENDING).forEach(refusal -> addresses.addAll(refusal.addresses()));
        return addresses;
    }

    /**
     * Installs the CA's certificate for a pending key of the store (for {@code address}'s when given; see {@link
     * CertificateInstallation}) and reloads, so that this node uses it at once, or from its notBefore on.
     */
    public CertificateInstallation.Installed install(List<X509Certificate> certificates, Optional<String> address) throws StoreException {
        CertificateInstallation.Installed installed = new CertificateInstallation(directory, () -> password.clone(), rules, pendingKeys())
            .install(certificates, address, clock.instant());
        reload();
        return installed;
    }

    /** Why the PKCS#11 token could not be listed at the last load, if it could not. */
    public Optional<String> tokenProblem() {
        return snapshot.get().tokenProblem;
    }

    /**
     * Checks {@code p12} (opened with its own password) by the store's rules, writes it into the store under the store
     * password and reloads, so that this node uses it at once (nodes sharing the directory at their next check).
     * Gives each written file with the identity written into it; writes nothing when any entry is refused.
     */
    public Map<Path, SigningIdentity> importCertificate(byte[] p12, char[] p12Password) throws StoreException {
        Map<Path, SigningIdentity> written = new CertificateImport(rules).importAll(directory, password, p12, p12Password, clock.instant());
        reload();
        return written;
    }

    /**
     * The identity to sign as {@code address} now: among the certificates naming it that are valid at this
     * instant, the one that expires last. A certificate that is not yet valid becomes usable at its
     * notBefore without a reload.
     */
    public Optional<SigningIdentity> find(String address) {
        Optional<String> normalized = Addresses.normalize(address);
        if (normalized.isEmpty()) {
            return Optional.empty();
        }
        List<SigningIdentity> candidates = snapshot.get().byAddress.get(normalized.get());
        if (candidates == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        for (SigningIdentity candidate : candidates) {
            if (candidate.isValidAt(now)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * Why {@link #find} gives nothing for {@code address}: the store's wrong password, a refused file naming it (with its
     * kind and reason), a certificate not valid yet, or no certificate naming it at all.
     */
    public String whyNoCertificate(String address) {
        Optional<String> passwordProblem = passwordProblem();
        if (passwordProblem.isPresent()) {
            return passwordProblem.get();
        }
        String normalized = Addresses.normalize(address).orElse(address);
        List<FileReport> concerning = reports().stream().filter(report -> report.concerns(normalized)).collect(Collectors.toList());
        Optional<FileReport> refused = concerning.stream().filter(report -> report.refusedAs().isPresent()).findFirst();
        if (refused.isPresent()) {
            Refusal refusal = refused.get().refusedAs().get();
            return refused.get().name() + " is refused (" + refusal.code() + "): " + refusal.reason();
        }
        if (!concerning.isEmpty()) {
            return "its certificate is not valid yet or no longer valid (" + concerning.get(0).name() + ")";
        }
        return "no file of the store names it";
    }

    /**
     * The identity this store holds (usable, expired or revoked alike) whose certificate {@code signer} accepts (a
     * SignerInfo's identifier, say), if it holds one.
     */
    public Optional<SigningIdentity> holdingSigner(Predicate<X509Certificate> signer) {
        return snapshot.get().reports.stream().flatMap(report -> report.allIdentities().stream())
            .filter(identity -> signer.test(identity.certificate())).findFirst();
    }

    /** How many sender addresses have a certificate usable now. */
    public long usableSenders() {
        Instant now = clock.instant();
        return snapshot.get().byAddress.values().stream()
            .filter(identities -> identities.stream().anyMatch(identity -> identity.isValidAt(now))).count();
    }

    /**
     * Removes the file holding the certificate with this SHA-256 (hex, any case) and reloads; gives the file removed,
     * or empty when no file holds it.
     */
    public Optional<Path> delete(String sha256) throws StoreException {
        for (FileReport report : reports()) {
            if (report.allIdentities().stream().anyMatch(identity -> identity.fingerprint().equalsIgnoreCase(sha256))) {
                if (report.path().isEmpty()) {
                    throw new StoreException(FailureKind.HELD_IN_TOKEN, "the certificate with SHA-256 " + sha256 + " is held in " + report.name()
                        + ", not in a store file; remove it with the token's own tools");
                }
                try {
                    Files.deleteIfExists(report.path().get());
                } catch (IOException e) {
                    throw new StoreException(FailureKind.IO, "cannot delete " + report.path().get() + " (" + e.getMessage() + ")", e);
                }
                reload();
                return report.path();
            }
        }
        return Optional.empty();
    }

    /** What the last load found, one entry per file, in file-name order. */
    public List<FileReport> reports() {
        return snapshot.get().reports;
    }

    /**
     * Re-reads the directory and swaps in the new index. A file whose content is unchanged since the last
     * load (same SHA-256) keeps its verdict and its identities; only new and changed files are decrypted.
     */
    public List<FileReport> reload() throws StoreException {
        List<FileReport> reports = load();
        if (revocation.hasPending()) {
            requestRevocationFetch();
        }
        return reports;
    }

    /**
     * Fetches the CRLs and asks the OCSP questions the loads left, then loads again when anything arrived. Never holds the
     * store's lock while waiting on the network: imports, deletes and reloads go on meanwhile.
     */
    public void fetchRevocation() {
        if (revocation.fetchPending().join()) {
            reloadAfterAnswers();
        }
    }

    /** {@link #fetchRevocation()}, waiting at most {@code wait}: answers that come later are applied when they come. */
    void fetchRevocation(Duration wait) {
        CompletableFuture<Boolean> learnt = revocation.fetchPending();
        try {
            if (learnt.get(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                reloadAfterAnswers();
            }
        } catch (TimeoutException e) {
            LOGGER.info("S/MIME certificate store {}: revocation answers still outstanding after {} s; they apply when they come",
                directory, wait.toSeconds());
            learnt.thenAccept(any -> {
                if (any) {
                    reloadAfterAnswers();
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOGGER.warn("S/MIME revocation fetch failed unexpectedly: {}", e.getCause().toString());
        }
    }

    private void reloadAfterAnswers() {
        try {
            reload();
        } catch (StoreException | RuntimeException e) {
            LOGGER.warn("S/MIME certificate store reload after revocation answers failed, keeping the previous certificates: {}",
                e.getMessage());
        }
    }

    /** {@link #fetchRevocation()} in the background, once at a time. */
    private void requestRevocationFetch() {
        if (revocationFetchScheduled.compareAndSet(false, true)) {
            REVOCATION_FETCHES.execute(() -> {
                revocationFetchScheduled.set(false);
                try {
                    fetchRevocation();
                } catch (RuntimeException | Error e) {
                    LOGGER.error("S/MIME revocation fetch failed unexpectedly", e);
                }
            });
        }
    }

    /** Reads the directory and publishes what it holds, with the revocation answers known now (no network). */
    private synchronized List<FileReport> load() throws StoreException {
        takeUpPassword();
        List<Path> files = listFiles(directory);
        Instant now = clock.instant();
        revocation.refreshDirectory();
        Map<String, StoreIndex.IndexedFile> previous = index;
        Path realDirectory = realDirectory();
        List<Loaded> loaded = files.parallelStream()
            .map(file -> readOne(file, realDirectory, previous.get(file.getFileName().toString()), now))
            .collect(Collectors.toList());
        Map<String, StoreIndex.IndexedFile> current = new HashMap<>();
        List<FileReport> fileReports = new ArrayList<>();
        Map<String, FileReport> before = snapshot.get().fileReports.stream()
            .collect(Collectors.toMap(FileReport::name, report -> report, (a, b) -> a));
        Map<String, Refusal> refusedNow = new HashMap<>();
        boolean anyOpened = loaded.stream().anyMatch(item -> item.opened);
        boolean anyWrongPassword = loaded.stream()
            .anyMatch(item -> item.report.refusedAs().map(refusal -> refusal.kind() == FailureKind.WRONG_PASSWORD).orElse(false));
        boolean wasMismatch = passwordMismatch;
        // the store's password, not a file, is wrong: one line for the store instead of one per file
        passwordMismatch = !loaded.isEmpty() && !anyOpened && (foreignIndex || anyWrongPassword);
        passwordMismatchFiles = loaded.size();
        for (Loaded item : loaded) {
            FileReport report = item.unreadable ? keptIfGoodBefore(item.report, before.get(item.report.name()), now) : item.report;
            if (!passwordMismatch) {
                logIfNew(report, before.get(report.name()));
            }
            item.rememberedRefusal.ifPresent(refusal -> refusedNow.put(refusal.getKey(), refusal.getValue()));
            fileReports.add(report);
            if (item.indexed != null) {
                current.put(item.report.name(), item.indexed);
            }
        }
        TokenEntries.Load tokenLoad = token.map(t -> t.read(previous.get(t.indexKey()), now)).orElse(TokenEntries.Load.NONE);
        // a password that opens no file has nothing true to write down (and would seal the index with itself)
        indexWritable = anyOpened || (loaded.isEmpty() && !foreignIndex);
        if (passwordMismatch && !wasMismatch) {
            LOGGER.error("S/MIME certificate store {}: {}; the store index is left as it is", directory, passwordProblem().orElseThrow());
        } else if (wasMismatch && !passwordMismatch) {
            LOGGER.info("S/MIME certificate store {}: the store password opens the files again", directory);
        }
        refusedContent = Map.copyOf(refusedNow);
        Snapshot published = publish(fileReports, tokenLoad, current, previous);
        logSummary(published);
        return published.reports;
    }

    /**
     * One line for a file refused, or kept despite a problem, when that is new since the last load: a store of many bad
     * files logs each once, and every load one summary line.
     */
    private static void logIfNew(FileReport report, FileReport before) {
        Optional<String> line = report.refusal().map(reason -> "refused: " + reason).or(report::problem);
        Optional<String> lineBefore = before == null ? Optional.empty()
            : before.refusal().map(reason -> "refused: " + reason).or(before::problem);
        if (line.isPresent() && !line.equals(lineBefore)) {
            LOGGER.warn("S/MIME certificate file {} {}", report.path().map(Object::toString).orElse(report.name()), line.get());
        }
    }

    /**
     * A file that was usable and now cannot be read (truncated, empty, half written, under another password): its
     * certificates stay in use, with the problem named, until the file can be read or is removed, as long as their
     * keys are in memory. A file removed, or refused for what its certificate is, drops its senders at once.
     */
    private FileReport keptIfGoodBefore(FileReport report, FileReport before, Instant now) {
        if (before == null || before.identities().isEmpty() || !before.identities().stream().allMatch(SigningIdentity::keyInMemory)) {
            return report;
        }
        // judged again at every load, as any file: a kept certificate that expires or is revoked meanwhile stops
        Optional<Refusal> unusable = unusable(before.identities(), now);
        if (unusable.isPresent()) {
            return FileReport.expiredOrRevoked(report.name(), report.path(), before.identities(), unusable.get());
        }
        String problem = report.name() + " " + report.refusal().orElse("cannot be read") + "; the certificate read from it before stays"
            + " in use until the file can be read again or is removed";
        return FileReport.kept(report.name(), report.path(), before.identities(), problem);
    }

    /**
     * Lists the PKCS#11 token again, the files as the last load found them: what the periodic check does between
     * changes of the directory, so that entries added to or removed from the token, and a token that went away or came
     * back, take effect without a change of any file. Logs the store's summary only when the token's content or state
     * changed. Nothing to do without a token.
     */
    public synchronized void refreshToken() {
        if (token.isEmpty()) {
            return;
        }
        Snapshot last = snapshot.get();
        Map<String, StoreIndex.IndexedFile> previous = index;
        String key = token.get().indexKey();
        TokenEntries.Load tokenLoad = token.get().read(previous.get(key), clock.instant());
        Map<String, StoreIndex.IndexedFile> current = new HashMap<>(previous);
        current.remove(key);
        Snapshot published = publish(last.fileReports, tokenLoad, current, previous);
        if (!tokenLoad.digest.equals(last.tokenDigest) || !tokenLoad.problem.equals(last.tokenProblem)) {
            logSummary(published);
        }
        if (revocation.hasPending()) {
            // a key added to the token is asked about as a file's is
            requestRevocationFetch();
        }
    }

    /** Swaps in the snapshot of these reports and writes the index when a verdict in it changed. */
    private Snapshot publish(List<FileReport> fileReports, TokenEntries.Load tokenLoad, Map<String, StoreIndex.IndexedFile> current,
                             Map<String, StoreIndex.IndexedFile> previous) {
        token.ifPresent(t -> tokenLoad.indexed.ifPresent(indexed -> current.put(t.indexKey(), indexed)));
        List<FileReport> reports = new ArrayList<>(fileReports);
        reports.addAll(tokenLoad.reports);
        Map<String, List<SigningIdentity>> byAddress = new HashMap<>();
        for (FileReport report : reports) {
            for (SigningIdentity identity : report.identities()) {
                for (String address : identity.addresses()) {
                    byAddress.computeIfAbsent(address, a -> new ArrayList<>()).add(identity);
                }
            }
        }
        byAddress.replaceAll((address, list) -> {
            list.sort(LATEST_EXPIRY_FIRST);
            return List.copyOf(list);
        });
        boolean indexChanged = !current.keySet().equals(previous.keySet())
            || current.entrySet().stream().anyMatch(entry -> !entry.getValue().sameVerdict(previous.get(entry.getKey())));
        index = current;
        Snapshot published = new Snapshot(Map.copyOf(byAddress), List.copyOf(fileReports), List.copyOf(reports), tokenLoad.digest,
            tokenLoad.problem);
        snapshot.set(published);
        if (indexChanged && indexFile.isPresent() && indexWritable) {
            StoreIndex.write(indexFile.get(), password, rules.fingerprint(), current);
            foreignIndex = false;
        }
        return published;
    }

    private void logSummary(Snapshot published) {
        long refused = published.reports.stream().filter(r -> !r.usable()).count();
        int tokenEntries = published.reports.size() - published.fileReports.size();
        LOGGER.info("S/MIME certificate store {}: {} sender addresses from {} files{}, {} refused",
            directory, published.byAddress.size(), published.fileReports.size(),
            token.map(t -> " and " + tokenEntries + " entries of PKCS#11 token '" + t.name() + "'"
                + published.tokenProblem.map(problem -> " (cannot be listed now)").orElse("")).orElse(""), refused);
    }

    /** A file's report, and what the index keeps of it (null when the file could not be read at all). */
    private static final class Loaded {
        final FileReport report;
        final StoreIndex.IndexedFile indexed;
        /** The store password opened the file (or the index vouched for it). */
        final boolean opened;
        /** The file could not be read as a PKCS#12 under the store password: a verdict on the bytes, not the certificate. */
        final boolean unreadable;
        /** Content hash → refusal, for a verdict that costs to reach and is not in the index (under this password only). */
        Optional<Map.Entry<String, Refusal>> rememberedRefusal = Optional.empty();

        Loaded(FileReport report, StoreIndex.IndexedFile indexed, boolean opened) {
            this(report, indexed, opened, false);
        }

        Loaded(FileReport report, StoreIndex.IndexedFile indexed, boolean opened, boolean unreadable) {
            this.report = report;
            this.indexed = indexed;
            this.opened = opened;
            this.unreadable = unreadable;
        }
    }

    private Loaded readOne(Path file, Path realDirectory, StoreIndex.IndexedFile known, Instant now) {
        byte[] content;
        try {
            Optional<String> unreadable = outOfBounds(file, realDirectory);
            if (unreadable.isPresent()) {
                return new Loaded(refused(file, Refusal.of(FailureKind.UNREADABLE, unreadable.get())), null, false);
            }
            // read through the link again, but never more than the limit (the file may have been swapped since)
            content = readBounded(file);
            if (content == null) {
                return new Loaded(refused(file, Refusal.of(FailureKind.UNREADABLE, "is larger than any PKCS#12 file ("
                    + MAX_FILE_BYTES / (1024 * 1024) + " MiB at most); it is not read")), null, false);
            }
        } catch (IOException e) {
            return new Loaded(refused(file, Refusal.of(FailureKind.IO, "cannot be read (" + e.getMessage() + ")")), null, false, true);
        }
        if (content.length == 0) {
            return new Loaded(refused(file, Refusal.of(FailureKind.UNREADABLE, "is empty (0 bytes); write the PKCS#12 file again, or remove it")),
                null, false, true);
        }
        String sha256 = StoreIndex.sha256(content);
        Refusal remembered = refusedContent.get(sha256);
        if (remembered != null) {
            // refused before under this password, unchanged since: not decrypted again
            Loaded again = new Loaded(refused(file, remembered), null, false, true);
            again.rememberedRefusal = Optional.of(Map.entry(sha256, remembered));
            return again;
        }
        if (known != null && known.sha256.equals(sha256)) {
            boolean unreadable = known.refusal.map(refusal -> refusal.kind() == FailureKind.UNREADABLE).orElse(false);
            return new Loaded(fromIndex(file, known, now), known, true, unreadable);
        }
        try {
            decryptions.incrementAndGet();
            List<CertificateFile.Entry> entries = CertificateFile.read(file, content, password, rules, now);
            List<StoreIndex.IndexedIdentity> indexed = new ArrayList<>();
            List<SigningIdentity> identities = new ArrayList<>();
            for (CertificateFile.Entry entry : entries) {
                List<X509Certificate> chain = new ArrayList<>();
                chain.add(entry.identity.certificate());
                chain.addAll(entry.identity.intermediates());
                indexed.add(new StoreIndex.IndexedIdentity(entry.alias, chain));
                identities.add(entry.identity);
            }
            StoreIndex.IndexedFile indexedFile = new StoreIndex.IndexedFile(sha256, Optional.empty(), indexed);
            indexedFile.built = List.copyOf(identities);
            return new Loaded(refuseIfExpiredOrRevoked(file, indexedFile.built, now), indexedFile, true);
        } catch (StoreException e) {
            boolean wrongPassword = e.kind() == FailureKind.WRONG_PASSWORD;
            boolean unreadable = wrongPassword || e.kind() == FailureKind.UNREADABLE;
            Refusal refusal = Refusal.of(e);
            // a verdict that depends on the password, not on the file, is not written down, but remembered while it runs
            Loaded result = new Loaded(refused(file, refusal),
                wrongPassword ? null : new StoreIndex.IndexedFile(sha256, Optional.of(refusal), List.of()), !wrongPassword,
                unreadable);
            if (wrongPassword) {
                result.rememberedRefusal = Optional.of(Map.entry(sha256, refusal));
            }
            return result;
        } catch (RuntimeException e) {
            return new Loaded(refused(file, Refusal.of(FailureKind.UNEXPECTED, "unexpected error: " + e)), null, false);
        }
    }

    /**
     * Why {@code file} is not read at all: larger than any PKCS#12 file (so that a huge file never costs the heap), or a
     * link leading out of the store directory (links within it, as a Kubernetes Secret's {@code ..data}, are read).
     */
    private static Optional<String> outOfBounds(Path file, Path realDirectory) throws IOException {
        Path real = file.toRealPath();
        if (!real.startsWith(realDirectory)) {
            return Optional.of("is a link to " + real + ", outside the store directory; it is not read (copy the file in instead)");
        }
        long size = Files.size(real);
        if (size > MAX_FILE_BYTES) {
            return Optional.of("is " + size + " bytes, larger than any PKCS#12 file (" + MAX_FILE_BYTES / (1024 * 1024)
                + " MiB at most); it is not read");
        }
        return Optional.empty();
    }

    /** The store directory with its links resolved (itself a link, say), which the files' real paths must lie in. */
    private Path realDirectory() throws StoreException {
        try {
            return directory.toRealPath();
        } catch (IOException e) {
            throw new StoreException(FailureKind.IO, "cannot read certificate store directory " + directory + " (" + e.getMessage() + ")", e);
        }
    }

    /** The file's bytes, or null when it holds more than {@link #MAX_FILE_BYTES}. */
    private static byte[] readBounded(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] content = in.readNBytes((int) MAX_FILE_BYTES + 1);
            return content.length > MAX_FILE_BYTES ? null : content;
        }
    }

    /** A file known from the index: its identities (keys decrypted on first use), unless it expired since. */
    private FileReport fromIndex(Path file, StoreIndex.IndexedFile known, Instant now) {
        if (known.refusal.isPresent()) {
            return refused(file, known.refusal.get());
        }
        try {
            List<SigningIdentity> identities = known.built;
            if (identities == null) {
                identities = new ArrayList<>();
                for (StoreIndex.IndexedIdentity entry : known.identities) {
                    LazyKey key = new LazyKey(file, known.sha256, entry.alias, password, entry.chain.get(0));
                    identities.add(CertificateFile.fromIndex(file, key, entry.chain));
                }
                identities = List.copyOf(identities);
                known.built = identities;
            }
            return refuseIfExpiredOrRevoked(file, identities, now);
        } catch (StoreException e) {
            return refused(file, Refusal.of(e));
        }
    }

    /**
     * Usable, or refused as expired or revoked (keeping the identities, so that the health check can name the
     * senders).
     */
    private FileReport refuseIfExpiredOrRevoked(Path file, List<SigningIdentity> identities, Instant now) {
        return refuseIfExpiredOrRevoked(file.getFileName().toString(), Optional.of(file), identities, now);
    }

    private FileReport refuseIfExpiredOrRevoked(String name, Optional<Path> file, List<SigningIdentity> identities, Instant now) {
        Optional<Refusal> unusable = unusable(identities, now);
        if (unusable.isPresent()) {
            return FileReport.expiredOrRevoked(name, file, identities, unusable.get());
        }
        return FileReport.usable(name, file, identities);
    }

    /** Why the first of {@code identities} that cannot be used now is refused: expired, an expired CA, or revoked. */
    private Optional<Refusal> unusable(List<SigningIdentity> identities, Instant now) {
        return unusable(revocation, identities, now);
    }

    /** As {@link #unusable(List, Instant)}, with {@code revocation}'s verdicts. */
    static Optional<Refusal> unusable(RevocationChecker revocation, List<SigningIdentity> identities, Instant now) {
        for (SigningIdentity identity : identities) {
            Optional<Refusal> unusable = CertificateFile.expiry(identity, now)
                .or(() -> CertificateRules.intermediateExpiry(identity, now))
                .map(reason -> Refusal.of(FailureKind.EXPIRED, reason))
                .or(() -> revocation.revocation(identity).map(reason -> Refusal.of(FailureKind.REVOKED, reason)));
            if (unusable.isPresent()) {
                return unusable.map(refusal -> refusal.naming(List.copyOf(identity.addresses())));
            }
        }
        return Optional.empty();
    }

    private static FileReport refused(Path file, Refusal refusal) {
        return FileReport.refused(file.getFileName().toString(), Optional.of(file), refusal);
    }

    /** Decrypts a key from its file on first use, for identities that came from the index. */
    private static final class LazyKey implements SigningIdentity.KeySource {
        private final Path file;
        private final String sha256;
        private final String alias;
        private final char[] password;
        private final X509Certificate certificate;
        private volatile PrivateKey key;

        LazyKey(Path file, String sha256, String alias, char[] password, X509Certificate certificate) {
            this.file = file;
            this.sha256 = sha256;
            this.alias = alias;
            this.password = password;
            this.certificate = certificate;
        }

        @Override
        public boolean inMemory() {
            return key != null;
        }

        @Override
        public PrivateKey get() throws StoreException {
            PrivateKey result = key;
            if (result != null) {
                return result;
            }
            synchronized (this) {
                if (key == null) {
                    try {
                        byte[] content = readBounded(file);
                        if (content == null) {
                            throw new StoreException(FailureKind.IO, "certificate file " + file + " changed since the store was loaded (it is now"
                                + " larger than any PKCS#12 file); it is read again at the next reload");
                        }
                        if (!StoreIndex.sha256(content).equals(sha256)) {
                            throw new StoreException(FailureKind.IO, "certificate file " + file + " changed since the store was loaded;"
                                + " it is read again at the next reload");
                        }
                        key = CertificateFile.readKey(content, alias, password, certificate);
                    } catch (IOException e) {
                        throw new StoreException(FailureKind.IO, "certificate file " + file + " cannot be read: " + e.getMessage(), e);
                    } catch (StoreException e) {
                        throw e.withMessage("certificate file " + file + ": " + e.getMessage());
                    }
                }
                return key;
            }
        }
    }

    /** The store files of {@code directory} ({@code .p12}, {@code .pfx}; hidden files left out), sorted by name. */
    public static List<Path> listFiles(Path directory) throws StoreException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            for (Path file : stream) {
                String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
                if ((name.endsWith(".p12") || name.endsWith(".pfx")) && !name.startsWith(".") && Files.isRegularFile(file)) {
                    files.add(file);
                }
            }
        } catch (IOException e) {
            throw new StoreException(FailureKind.IO, "cannot list certificate store directory " + directory + " (" + e.getMessage() + ")", e);
        }
        files.sort(Comparator.comparing(Path::toString));
        return files;
    }

    private static final class Snapshot {
        static final Snapshot EMPTY = new Snapshot(Map.of(), List.of(), List.of(), "", Optional.empty());

        final Map<String, List<SigningIdentity>> byAddress;
        final List<FileReport> fileReports;
        /** The files' reports, then the token's. */
        final List<FileReport> reports;
        final String tokenDigest;
        final Optional<String> tokenProblem;

        Snapshot(Map<String, List<SigningIdentity>> byAddress, List<FileReport> fileReports, List<FileReport> reports, String tokenDigest,
                 Optional<String> tokenProblem) {
            this.byAddress = byAddress;
            this.fileReports = fileReports;
            this.reports = reports;
            this.tokenDigest = tokenDigest;
            this.tokenProblem = tokenProblem;
        }
    }

    /**
     * The outcome of reading one file, or one entry of the PKCS#11 token ({@link TokenEntries}): its identities, or the reason it was
     * refused.
     */
    public static final class FileReport {
        private final String name;
        private final Optional<Path> file;
        private final List<SigningIdentity> identities;
        private final List<SigningIdentity> expiredOrRevoked;
        private final Optional<Refusal> refusal;
        private final Optional<String> problem;

        private FileReport(String name, Optional<Path> file, List<SigningIdentity> identities, List<SigningIdentity> expiredOrRevoked,
                           Optional<Refusal> refusal, Optional<String> problem) {
            this.name = name;
            this.file = file;
            this.identities = identities;
            this.expiredOrRevoked = expiredOrRevoked;
            this.refusal = refusal;
            this.problem = problem;
        }

        static FileReport usable(String name, Optional<Path> file, List<SigningIdentity> identities) {
            return new FileReport(name, file, List.copyOf(identities), List.of(), Optional.empty(), Optional.empty());
        }

        static FileReport refused(String name, Optional<Path> file, Refusal refusal) {
            return new FileReport(name, file, List.of(), List.of(), Optional.of(refusal), Optional.empty());
        }

        static FileReport expiredOrRevoked(String name, Optional<Path> file, List<SigningIdentity> identities, Refusal refusal) {
            return new FileReport(name, file, List.of(), List.copyOf(identities), Optional.of(refusal), Optional.empty());
        }

        /** Usable with the identities read from it before, although it cannot be read now. */
        static FileReport kept(String name, Optional<Path> file, List<SigningIdentity> identities, String problem) {
            return new FileReport(name, file, List.copyOf(identities), List.of(), Optional.empty(), Optional.of(problem));
        }

        /** Why a usable file's certificates are the ones read from it before (it cannot be read now), if they are. */
        public Optional<String> problem() {
            return problem;
        }

        /** Every identity of the file: the usable ones and those refused only as expired or revoked. */
        public List<SigningIdentity> allIdentities() {
            List<SigningIdentity> all = new ArrayList<>(identities);
            all.addAll(expiredOrRevoked);
            return all;
        }

        /** The identities of a file refused only because its certificate expired or was revoked. */
        public List<SigningIdentity> expiredOrRevokedIdentities() {
            return expiredOrRevoked;
        }

        /** The file's name in the store directory, or {@code pkcs11:<token>/<alias>} for a token's entry. */
        public String name() {
            return name;
        }

        /** The store file, or empty for a token's entry. */
        public Optional<Path> path() {
            return file;
        }

        public List<SigningIdentity> identities() {
            return identities;
        }

        public boolean usable() {
            return refusal.isEmpty();
        }

        /** Why the file was refused: the one line. */
        public Optional<String> refusal() {
            return refusal.map(Refusal::reason);
        }

        /** Why the file was refused, with its kind and the addresses of its certificate. */
        public Optional<Refusal> refusedAs() {
            return refusal;
        }

        /**
         * Whether this report concerns {@code address}: a certificate of it names the address, or its refused certificate
         * did.
         */
        public boolean concerns(String address) {
            return allIdentities().stream().anyMatch(identity -> identity.addresses().contains(address))
                || refusal.map(r -> r.addresses().contains(address)).orElse(false);
        }

        @Override
        public String toString() {
            return name + ": " + refusal.map(Refusal::reason).orElse("ok " + identities);
        }
    }

    @Override
    public String toString() {
        return "CertificateStore{" + directory + "}";
    }

}
