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

import io.github.jamessmime.core.failure.Failure;
import io.github.jamessmime.core.failure.FailureKind;

/**
 * A failure of the certificate store, an import or the token, with its {@link FailureKind} (and the
 * {@link CertificateRule} for a rule's refusal): front ends decide on those, the message is for people.
 */
public class StoreException extends Exception implements Failure {
    private final FailureKind kind;
    private final Optional<CertificateRule> rule;
    /** The addresses of the certificate refused, when it could be read that far: the refusal is found by them. */
    private final List<String> addresses;

    public StoreException(FailureKind kind, String message) {
        this(kind, message, null);
    }

    public StoreException(FailureKind kind, String message, Throwable cause) {
        this(kind, Optional.empty(), message, cause, List.of());
    }

    public StoreException(CertificateRule rule, String message) {
        this(rule, message, null);
    }

    public StoreException(CertificateRule rule, String message, Throwable cause) {
        this(FailureKind.RULE, Optional.of(rule), message, cause, List.of());
    }

    private StoreException(FailureKind kind, Optional<CertificateRule> rule, String message, Throwable cause, List<String> addresses) {
        super(message, cause);
        this.kind = kind;
        this.rule = rule;
        this.addresses = List.copyOf(addresses);
    }

    /** The same failure with another message (a file name put in front, say). */
    public StoreException withMessage(String message) {
        return new StoreException(kind, rule, message, this, addresses);
    }

    /** The same failure, naming the addresses of the certificate it refuses. */
    StoreException withAddresses(List<String> certificateAddresses) {
        return new StoreException(kind, rule, getMessage(), getCause(), certificateAddresses);
    }

    @Override
    public FailureKind kind() {
        return kind;
    }

    /** The rule broken, for {@link FailureKind#RULE}. */
    public Optional<CertificateRule> rule() {
        return rule;
    }

    /** The addresses the refused certificate names, when it could be read that far; empty otherwise. */
    public List<String> addresses() {
        return addresses;
    }
}
