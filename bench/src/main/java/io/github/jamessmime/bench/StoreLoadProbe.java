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
package io.github.jamessmime.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

import com.sun.management.OperatingSystemMXBean;

import io.github.jamessmime.core.store.CertificateRules;
import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.RevocationChecker;

/**
 * Runs in a fresh JVM, as James at start-up: times {@code CertificateStore.open} over a store directory with
 * the given index file (absent: every file is decrypted and the index written; present: a restart), then
 * {@code reload()} of the same store with nothing changed (what the 30 s directory check costs when it fires).
 * Checks that every file was accepted and a sender is found. Prints {@code LOAD i wallNanos processCpuNanos}.
 */
public final class StoreLoadProbe {
    private StoreLoadProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int expected = Integer.parseInt(args[1]);
        Optional<Path> index = Optional.of(Path.of(args[2]));
        OperatingSystemMXBean os =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

        long cpuBefore = os.getProcessCpuTime();
        long start = System.nanoTime();
        CertificateStore store = CertificateStore.open(dir, Fixtures.PASSWORD, Clock.systemUTC(), index,
            RevocationChecker.none(), CertificateRules.trusting(dir.resolve(Fixtures.ROOT_PEM)));
        print(0, System.nanoTime() - start, os.getProcessCpuTime() - cpuBefore);
        check(store, expected);

        cpuBefore = os.getProcessCpuTime();
        start = System.nanoTime();
        store.reload();
        print(1, System.nanoTime() - start, os.getProcessCpuTime() - cpuBefore);
        check(store, expected);
    }

    private static void print(int i, long wall, long cpu) {
        System.out.println("LOAD " + i + " " + wall + " " + cpu);
    }

    private static void check(CertificateStore store, int expected) {
        List<CertificateStore.FileReport> reports = store.reports();
        long refused = reports.stream().filter(r -> !r.usable()).count();
        if (reports.size() != expected || refused > 0) {
            throw new IllegalStateException("expected " + expected + " usable files, got " + reports.size()
                + " with " + refused + " refused, e.g. " + reports.stream().filter(r -> !r.usable()).findFirst());
        }
        if (store.find(StoreGenerator.address(expected)).isEmpty()) {
            throw new IllegalStateException("sender " + StoreGenerator.address(expected) + " not found");
        }
    }
}
