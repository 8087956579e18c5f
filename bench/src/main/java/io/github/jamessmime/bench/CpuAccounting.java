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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * How much CPU other processes took (Linux /proc): the machine's busy time minus this JVM's and its waited-for
 * children's (the JMH forks and probes). Tells whether a run had the machine to itself.
 */
final class CpuAccounting {
    private final long machineBusy;
    private final long steal;
    private final long own;
    private final long nanos;

    private CpuAccounting(long machineBusy, long steal, long own, long nanos) {
        this.machineBusy = machineBusy;
        this.steal = steal;
        this.own = own;
        this.nanos = nanos;
    }

    static CpuAccounting start() {
        long[] machine = machine();
        return new CpuAccounting(machine[0], machine[1], own(), System.nanoTime());
    }

    /** Cores kept busy by other processes, averaged over {@code window}; 0 when /proc cannot be read. */
    static double othersBusyCores(Duration window) throws InterruptedException {
        CpuAccounting start = start();
        Thread.sleep(window.toMillis());
        return start.othersCores();
    }

    private double othersCores() {
        long[] machine = machine();
        long others = (machine[0] - machineBusy) - (own() - own);
        double seconds = (System.nanoTime() - nanos) / 1e9;
        return Math.max(0, others / 100.0 / seconds);
    }

    /** For the report: other processes' CPU since start, and the hypervisor's steal time. */
    String othersSummary() {
        long[] machine = machine();
        if (machine[0] == 0) {
            return "unknown (no /proc)";
        }
        long others = Math.max(0, (machine[0] - machineBusy) - (own() - own));
        double seconds = (System.nanoTime() - nanos) / 1e9;
        return String.format(Locale.ROOT, "%.0f CPU-seconds (%.2f cores on average), hypervisor steal %.0f CPU-seconds",
            others / 100.0, others / 100.0 / seconds, (machine[1] - steal) / 100.0);
    }

    /** Busy and steal clock ticks of all CPUs, from the first line of /proc/stat. */
    private static long[] machine() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal ...
            long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                + Long.parseLong(f[7]);
            return new long[] {busy, Long.parseLong(f[8])};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** utime + stime + cutime + cstime of this process, clock ticks (fields 14–17 of /proc/self/stat). */
    private static long own() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            // f[0] is field 3 (state), so field n is f[n - 3]
            return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
