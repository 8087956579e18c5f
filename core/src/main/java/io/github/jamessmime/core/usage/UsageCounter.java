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
package io.github.jamessmime.core.usage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signatures per sender address per calendar month (UTC), for accounting. Each node appends one line per signature
 * ({@code address}) to its own journal, {@code <directory>/<YYYY-MM>/<node>.journal}, before the signed mail leaves
 * the mailet: a signature is counted if and only if it was handed on, a clean stop or a {@code kill -9} of James
 * loses no count (the line is in the operating system's hands), and only a crash of the machine itself may lose
 * what was written since the last {@link #flush()} (which forces the journal to disk, every 10 s). A count that cannot
 * be written fails the signature, so the mail follows the failure policy instead of leaving signed but uncounted.
 *
 * <p>Totals add up the journals of every node, so several James nodes sharing the store directory report one figure;
 * each journal is read incrementally (only the bytes appended since the last read). {@code <node>.properties}
 * files of earlier versions are added as they are.
 */
public final class UsageCounter {
    private static final Logger LOGGER = LoggerFactory.getLogger(UsageCounter.class);
    static final String JOURNAL = ".journal";
    private static final String LEGACY = ".properties";

    private final Path directory;
    private final String node;
    private final Clock clock;
    /** This node's open journals by month; a signature appends its line without waiting for a flush or a read of totals. */
    private final Map<YearMonth, FileChannel> journals = new ConcurrentHashMap<>();
    /** What has been read of each journal file: its counts and up to which byte (guarded by itself: totals only). */
    private final Map<Path, JournalState> read = new HashMap<>();
    /** Why the last attempt to open or write this node's journal failed; empty once one succeeded. */
    private volatile Optional<String> problem = Optional.empty();
    /** The problem came from a write (full disk, I/O error): only a write that succeeds clears it, not an open journal. */
    private volatile boolean writeFailed;

    private static final class JournalState {
        long offset;
        final Map<String, Long> counts = new TreeMap<>();
    }

    public UsageCounter(Path directory, String node, Clock clock) {
        if (!node.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("usage node name '" + node + "' may only hold letters, digits, '.', '_' and '-'");
        }
        this.directory = directory;
        this.node = node;
        this.clock = clock;
    }

    /**
     * Counts one signature for {@code address} in the current month, durably for the JVM: the journal line is written
     * when this returns.
     *
     * @throws IOException when the line cannot be written; its message says so in one line, with the fix
     */
    public void count(String address) throws IOException {
        YearMonth month = YearMonth.now(clock.withZone(ZoneOffset.UTC));
        Path file = file(month, node, JOURNAL);
        byte[] line = (address + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            try {
                append(journal(month, file), line);
            } catch (ClosedChannelException e) {
                // the month's journal was closed by flush() as the month turned: open it again, append there
                journals.remove(month);
                append(journal(month, file), line);
            }
            if (writeFailed || problem.isPresent()) {
                writeFailed = false;
                cleared();
            }
        } catch (IOException e) {
            writeFailed = true;
            String reason = unwritable(file, e);
            throw new IOException(reason + "; the mail is not signed so that every signature is counted", e);
        }
    }

    /**
     * Appends one line whole: writers of one journal take turns only for the write itself (as the JDK's channel makes
     * them anyway), never while another thread forces the journal to disk or reads totals.
     */
    private static void append(FileChannel journal, byte[] line) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(line);
        synchronized (journal) {
            while (buffer.hasRemaining()) {
                journal.write(buffer);
            }
        }
    }

    /**
     * Opens this month's journal, so that a journal that cannot be written is known before any mail needs it: called at
     * start and with every {@link #flush()}. Gives the problem, also kept for {@link #problem()}.
     */
    public Optional<String> check() {
        YearMonth month = YearMonth.now(clock.withZone(ZoneOffset.UTC));
        Path file = file(month, node, JOURNAL);
        try {
            journal(month, file);
            if (!writeFailed) {
                cleared();
            }
        } catch (IOException e) {
            unwritable(file, e);
        }
        return problem;
    }

    /** Why this node's journal could not be opened or written at the last attempt; empty when it could. */
    public Optional<String> problem() {
        return problem;
    }

    private FileChannel journal(YearMonth month, Path file) throws IOException {
        FileChannel journal = journals.get(month);
        if (journal != null) {
            return journal;
        }
        synchronized (journals) {
            journal = journals.get(month);
            if (journal == null) {
                Files.createDirectories(file.getParent());
                journal = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                journals.put(month, journal);
            }
            return journal;
        }
    }

    private synchronized String unwritable(Path file, IOException e) {
        String reason = "the usage count cannot be written to " + file + " (" + e + "): every signature fails until it can;"
            + " make " + directory + " writable or point " + "usage.directory (SMIME_USAGE_DIRECTORY) at a writable directory";
        if (problem.isEmpty()) {
            LOGGER.error("S/MIME {}", reason);
        }
        problem = Optional.of(reason);
        return reason;
    }

    private synchronized void cleared() {
        if (problem.isPresent()) {
            LOGGER.info("S/MIME usage counts can be written again to {}", directory);
            problem = Optional.empty();
        }
    }

    /**
     * Forces this node's journals to disk (against a crash of the machine), closes those of past months, and opens the
     * current month's when it is not open ({@link #check()}).
     */
    public void flush() {
        // signatures go on meanwhile: forcing a journal to disk (milliseconds on a slow or shared disk) holds no lock
        YearMonth current = YearMonth.now(clock.withZone(ZoneOffset.UTC));
        journals.entrySet().removeIf(entry -> {
            try {
                entry.getValue().force(false);
                if (entry.getKey().isBefore(current)) {
                    entry.getValue().close();
                    return true;
                }
            } catch (IOException e) {
                LOGGER.warn("S/MIME usage journal of {} cannot be forced to disk ({})", entry.getKey(), e.toString());
            }
            return false;
        });
        check();
    }

    /**
     * address → signatures in {@code month}, over every node.
     *
     * @throws IOException when a journal (or the month's directory) cannot be read: a total that leaves out a node's
     *                     counts is never given as the total; the message names the file and says so in one line
     */
    public Map<String, Long> usage(YearMonth month) throws IOException {
        synchronized (read) {
            return totals(month);
        }
    }

    private Map<String, Long> totals(YearMonth month) throws IOException {
        Map<String, Long> total = new TreeMap<>();
        Path monthDirectory = directory.resolve(month.toString());
        if (!Files.exists(monthDirectory)) {
            return total;
        }
        Path current = monthDirectory;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(monthDirectory)) {
            for (Path file : files) {
                current = file;
                String name = file.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                if (name.endsWith(JOURNAL)) {
                    readJournal(file).forEach((address, count) -> total.merge(address, count, Long::sum));
                } else if (name.endsWith(LEGACY)) {
                    readLegacy(file).forEach((address, count) -> total.merge(address, count, Long::sum));
                }
            }
        } catch (IOException e) {
            throw new IOException("the usage counts of " + month + " cannot be read: " + current + " (" + e + "); no total is given"
                + " rather than one that leaves counts out", e);
        }
        return total;
    }

    /** The totals of {@code month} over every node, read from the files only (for the CLI). */
    public static Map<String, Long> read(Path directory, YearMonth month) throws IOException {
        return new UsageCounter(directory, "cli-reader", Clock.systemUTC()).usage(month);
    }

    /** The counts of one journal, reading only what was appended since the last call; a partial last line waits. */
    private Map<String, Long> readJournal(Path file) throws IOException {
        JournalState state = read.computeIfAbsent(file, f -> new JournalState());
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < state.offset) {
                // replaced or truncated by hand: read it again from the start
                state.offset = 0;
                state.counts.clear();
            }
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            long position = state.offset;
            long lineStart = state.offset;
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            while (position < size) {
                buffer.clear();
                int n = channel.read(buffer, position);
                if (n <= 0) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    byte b = buffer.get(i);
                    if (b == '\n') {
                        String address = new String(bytes.toByteArray(), StandardCharsets.UTF_8).trim();
                        if (!address.isEmpty()) {
                            state.counts.merge(address, 1L, Long::sum);
                        }
                        bytes.reset();
                        lineStart = position + i + 1;
                    } else {
                        bytes.write(b);
                    }
                }
                position += n;
            }
            state.offset = lineStart;
        }
        return state.counts;
    }

    private Path file(YearMonth month, String nodeName, String suffix) {
        return directory.resolve(month.toString()).resolve(nodeName + suffix);
    }

    private static Map<String, Long> readLegacy(Path file) throws IOException {
        Map<String, Long> result = new TreeMap<>();
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        for (String address : properties.stringPropertyNames()) {
            try {
                result.put(address, Long.parseLong(properties.getProperty(address).trim()));
            } catch (NumberFormatException e) {
                throw new IOException("'" + properties.getProperty(address) + "' is not a count for " + address, e);
            }
        }
        return result;
    }
}
