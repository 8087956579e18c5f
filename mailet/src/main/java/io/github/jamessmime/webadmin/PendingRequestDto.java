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
package io.github.jamessmime.webadmin;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import io.github.jamessmime.core.lifecycle.CertificateRequests;
import io.github.jamessmime.core.store.PendingKeys;

/**
 * A pending certificate request: its address, key type, when its key was made, where the key lies (a pending file of
 * the store or a token entry) and, where asked for, its age in whole days and its PKCS#10 request as PEM.
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
@JsonPropertyOrder({"address", "keyType", "created", "ageDays", "source", "csr"})
public final class PendingRequestDto {
    private final PendingKeys.Pending pending;
    private final Optional<Long> ageDays;
    private final Optional<String> csr;

    private PendingRequestDto(PendingKeys.Pending pending, Optional<Long> ageDays, Optional<String> csr) {
        this.pending = pending;
        this.ageDays = ageDays;
        this.csr = csr;
    }

    /** A request just made: with its PKCS#10 request, no age. */
    static PendingRequestDto made(CertificateRequests.Request request) {
        return new PendingRequestDto(request.pending(), Optional.empty(), Optional.of(request.pem()));
    }

    /** A request listed: with its age, without its PKCS#10 request. */
    static PendingRequestDto listed(PendingKeys.Pending pending, Instant now) {
        return new PendingRequestDto(pending, Optional.of(age(pending, now)), Optional.empty());
    }

    /** One request asked for: with its age and its PKCS#10 request. */
    static PendingRequestDto shown(CertificateRequests.Request request, Instant now) {
        return new PendingRequestDto(request.pending(), Optional.of(age(request.pending(), now)), Optional.of(request.pem()));
    }

    private static long age(PendingKeys.Pending pending, Instant now) {
        return Math.max(0, Duration.between(pending.created(), now).toDays());
    }

    public String getAddress() {
        return pending.address();
    }

    /** {@code rsa-2048}, {@code ec-p256} … */
    public String getKeyType() {
        return pending.keyType().toString();
    }

    public String getCreated() {
        return pending.created().toString();
    }

    public Optional<Long> getAgeDays() {
        return ageDays;
    }

    /** {@code .pending/billing@shop.example.p12} in the store, or a token entry {@code pkcs11:hsm/billing@shop.example}. */
    public String getSource() {
        return pending.source();
    }

    /** The PKCS#10 request, {@code -----BEGIN CERTIFICATE REQUEST-----…}, as the CA takes it. */
    public Optional<String> getCsr() {
        return csr;
    }
}
