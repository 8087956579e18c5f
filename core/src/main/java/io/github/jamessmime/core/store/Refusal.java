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
package io.github.jamessmime.core.store;

import java.util.List;
import java.util.Optional;

import io.github.jamessmime.core.failure.FailureKind;

/**
 * Why a store file or token entry is not used: its kind (and rule), the one line for people, and the addresses of
 * its certificate when it could be read that far, so that the refusal is found by the sender's address.
 */
public final class Refusal {
    private final FailureKind kind;
    private final Optional<CertificateRule> rule;
    private final String reason;
    private final List<String> addresses;

    public Refusal(FailureKind kind, Optional<CertificateRule> rule, String reason, List<String> addresses) {
        this.kind = kind;
        this.rule = rule;
        this.reason = reason;
        this.addresses = List.copyOf(addresses);
    }

    public static Refusal of(FailureKind kind, String reason) {
        return new Refusal(kind, Optional.empty(), reason, List.of());
    }

    static Refusal of(StoreException e) {
        return new Refusal(e.kind(), e.rule(), e.getMessage(), e.addresses());
    }

    public FailureKind kind() {
        return kind;
    }

    public Optional<CertificateRule> rule() {
        return rule;
    }

    /** The one line: what is wrong and what to do. */
    public String reason() {
        return reason;
    }

    /** The addresses the refused certificate names, if it could be read that far. */
    public List<String> addresses() {
        return addresses;
    }

    /** The same refusal naming these addresses (the identities of a file refused as expired or revoked, say). */
    Refusal naming(List<String> certificateAddresses) {
        return new Refusal(kind, rule, reason, certificateAddresses);
    }

    /** {@code kind} or {@code rule:<id>}: what the CLI and the JSON show beside the reason. */
    public String code() {
        return rule.map(r -> "rule:" + r.id()).orElse(kind.label());
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof Refusal)) {
            return false;
        }
        Refusal that = (Refusal) other;
        return kind == that.kind && rule.equals(that.rule) && reason.equals(that.reason) && addresses.equals(that.addresses);
    }

    @Override
    public int hashCode() {
        return reason.hashCode();
    }

    @Override
    public String toString() {
        return reason;
    }
}
