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
package io.github.jamessmime.core.signing;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

import io.github.jamessmime.testing.FailureReport;
import io.github.jamessmime.testing.RelaySimulator;
import io.github.jamessmime.testing.RelaySimulator.Transformation;

/** Relay outcomes summed over the batches of a signing test, every broken signature a failure of the message. */
final class RelayChecks {
    private final Map<Transformation, int[]> counts = new EnumMap<>(Transformation.class);
    private int messages;

    /** Adds one batch's outcome; each message a relay change broke is a failure in {@code report}. */
    void add(RelaySimulator.Outcome outcome, FailureReport report) {
        outcome.failuresByMessage.forEach((message, broken) -> broken.forEach((transformation, verdict) ->
            report.add(message, "signature broken by a relay: " + transformation, verdict)));
        for (Transformation t : Transformation.values()) {
            int[] count = counts.computeIfAbsent(t, k -> new int[3]);
            count[0] += outcome.identical(t);
            count[1] += outcome.changedButVerified(t);
            count[2] += outcome.failed(t);
        }
        messages += outcome.identical(Transformation.CRLF_TO_LF) + outcome.changedButVerified(Transformation.CRLF_TO_LF)
            + outcome.failed(Transformation.CRLF_TO_LF);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("relay changes on " + messages + " signed messages (identical, changed but verified, broken):");
        counts.forEach((t, count) -> text.append(String.format(Locale.ROOT, "%n  %-30s %6d %6d %6d", t, count[0], count[1], count[2])));
        return text.toString();
    }
}
