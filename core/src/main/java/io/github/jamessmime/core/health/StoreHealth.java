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

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.SigningIdentity;

/**
 * How the store stands, for James's health check: unhealthy when the store password opens nothing, when the store
 * has files but none is usable, or when a sender has certificates but none valid because they expired or were
 * revoked; degraded when the store holds no certificate at all, when any file is refused (each named with its reason),
 * or a sender's certificate that lasts longest expires within the warning period (or none is valid yet); healthy
 * otherwise.
 */
public final class StoreHealth {
    public enum Status { HEALTHY, DEGRADED, UNHEALTHY }

    /** How many problems the public summary names. */
    static final int SUMMARY_PROBLEMS = 5;

    private final Status status;
    private final List<String> problems;
    private final Optional<Long> daysToFirstExpiry;
    private final List<String> expiringWithoutRenewal;

    private StoreHealth(Status status, List<String> problems, Optional<Long> daysToFirstExpiry, List<String> expiringWithoutRenewal) {
        this.status = status;
        this.problems = List.copyOf(problems);
        this.daysToFirstExpiry = daysToFirstExpiry;
        this.expiringWithoutRenewal = List.copyOf(expiringWithoutRenewal);
    }

    /** The senders whose certificate expires within the warning and that have no pending renewal request (the gauge). */
    public List<String> expiringWithoutRenewal() {
        return expiringWithoutRenewal;
    }

    public static StoreHealth evaluate(CertificateStore store, Instant now, Duration warning) {
        Map<String, List<SigningIdentity>> byAddress = new TreeMap<>();
        Map<String, String> refusals = new TreeMap<>();
        for (CertificateStore.FileReport report : store.reports()) {
            for (SigningIdentity identity : report.expiredOrRevokedIdentities()) {
                identity.addresses().forEach(address -> refusals.put(address, report.refusal().orElse("")));
            }
            for (SigningIdentity identity : report.allIdentities()) {
                identity.addresses().forEach(address -> byAddress.computeIfAbsent(address, a -> new ArrayList<>()).add(identity));
            }
        }
        Set<String> pending = store.pendingAddresses();
        List<String> expiringWithoutRenewal = new ArrayList<>();
        List<String> unhealthy = new ArrayList<>();
        List<String> degraded = new ArrayList<>();
        Long soonest = null;
        for (Map.Entry<String, List<SigningIdentity>> entry : byAddress.entrySet()) {
            String address = entry.getKey();
            SigningIdentity lastingLongest = entry.getValue().stream().max(Comparator.comparing(SigningIdentity::notAfter)).orElseThrow();
            if (store.find(address).isEmpty()) {
                if (refusals.containsKey(address)) {
                    // refused at the last load: expired or revoked, the store's reason says which
                    unhealthy.add(address + ": no usable certificate, " + refusals.get(address));
                } else if (now.isAfter(lastingLongest.notAfter())) {
                    // expired since the last load
                    unhealthy.add(address + ": no valid certificate, the last one expired on " + lastingLongest.notAfter());
                } else {
                    degraded.add(address + ": no certificate valid yet (the first from " + entry.getValue().stream()
                        .map(SigningIdentity::notBefore).min(Comparator.naturalOrder()).orElseThrow() + ")");
                }
                continue;
            }
            long days = Duration.between(now, lastingLongest.notAfter()).toDays();
            soonest = soonest == null ? days : Math.min(soonest, days);
            if (Duration.between(now, lastingLongest.notAfter()).compareTo(warning) < 0) {
                boolean renewing = pending.contains(address);
                if (!renewing) {
                    expiringWithoutRenewal.add(address);
                }
                degraded.add(address + ": certificate expires on " + lastingLongest.notAfter() + " (in " + days + " days)"
                    + (renewing ? ", its renewal is requested" : " and no renewal is pending: request one (CLI request --renew,"
                        + " WebAdmin POST /smime/requests) and install the certificate the CA issues"));
            }
        }
        List<CertificateStore.FileReport> reports = store.reports();
        long usableFiles = reports.stream().filter(CertificateStore.FileReport::usable).count();
        store.tokenProblem().ifPresent(problem -> unhealthy.add(0, problem + "; its senders' mail follows the failure policy"));
        Optional<String> passwordProblem = store.passwordProblem();
        if (passwordProblem.isPresent()) {
            unhealthy.add(0, passwordProblem.get());
        } else if (!reports.isEmpty() && usableFiles == 0) {
            unhealthy.add(0, "none of the " + reports.size() + " certificate files is usable, so nothing is signed");
        } else if (reports.isEmpty()) {
            // a store mounted at the wrong place, or not filled yet, must not look like a healthy one
            degraded.add("the store holds no certificate (" + store.directory() + " has no .p12 or .pfx file), so nothing is signed;"
                + " import the senders' certificates");
        }
        for (CertificateStore.FileReport report : reports) {
            report.problem().ifPresent(degraded::add);
            boolean wrongPassword = report.refusedAs().map(refusal -> refusal.kind() == FailureKind.WRONG_PASSWORD).orElse(false);
            if (!report.usable() && report.expiredOrRevokedIdentities().isEmpty() && !(wrongPassword && passwordProblem.isPresent())) {
                // a file under another password is named; the store's wrong password is the one line above
                // expired and revoked files are reported per sender above
                degraded.add(report.name() + " refused: " + report.refusal().orElse(""));
            }
        }
        List<String> problems = new ArrayList<>(unhealthy);
        problems.addAll(degraded);
        Status status = !unhealthy.isEmpty() ? Status.UNHEALTHY : !degraded.isEmpty() ? Status.DEGRADED : Status.HEALTHY;
        return new StoreHealth(status, problems, Optional.ofNullable(soonest), expiringWithoutRenewal);
    }

    /** This health, unhealthy by one more problem, named first. */
    public StoreHealth unhealthyBy(String problem) {
        List<String> all = new ArrayList<>();
        all.add(problem);
        all.addAll(problems);
        return new StoreHealth(Status.UNHEALTHY, all, daysToFirstExpiry, expiringWithoutRenewal);
    }

    /** This health, degraded (unless already unhealthy) by one more problem. */
    public StoreHealth degradedBy(String problem) {
        List<String> all = new ArrayList<>(problems);
        all.add(problem);
        return new StoreHealth(status == Status.UNHEALTHY ? Status.UNHEALTHY : Status.DEGRADED, all, daysToFirstExpiry,
            expiringWithoutRenewal);
    }

    public Status status() {
        return status;
    }

    /** One line per sender with a problem, unhealthy ones first. */
    public List<String> problems() {
        return problems;
    }

    /** Days until the first sender's usable certificate expires (the gauge), if any is usable. */
    public Optional<Long> daysToFirstExpiry() {
        return daysToFirstExpiry;
    }

    /**
     * A one-line cause for James's health check, which anyone may read and James logs at every poll: the first
     * {@value #SUMMARY_PROBLEMS} problems and how many more there are (WebAdmin's certificate list, with a token, and the log
     * name them all).
     */
    public String summary() {
        if (problems.isEmpty()) {
            return "all sender certificates valid";
        }
        if (problems.size() <= SUMMARY_PROBLEMS) {
            return String.join("; ", problems);
        }
        return String.join("; ", problems.subList(0, SUMMARY_PROBLEMS)) + "; and " + (problems.size() - SUMMARY_PROBLEMS)
            + " more problems (" + problems.size() + " in all: GET /smime/certificates lists them, and the log)";
    }
}
