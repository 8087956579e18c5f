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
package io.github.jamessmime.core.lifecycle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.StoreException;
import io.github.jamessmime.core.usage.UsageCounter;

/**
 * The background work of a running store, on one daemon thread: reload when the directory changes (and list the
 * PKCS#11 token again otherwise), re-read for
 * revocation, force the usage journals to disk; and a last flush of the journals when the JVM exits (James does not
 * close extension services when it stops).
 */
public final class StoreMaintenance implements AutoCloseable {
    private static final Logger LOGGER = LoggerFactory.getLogger(StoreMaintenance.class);
    static final long USAGE_FLUSH_SECONDS = 10;

    private final ScheduledExecutorService executor;
    private final UsageCounter usage;
    private final Problems problems;

    private StoreMaintenance(ScheduledExecutorService executor, UsageCounter usage, Problems problems) {
        this.executor = executor;
        this.usage = usage;
        this.problems = problems;
    }

    /** Why the last run of a background task failed (the store cannot be read, a file broke a reload), if it did. */
    public Optional<String> problem() {
        return problems.current();
    }

    /**
     * @param reloadInterval    how often the directory is compared with its last state (0: never)
     * @param revocationRefresh how often the store is re-read for new CRLs (0: never)
     */
    public static StoreMaintenance start(CertificateStore store, UsageCounter usage, Duration reloadInterval, Duration revocationRefresh) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "smime-store-maintenance");
            thread.setDaemon(true);
            return thread;
        });
        Problems problems = new Problems();
        long seconds = reloadInterval.getSeconds();
        if (seconds > 0) {
            DirectoryWatch watch = new DirectoryWatch(store);
            executor.scheduleWithFixedDelay(problems.guard("directory check", watch::reloadIfChanged), seconds, seconds, TimeUnit.SECONDS);
        }
        long minutes = revocationRefresh.toMinutes();
        if (minutes > 0) {
            executor.scheduleWithFixedDelay(problems.guard("revocation refresh", store::reload), minutes, minutes, TimeUnit.MINUTES);
        }
        executor.scheduleWithFixedDelay(problems.guard("usage flush", usage::flush), USAGE_FLUSH_SECONDS, USAGE_FLUSH_SECONDS,
            TimeUnit.SECONDS);
        Runtime.getRuntime().addShutdownHook(new Thread(usage::flush, "smime-usage-flush"));
        return new StoreMaintenance(executor, usage, problems);
    }

    /** A task of the store's: may fail with the reason. */
    interface Task {
        void run() throws Exception;
    }

    /**
     * The failures of the background tasks. A scheduled task that throws is never run again, so every task is guarded:
     * whatever it throws, {@link Error}s such as {@link OutOfMemoryError} included, is logged once (until it changes or
     * the task succeeds), kept for the health check, and the task runs again at its next turn.
     */
    static final class Problems {
        private final Map<String, String> failing = new ConcurrentHashMap<>();

        Runnable guard(String name, Task task) {
            return () -> {
                try {
                    task.run();
                    if (failing.remove(name) != null) {
                        LOGGER.info("S/MIME certificate store {} works again", name);
                    }
                } catch (Throwable t) {
                    String reason = t instanceof StoreException ? t.getMessage() : t.toString();
                    String before = failing.put(name, reason);
                    if (!reason.equals(before)) {
                        LOGGER.error("S/MIME certificate store {} failed, keeping the certificates loaded before: {}", name, reason,
                            t instanceof StoreException ? null : t);
                    }
                }
            };
        }

        Optional<String> current() {
            return failing.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(entry -> "the store's " + entry.getKey() + " failed (" + entry.getValue() + "); the certificates loaded before"
                    + " stay in use")
                .reduce((a, b) -> a + "; " + b);
        }
    }

    /** Stops the background work and writes the last counts. */
    @Override
    public void close() {
        executor.shutdownNow();
        usage.flush();
    }

    /**
     * Reloads the store when the store password's source gives another password (a corrected file), or when the set of
     * files, their sizes, their modification times or the files they are change (a
     * file replaced by a rename, or a Kubernetes Secret whose {@code ..data} link was swapped, is another file even with
     * the same size and time); otherwise lists its PKCS#11 token, if it has one, again.
     */
    static final class DirectoryWatch {
        private final CertificateStore store;
        private List<String> lastState;

        DirectoryWatch(CertificateStore store) {
            this.store = store;
            List<String> initial;
            try {
                initial = state(store.directory());
            } catch (StoreException e) {
                // compared with nothing: the first check that can list the directory reloads
                initial = List.of();
            }
            this.lastState = initial;
        }

        /** @throws StoreException when the directory cannot be listed or read: the last good certificates stay in use */
        void reloadIfChanged() throws StoreException {
            List<String> current = state(store.directory());
            if (!current.equals(lastState) || store.passwordChanged()) {
                store.reload();
                lastState = current;
            } else {
                // a PKCS#11 token changes without any file changing
                store.refreshToken();
            }
        }

        static List<String> state(Path directory) throws StoreException {
            List<String> state = new ArrayList<>();
            for (Path file : CertificateStore.listFiles(directory)) {
                try {
                    // through symbolic links: the attributes of the file read, not of the link
                    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                    state.add(file.getFileName() + ":" + attributes.size() + ":" + attributes.lastModifiedTime().toMillis()
                        + ":" + attributes.fileKey());
                } catch (IOException e) {
                    // gone between the listing and now (a Secret's swap): the next check sees the new state
                    state.add(file.getFileName() + ":unreadable");
                }
            }
            return state;
        }
    }
}
