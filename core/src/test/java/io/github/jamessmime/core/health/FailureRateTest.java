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
package io.github.jamessmime.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.github.jamessmime.testing.MutableClock;

class FailureRateTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T10:00:00Z"));
    final FailureRate rate = new FailureRate(clock, Duration.ofMinutes(10), 5);

    @Test
    void failuresAboveTheRateShouldBeAProblemNamingTheCounts() {
        record(90, false);
        record(10, true);

        assertThat(rate.problem()).get().asString().startsWith("10 of 100 signatures failed in the last 10 minutes (more than 5 %)");
    }

    @Test
    void failuresWithinTheRateOrTooFewShouldNotBe() {
        record(200, false);
        record(5, true);
        assertThat(rate.problem()).as("5 of 205").isEmpty();

        FailureRate quiet = new FailureRate(clock, Duration.ofMinutes(10), 5);
        quiet.record(true);
        quiet.record(true);
        assertThat(quiet.problem()).as("2 of 2: fewer than three failures").isEmpty();
    }

    @Test
    void failuresShouldAgeOutOfTheWindow() {
        record(10, true);
        clock.advance(Duration.ofMinutes(5));
        assertThat(rate.problem()).isPresent();

        clock.advance(Duration.ofMinutes(6));
        assertThat(rate.problem()).isEmpty();
    }

    @Test
    void signaturesCountedFromManyThreadsAcrossAMinuteShouldAllBeCounted() throws Exception {
        int threads = 4;
        int each = 50_000;
        CountDownLatch halfway = new CountDownLatch(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                for (int i = 0; i < each; i++) {
                    rate.record(i % 10 == 0);
                    if (i == each / 2) {
                        halfway.countDown();
                    }
                }
            }));
        }
        // the next minute starts while the threads count: its first signature resets a slot, and none may be lost
        halfway.await();
        clock.advance(Duration.ofMinutes(1));
        for (Future<?> future : done) {
            future.get();
        }
        pool.shutdown();

        assertThat(rate.problem()).hasValueSatisfying(problem -> assertThat(problem)
            .startsWith((threads * each / 10) + " of " + (threads * each) + " signatures failed in the last 10 minutes"));
    }

    @Test
    void aSignatureCountedWithTheMinuteBeforeShouldNotResetTheNewMinute() {
        FailureRate oneMinute = new FailureRate(clock, Duration.ofMinutes(1), 5);
        Instant start = clock.instant();
        clock.advance(Duration.ofMinutes(1));
        for (int i = 0; i < 10; i++) {
            oneMinute.record(true);
        }
        // a thread that read the clock just before the minute ended counts late
        clock.set(start);
        oneMinute.record(false);
        clock.set(start.plus(Duration.ofMinutes(1)));

        assertThat(oneMinute.problem()).hasValueSatisfying(problem -> assertThat(problem).startsWith("10 of 11 signatures failed"));
    }

    private void record(int times, boolean failed) {
        for (int i = 0; i < times; i++) {
            rate.record(failed);
        }
    }
}
