package io.github.jamessmime.core;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sender certificates: a directory of PKCS#12 files (.p12, .pfx) that all open with one store password.
 * Every usable certificate is indexed under each rfc822Name of its SubjectAltName. Files that break a rule
 * are left out, each with one log line naming the file and the reason; they never stop the other files.
 *
 * <p>Lookups read an immutable snapshot (a hash map), so they are constant-time and need no lock;
 * {@link #reload()} builds a new snapshot and swaps it in.
 */
public final class CertificateStore {
    private static final Logger LOGGER = LoggerFactory.getLogger(CertificateStore.class);
    private static final Comparator<SigningIdentity> LATEST_EXPIRY_FIRST =
        Comparator.comparing(SigningIdentity::notAfter).reversed();

    private final Path directory;
    private final char[] password;
    private final Clock clock;
    private final AtomicReference<Snapshot> snapshot = new AtomicReference<>(Snapshot.EMPTY);

    private CertificateStore(Path directory, char[] password, Clock clock) {
        this.directory = directory;
        this.password = password.clone();
        this.clock = clock;
    }

    /** Opens the store and loads it once; a missing directory is a configuration error. */
    public static CertificateStore open(Path directory, char[] password, Clock clock) throws StoreException {
        if (!Files.isDirectory(directory)) {
            throw new StoreException("certificate store directory " + directory.toAbsolutePath()
                + " does not exist or is not a directory; create it or fix store.directory");
        }
        CertificateStore store = new CertificateStore(directory, password, clock);
        store.reload();
        return store;
    }

    public Path directory() {
        return directory;
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

    /** What the last load found, one entry per file, in file-name order. */
    public List<FileReport> reports() {
        return snapshot.get().reports;
    }

    /** Re-reads the directory and swaps in the new index. */
    public synchronized List<FileReport> reload() throws StoreException {
        List<Path> files = listFiles(directory);
        Instant now = clock.instant();
        List<FileReport> reports = files.parallelStream()
            .map(file -> readOne(file, now))
            .collect(Collectors.toList());
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
        snapshot.set(new Snapshot(Map.copyOf(byAddress), List.copyOf(reports)));
        long refused = reports.stream().filter(r -> !r.usable()).count();
        LOGGER.info("S/MIME certificate store {}: {} sender addresses from {} files, {} refused",
            directory, byAddress.size(), reports.size(), refused);
        return reports;
    }

    private FileReport readOne(Path file, Instant now) {
        try {
            return FileReport.usable(file, CertificateFile.read(file, password, now));
        } catch (StoreException e) {
            LOGGER.warn("S/MIME certificate file {} refused: {}", file, e.getMessage());
            return FileReport.refused(file, e.getMessage());
        } catch (RuntimeException e) {
            LOGGER.warn("S/MIME certificate file {} refused: unexpected error {}", file, e.toString());
            return FileReport.refused(file, "unexpected error: " + e);
        }
    }

    static List<Path> listFiles(Path directory) throws StoreException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            for (Path file : stream) {
                String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
                if ((name.endsWith(".p12") || name.endsWith(".pfx")) && !name.startsWith(".") && Files.isRegularFile(file)) {
                    files.add(file);
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot list certificate store directory " + directory + " (" + e.getMessage() + ")", e);
        }
        files.sort(Comparator.comparing(Path::toString));
        return files;
    }

    private static final class Snapshot {
        static final Snapshot EMPTY = new Snapshot(Map.of(), List.of());

        final Map<String, List<SigningIdentity>> byAddress;
        final List<FileReport> reports;

        Snapshot(Map<String, List<SigningIdentity>> byAddress, List<FileReport> reports) {
            this.byAddress = byAddress;
            this.reports = reports;
        }
    }

    /** The outcome of reading one file: its identities, or the reason it was refused. */
    public static final class FileReport {
        private final Path file;
        private final List<SigningIdentity> identities;
        private final Optional<String> refusal;

        private FileReport(Path file, List<SigningIdentity> identities, Optional<String> refusal) {
            this.file = file;
            this.identities = identities;
            this.refusal = refusal;
        }

        static FileReport usable(Path file, List<SigningIdentity> identities) {
            return new FileReport(file, List.copyOf(identities), Optional.empty());
        }

        static FileReport refused(Path file, String reason) {
            return new FileReport(file, List.of(), Optional.of(reason));
        }

        public Path file() {
            return file;
        }

        public List<SigningIdentity> identities() {
            return identities;
        }

        public boolean usable() {
            return refusal.isEmpty();
        }

        /** Why the file was refused. */
        public Optional<String> refusal() {
            return refusal;
        }

        @Override
        public String toString() {
            return file.getFileName() + ": " + refusal.orElse("ok " + identities);
        }
    }

    @Override
    public String toString() {
        return "CertificateStore{" + directory + "}";
    }

}
