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
package io.github.jamessmime.matcher;

import java.util.Locale;

import org.apache.james.metrics.api.MetricFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.policy.Eligibility;

/**
 * The names of the extension's metrics in James's metric factory (exported as they are by {@code GET /metrics},
 * Prometheus text format), and the logger of the one INFO line each mail left unsigned gets. Counters only grow;
 * each mail counts once, in the matcher or the mailet that decided.
 */
public final class SigningMetrics {
    /** Mails S/MIME-signed. */
    public static final String SIGNED = "smime_signed";
    /** Mails left unsigned, one counter per reason: {@code smime_unsigned_no_certificate} and so on. */
    public static final String UNSIGNED_PREFIX = "smime_unsigned_";
    /**
     * Mails that should have been signed but could not, one counter per {@link FailureKind}: {@code smime_failed_not_canonical},
     * {@code _self_check}, {@code _key_failed}, {@code _unexpected} and so on.
     */
    public static final String FAILED_PREFIX = "smime_failed_";
    /** Mails signed whose signature carries no signing time: their Date was far from it (a resend), unreadable or doubled. */
    public static final String SIGNED_WITHOUT_SIGNING_TIME = "smime_signed_without_signing_time";
    /** Mails signed without the header protection asked for: a field could not be written relay-proof. */
    public static final String SIGNED_HEADERS_UNPROTECTED = "smime_signed_headers_unprotected";
    /** Mails signed that had no Date: the signed copy got one, the signing time. */
    public static final String SIGNED_DATE_ADDED = "smime_signed_date_added";
    /** Time to sign one mail (the timer's percentiles and count). */
    public static final String SIGNING_TIME = "smime_signing_time";
    /** Mails not DKIM-signed because the submitter does not own the From address. */
    public static final String DKIM_NOT_OWNED = "smime_dkim_refused_not_owned";
    /** Mails that arrived signed with a certificate of this store, from a submitter not entitled to it: not relayed as they are. */
    public static final String REPLAYED_SIGNATURE = "smime_replayed_signature";
    /** Mails not DKIM-signed because they have more header fields than mime.maxHeaderFields. */
    public static final String DKIM_TOO_MANY_HEADERS = "smime_dkim_refused_too_many_headers";
    /** One INFO line per mail left unsigned, with its name, From address and reason; silence or route it here. */
    public static final String UNSIGNED_LOGGER = "io.github.jamessmime.unsigned";

    private static final Logger UNSIGNED = LoggerFactory.getLogger(UNSIGNED_LOGGER);

    private SigningMetrics() {
    }

    /** The counter of mails left unsigned for {@code status}. */
    public static String unsigned(Eligibility.Status status) {
        return UNSIGNED_PREFIX + status.name().toLowerCase(Locale.ROOT);
    }

    /** Counts and logs a mail left unsigned because it was not eligible. */
    public static void leftUnsigned(MetricFactory metrics, String mailName, Eligibility eligibility) {
        metrics.generate(unsigned(eligibility.status())).increment();
        UNSIGNED.info("Mail {} left unsigned (From {}): {}: {}", mailName, eligibility.fromAddress().orElse("-"),
            eligibility.status(), eligibility.reason());
    }

    /** The counter of mails whose signature failed with {@code kind}: the one mapping of kinds to metric names. */
    public static String failed(FailureKind kind) {
        return FAILED_PREFIX + kind.label();
    }

    /** Counts and logs a mail whose signature failed; the processor's onMailetException decides what happens to it. */
    public static void failed(MetricFactory metrics, FailureKind kind, String mailName, String from, String reason) {
        metrics.generate(failed(kind)).increment();
        UNSIGNED.info("Mail {} left unsigned (From {}): FAILURE: {} (onMailetException decides: relayed unsigned or held)",
            mailName, from, reason);
    }
}
