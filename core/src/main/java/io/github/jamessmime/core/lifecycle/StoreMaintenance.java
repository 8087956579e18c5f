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

    private StoreMaintenance(ScheduledExecutorService executor, UsageCounter usage) {
        this.executor = executor;
        this.usage = usage;
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
        long seconds = reloadInterval.getSeconds();
        if (seconds > 0) {
            DirectoryWatch watch = new DirectoryWatch(store);
            executor.scheduleWithFixedDelay(watch::reloadIfChanged, seconds, seconds, TimeUnit.SECONDS);
        }
        long minutes = revocationRefresh.toMinutes();
        if (minutes > 0) {
            executor.scheduleWithFixedDelay(() -> refresh(store), minutes, minutes, TimeUnit.MINUTES);
        }
        executor.scheduleWithFixedDelay(usage::flush, USAGE_FLUSH_SECONDS, USAGE_FLUSH_SECONDS, TimeUnit.SECONDS);
        Runtime.getRuntime().addShutdownHook(new Thread(usage::flush, "smime-usage-flush"));
        return new StoreMaintenance(executor, usage);
    }

    private static void refresh(CertificateStore store) {
        try {
            store.reload();
        } catch (StoreException | RuntimeException e) {
            LOGGER.warn("S/MIME certificate store refresh for revocation failed: {}", e.getMessage());
        }
    }

    /** Stops the background work and writes the last counts. */
    @Override
    public void close() {
        executor.shutdownNow();
        usage.flush();
    }

    /**
     * Reloads the store when the set of files, their sizes, their modification times or the files they are change (a
     * file replaced by a rename, or a Kubernetes Secret whose {@code ..data} link was swapped, is another file even with
     * the same size and time); otherwise lists its PKCS#11 token, if it has one, again.
     */
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
                } else {
                    // a PKCS#11 token changes without any file changing
                    store.refreshToken();
                }
            } catch (StoreException | RuntimeException e) {
                LOGGER.warn("S/MIME certificate store reload failed, keeping the previous certificates: {}", e.getMessage());
            }
        }

        static List<String> state(Path directory) {
            List<String> state = new ArrayList<>();
            try {
                for (Path file : CertificateStore.listFiles(directory)) {
                    // through symbolic links: the attributes of the file read, not of the link
                    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                    state.add(file.getFileName() + ":" + attributes.size() + ":" + attributes.lastModifiedTime().toMillis()
                        + ":" + attributes.fileKey());
                }
            } catch (StoreException | IOException e) {
                state.add("error:" + e.getMessage());
            }
            return state;
        }
    }
}
