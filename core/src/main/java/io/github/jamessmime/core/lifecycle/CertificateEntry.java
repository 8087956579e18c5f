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
package io.github.jamessmime.core.lifecycle;

import java.util.List;
import java.util.Optional;

import io.github.jamessmime.core.store.Refusal;
import io.github.jamessmime.core.store.SigningIdentity;

/** One line of the store's listing: a certificate and what the store makes of it, or a file it refused. */
public final class CertificateEntry {
    /** What the store does with a certificate now. */
    public enum Status {
        VALID("valid"),
        NOT_YET_VALID("not yet valid"),
        EXPIRED("expired"),
        /** Revoked, or refused for its chain (an intermediate expired) while the certificate itself is in its dates. */
        REFUSED("refused");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        /** The word the listing uses (WebAdmin JSON, CLI). */
        public String label() {
            return label;
        }
    }

    private final String source;
    private final Optional<SigningIdentity> identity;
    private final Status status;
    private final Optional<String> reason;
    private final Optional<String> code;
    private final List<String> addresses;
    private final boolean inUse;

    CertificateEntry(String source, Optional<SigningIdentity> identity, Status status, Optional<String> reason, boolean inUse) {
        this(source, identity, status, reason, Optional.empty(), identity.map(i -> List.copyOf(i.addresses())).orElse(List.of()), inUse);
    }

    /** An entry refused with {@code refusal}, naming {@code addresses} (its certificate's, as far as it could be read). */
    CertificateEntry(String source, Optional<SigningIdentity> identity, Status status, Optional<Refusal> refusal, List<String> addresses,
                     boolean inUse) {
        this(source, identity, status, refusal.map(Refusal::reason), refusal.map(Refusal::code), addresses, inUse);
    }

    private CertificateEntry(String source, Optional<SigningIdentity> identity, Status status, Optional<String> reason,
                             Optional<String> code, List<String> addresses, boolean inUse) {
        this.source = source;
        this.identity = identity;
        this.status = status;
        this.reason = reason;
        this.code = code;
        this.addresses = List.copyOf(addresses);
        this.inUse = inUse;
    }

    /** The sender addresses: the certificate's, or those a refused certificate named (empty when it could not be read). */
    public List<String> addresses() {
        return addresses;
    }

    /** The kind of the refusal, {@code rule:<id>} for a rule ({@link Refusal#code()}), when the entry is refused. */
    public Optional<String> code() {
        return code;
    }

    /** The store file's name, or {@code pkcs11:<token>/<alias>} for a key in the token. */
    public String source() {
        return source;
    }

    /** The certificate, or empty for a file refused before any certificate of it could be used. */
    public Optional<SigningIdentity> identity() {
        return identity;
    }

    public Status status() {
        return status;
    }

    /** Why the file is not used, when it is not; or, for a file used as read before, why it cannot be read now. */
    public Optional<String> reason() {
        return reason;
    }

    /** Whether James signs with this certificate now for one of its addresses. */
    public boolean inUse() {
        return inUse;
    }

    /** Whether the store may sign with it (now, or from its notBefore on). */
    public boolean usable() {
        return status == Status.VALID || status == Status.NOT_YET_VALID;
    }
}
