package io.github.jamessmime.core;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signatures per sender address per calendar month (UTC), for accounting. Each node counts in memory and writes its
 * own file, {@code <directory>/<YYYY-MM>/<node>.properties} ({@code address=count}), atomically; totals add up the
 * files of every node, so several James nodes sharing the store directory report one figure. A node that restarts
 * goes on from its file. Counts not yet flushed when a node dies are lost (at most one flush interval).
 */
public final class UsageCounter {
    private static final Logger LOGGER = LoggerFactory.getLogger(UsageCounter.class);

    private final Path directory;
    private final String node;
    private final Clock clock;
    private final Map<YearMonth, Map<String, AtomicLong>> counts = new ConcurrentHashMap<>();
    private volatile boolean dirty;

    public UsageCounter(Path directory, String node, Clock clock) {
        if (!node.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("usage node name '" + node + "' may only hold letters, digits, '.', '_' and '-'");
        }
        this.directory = directory;
        this.node = node;
        this.clock = clock;
    }

    public String node() {
        return node;
    }

    /** Counts one signature for {@code address} in the current month. */
    public void count(String address) {
        YearMonth month = YearMonth.now(clock.withZone(ZoneOffset.UTC));
        counts.computeIfAbsent(month, this::loadOwn).computeIfAbsent(address, a -> new AtomicLong()).incrementAndGet();
        dirty = true;
    }

    /** Writes this node's counts if anything changed since the last flush. */
    public synchronized void flush() {
        if (!dirty) {
            return;
        }
        dirty = false;
        for (Map.Entry<YearMonth, Map<String, AtomicLong>> month : counts.entrySet()) {
            Properties properties = new Properties();
            month.getValue().forEach((address, count) -> properties.setProperty(address, Long.toString(count.get())));
            Path file = file(month.getKey(), node);
            Path temporary = null;
            try {
                Files.createDirectories(file.getParent());
                temporary = Files.createTempFile(file.getParent(), "." + node, ".tmp");
                try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                    properties.store(writer, "S/MIME signatures per sender, node " + node + ", " + month.getKey());
                }
                try {
                    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                dirty = true;
                LOGGER.warn("S/MIME usage counts cannot be written to {} ({}); they are kept in memory and written later", file, e.toString());
                if (temporary != null) {
                    try {
                        Files.deleteIfExists(temporary);
                    } catch (IOException ignored) {
                        // a dot file, ignored by readers
                    }
                }
            }
        }
    }

    /** address → signatures in {@code month}, over every node (this node's counts as in memory). */
    public Map<String, Long> usage(YearMonth month) {
        Map<String, Long> total = new TreeMap<>();
        Path monthDirectory = directory.resolve(month.toString());
        if (Files.isDirectory(monthDirectory)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(monthDirectory, "*.properties")) {
                for (Path file : files) {
                    if (file.getFileName().toString().equals(node + ".properties") && counts.containsKey(month)) {
                        continue;
                    }
                    read(file).forEach((address, count) -> total.merge(address, count, Long::sum));
                }
            } catch (IOException e) {
                LOGGER.warn("S/MIME usage directory {} cannot be read ({})", monthDirectory, e.toString());
            }
        }
        Map<String, AtomicLong> own = counts.get(month);
        if (own != null) {
            own.forEach((address, count) -> total.merge(address, count.get(), Long::sum));
        }
        return total;
    }

    /** The totals of {@code month} over every node, read from the files only (for the CLI). */
    public static Map<String, Long> read(Path directory, YearMonth month) {
        return new UsageCounter(directory, "cli-reader", Clock.systemUTC()).usage(month);
    }

    private Map<String, AtomicLong> loadOwn(YearMonth month) {
        Map<String, AtomicLong> own = new ConcurrentHashMap<>();
        read(file(month, node)).forEach((address, count) -> own.put(address, new AtomicLong(count)));
        return own;
    }

    private Path file(YearMonth month, String nodeName) {
        return directory.resolve(month.toString()).resolve(nodeName + ".properties");
    }

    private static Map<String, Long> read(Path file) {
        Map<String, Long> result = new TreeMap<>();
        if (!Files.isRegularFile(file)) {
            return result;
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            LOGGER.warn("S/MIME usage file {} cannot be read ({}); it is left out of the totals", file, e.toString());
            return result;
        }
        for (String address : properties.stringPropertyNames()) {
            try {
                result.put(address, Long.parseLong(properties.getProperty(address).trim()));
            } catch (NumberFormatException e) {
                LOGGER.warn("S/MIME usage file {}: '{}' is not a count for {}", file, properties.getProperty(address), address);
            }
        }
        return result;
    }
}
