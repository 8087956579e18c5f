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

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Signing attempts and failures over the last minutes, in one-minute buckets, for the health check: a signer that
 * fails more than {@code percent} % of its attempts in the window (and at least {@value #MIN_FAILURES} times) is
 * degraded. Thread-safe; constant memory.
 */
public final class FailureRate {
    static final int MIN_FAILURES = 3;

    private final Clock clock;
    private final int minutes;
    private final int percent;
    /** The minute each slot counts; written only under the lock, after the slot's counts were reset. */
    private final AtomicLongArray bucketMinute;
    private final AtomicLongArray attempts;
    private final AtomicLongArray failures;

    public FailureRate(Clock clock, Duration window, int percent) {
        this.clock = clock;
        this.minutes = (int) Math.max(1, window.toMinutes());
        this.percent = percent;
        this.bucketMinute = new AtomicLongArray(minutes);
        this.attempts = new AtomicLongArray(minutes);
        this.failures = new AtomicLongArray(minutes);
    }

    /**
     * Counts one signature. Lock-free but at the first signature of a minute, which resets its slot: the counts are
     * zeroed before the slot's minute is published, so a signature counted in the new minute is never reset away.
     */
    public void record(boolean failed) {
        long minute = clock.millis() / 60_000;
        int slot = (int) (minute % minutes);
        // only a newer minute resets a slot: a thread that read the clock just before a minute ended counts into it
        if (bucketMinute.get(slot) < minute) {
            synchronized (this) {
                if (bucketMinute.get(slot) < minute) {
                    attempts.set(slot, 0);
                    failures.set(slot, 0);
                    bucketMinute.set(slot, minute);
                }
            }
        }
        attempts.incrementAndGet(slot);
        if (failed) {
            failures.incrementAndGet(slot);
        }
    }

    /** The problem, when the failures in the window exceed the rate. */
    public Optional<String> problem() {
        long now = clock.millis() / 60_000;
        long tried = 0;
        long failed = 0;
        for (int slot = 0; slot < minutes; slot++) {
            if (now - bucketMinute.get(slot) < minutes) {
                tried += attempts.get(slot);
                failed += failures.get(slot);
            }
        }
        if (failed >= MIN_FAILURES && failed * 100 > percent * tried) {
            return Optional.of(failed + " of " + tried + " signatures failed in the last " + minutes
                + " minutes (more than " + percent + " %); see the io.github.jamessmime.unsigned log lines for the reasons");
        }
        return Optional.empty();
    }
}
