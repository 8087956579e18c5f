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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.YearMonth;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.jamessmime.testing.MutableClock;

class UsageCounterTest {
    static final YearMonth JUNE = YearMonth.of(2026, 6);
    static final YearMonth JULY = YearMonth.of(2026, 7);

    @TempDir
    Path directory;
    MutableClock clock = new MutableClock(Instant.parse("2026-06-30T23:59:00Z"));

    @Test
    void countsShouldSurviveARestartOfTheNode() throws Exception {
        UsageCounter node = new UsageCounter(directory, "node-a", clock);
        node.count("billing@shop.example");
        node.count("billing@shop.example");
        node.flush();

        UsageCounter restarted = new UsageCounter(directory, "node-a", clock);
        restarted.count("billing@shop.example");

        assertThat(restarted.usage(JUNE)).containsExactly(Map.entry("billing@shop.example", 3L));
        restarted.flush();
        assertThat(UsageCounter.read(directory, JUNE)).containsExactly(Map.entry("billing@shop.example", 3L));
    }

    @Test
    void countsOfNodesSharingTheDirectoryShouldAddUp() throws Exception {
        UsageCounter a = new UsageCounter(directory, "node-a", clock);
        UsageCounter b = new UsageCounter(directory, "node-b", clock);
        a.count("billing@shop.example");
        b.count("billing@shop.example");
        b.count("parcels@shop.example");
        a.flush();
        b.flush();

        assertThat(a.usage(JUNE)).containsExactly(Map.entry("billing@shop.example", 2L), Map.entry("parcels@shop.example", 1L));
        assertThat(UsageCounter.read(directory, JUNE)).isEqualTo(a.usage(JUNE));
    }

    @Test
    void signaturesShouldCountInTheCalendarMonthTheyHappenIn() throws Exception {
        UsageCounter node = new UsageCounter(directory, "node-a", clock);
        node.count("billing@shop.example");
        clock.set(Instant.parse("2026-07-01T00:00:01Z"));
        node.count("billing@shop.example");
        node.count("billing@shop.example");
        node.flush();

        assertThat(UsageCounter.read(directory, JUNE)).containsExactly(Map.entry("billing@shop.example", 1L));
        assertThat(UsageCounter.read(directory, JULY)).containsExactly(Map.entry("billing@shop.example", 2L));
    }

    @Test
    void nodeNameShouldBeSafeAsAFileName() {
        assertThatThrownBy(() -> new UsageCounter(directory, "../evil", clock))
            .hasMessageContaining("usage node name '../evil'");
    }

    @Test
    void everyCountShouldBeOnDiskWhenCountReturnsWithoutAnyFlush() throws Exception {
        UsageCounter node = new UsageCounter(directory, "node-a", clock);
        for (int i = 0; i < 1000; i++) {
            node.count("billing@shop.example");
        }

        // the node is killed here: no flush, no shutdown hook
        assertThat(UsageCounter.read(directory, JUNE)).containsExactly(Map.entry("billing@shop.example", 1000L));
    }

    @Test
    void aLineBeingWrittenShouldCountOnceItIsComplete() throws Exception {
        UsageCounter reader = new UsageCounter(directory, "reader", clock);
        Path journal = Files.createDirectories(directory.resolve("2026-06")).resolve("node-b.journal");
        Files.writeString(journal, "billing@shop.example\nparcels@sh");

        Map<String, Long> partial = reader.usage(JUNE);
        Files.writeString(journal, "op.example\n", StandardOpenOption.APPEND);

        assertThat(partial).containsExactly(Map.entry("billing@shop.example", 1L));
        assertThat(reader.usage(JUNE)).containsExactly(Map.entry("billing@shop.example", 1L), Map.entry("parcels@shop.example", 1L));
    }

    @Test
    void countsOfAnEarlierVersionShouldBeAddedAsTheyAre() throws Exception {
        Files.writeString(Files.createDirectories(directory.resolve("2026-06")).resolve("old-node.properties"),
            "billing@shop.example=41\n");
        UsageCounter node = new UsageCounter(directory, "node-a", clock);
        node.count("billing@shop.example");

        assertThat(node.usage(JUNE)).containsExactly(Map.entry("billing@shop.example", 42L));
    }

