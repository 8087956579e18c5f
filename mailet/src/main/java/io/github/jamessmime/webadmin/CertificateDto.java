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

import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import io.github.jamessmime.core.lifecycle.CertificateEntry;
import io.github.jamessmime.core.store.SigningIdentity;

/**
 * One entry of {@code GET /smime/certificates}: a certificate of the store, or a file refused before any certificate
 * of it could be read (then only file, status and reason).
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
@JsonPropertyOrder({"addresses", "file", "subject", "issuer", "serial", "notBefore", "notAfter", "sha256", "status", "kind", "reason", "inUse"})
public final class CertificateDto {
    private final CertificateEntry entry;

    CertificateDto(CertificateEntry entry) {
        this.entry = entry;
    }

    /** The certificate's addresses; for a refused file, those its certificate named (absent when it could not be read). */
    public Optional<List<String>> getAddresses() {
        return entry.addresses().isEmpty() ? Optional.empty() : Optional.of(entry.addresses());
    }

    public String getFile() {
        return entry.source();
    }

    public Optional<String> getSubject() {
        return entry.identity().map(SigningIdentity::subject);
    }

    public Optional<String> getIssuer() {
        return entry.identity().map(SigningIdentity::issuer);
    }

    public Optional<String> getSerial() {
        return entry.identity().map(identity -> identity.certificate().getSerialNumber().toString(16));
    }

    public Optional<String> getNotBefore() {
        return entry.identity().map(identity -> identity.notBefore().toString());
    }

    public Optional<String> getNotAfter() {
        return entry.identity().map(identity -> identity.notAfter().toString());
    }

    public Optional<String> getSha256() {
        return entry.identity().map(SigningIdentity::fingerprint);
    }

    /** {@code valid}, {@code not yet valid}, {@code expired} or {@code refused}. */
    public String getStatus() {
        return entry.status().label();
    }

    /** The refusal's kind ({@code not_trusted}, {@code wrong_password}, {@code rule:wildcard} …) when refused. */
    public Optional<String> getKind() {
        return entry.code();
    }

    public Optional<String> getReason() {
        return entry.reason();
    }

    /** Whether James signs with this certificate now; absent for a refused file. */
    public Optional<Boolean> getInUse() {
        return entry.identity().map(identity -> entry.inUse());
    }
}