    @Test
    void aCountThatCannotBeWrittenShouldFailTheSignature() throws Exception {
        Path notADirectory = Files.writeString(directory.resolve("usage-is-a-file"), "x");
        UsageCounter node = new UsageCounter(notADirectory, "node-a", clock);

        assertThatThrownBy(() -> node.count("billing@shop.example")).isInstanceOf(IOException.class)
            .hasMessageContaining("the usage count cannot be written").hasMessageContaining("usage.directory");
    }

    @Test
    void aJournalThatCannotBeWrittenShouldBeKnownBeforeAnyMail() throws Exception {
        Path notADirectory = Files.writeString(directory.resolve("usage-is-a-file"), "x");
        UsageCounter node = new UsageCounter(notADirectory, "node-a", clock);

        assertThat(node.check()).hasValueSatisfying(problem -> assertThat(problem)
            .contains(notADirectory.toString(), "every signature fails", "usage.directory", "SMIME_USAGE_DIRECTORY"));
        assertThat(node.problem()).isEqualTo(node.check());
    }

    @Test
    void theProblemShouldClearAtTheNextFlushOnceTheJournalCanBeWritten() throws Exception {
        Path usage = directory.resolve("usage");
        Files.writeString(usage, "in the way");
        UsageCounter node = new UsageCounter(usage, "node-a", clock);
        assertThat(node.check()).isPresent();

        Files.delete(usage);
        node.flush();

        assertThat(node.problem()).isEmpty();
        node.count("billing@shop.example");
        assertThat(node.usage(JUNE)).containsExactly(Map.entry("billing@shop.example", 1L));
    }

    @Test
    void aCountThatFailsShouldBeTheProblemUntilOneSucceeds() throws Exception {
        Path usage = directory.resolve("usage");
        UsageCounter node = new UsageCounter(usage, "node-a", clock);
        assertThat(node.check()).isEmpty();
        clock.set(Instant.parse("2026-07-01T00:00:01Z"));
        Files.writeString(usage.resolve("2026-07"), "a file where July's directory goes");

        assertThatThrownBy(() -> node.count("billing@shop.example")).isInstanceOf(IOException.class);
        assertThat(node.problem()).hasValueSatisfying(problem -> assertThat(problem).contains("2026-07"));

        Files.delete(usage.resolve("2026-07"));
        node.count("billing@shop.example");
        assertThat(node.problem()).isEmpty();
    }

    @Test
    void aJournalThatCannotBeReadShouldGiveNoTotalRatherThanAShortOne() throws Exception {
        UsageCounter node = new UsageCounter(directory, "node-a", clock);
        node.count("billing@shop.example");
        Path unreadable = Files.createDirectories(directory.resolve("2026-06/node-b.journal"));

        assertThatThrownBy(() -> node.usage(JUNE)).isInstanceOf(IOException.class)
            .hasMessageStartingWith("the usage counts of 2026-06 cannot be read: " + unreadable)
            .hasMessageEndingWith("no total is given rather than one that leaves counts out");
        assertThatThrownBy(() -> UsageCounter.read(directory, JUNE)).isInstanceOf(IOException.class);
    }

    @Test
    void aLegacyFileWithoutACountShouldGiveNoTotal() throws Exception {
        Files.writeString(Files.createDirectories(directory.resolve("2026-06")).resolve("old-node.properties"), "billing@shop.example=many\n");

        assertThatThrownBy(() -> UsageCounter.read(directory, JUNE)).isInstanceOf(IOException.class)
            .hasMessageContaining("'many' is not a count for billing@shop.example");
    }

    @Test
    void countsFromManyThreadsWhileJournalsAreFlushedAndTotalsReadShouldAllBeCountedWhole() throws Exception {
        UsageCounter node = new UsageCounter(directory, "node-a", clock);
        int threads = 8;
        int each = 2_000;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads + 1);
        java.util.List<java.util.concurrent.Future<?>> work = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String address = "sender" + t + "@shop.example";
            work.add(pool.submit(() -> {
                for (int i = 0; i < each; i++) {
                    node.count(address);
                }
                return null;
            }));
        }
        work.add(pool.submit(() -> {
            for (int i = 0; i < 50; i++) {
                node.flush();
                node.usage(JUNE);
            }
            return null;
        }));
        for (java.util.concurrent.Future<?> done : work) {
            done.get();
        }
        pool.shutdown();

        java.util.Map<String, Long> totals = new UsageCounter(directory, "reader", clock).usage(JUNE);
        assertThat(totals).hasSize(threads).allSatisfy((address, count) -> assertThat(count).as(address).isEqualTo((long) each));
        assertThat(node.usage(JUNE)).isEqualTo(totals);
    }
}
