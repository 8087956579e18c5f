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
package io.github.jamessmime.core.policy;

import java.util.Optional;

import io.github.jamessmime.core.store.SigningIdentity;

/** Whether a message is to be signed, and if so with which identity; otherwise why not. */
public final class Eligibility {
    public enum Status {
        /** Sign it with {@link #identity()}. */
        ELIGIBLE,
        /** The From header is missing, repeated, malformed or names more than one address. */
        NO_SINGLE_FROM,
        /** Already {@code multipart/signed} or {@code application/pkcs7-mime}: left alone. */
        ALREADY_SIGNED,
        /** The store has no certificate usable now for the From address. */
        NO_CERTIFICATE,
        /** The submitter may not sign as the From address. */
        NOT_ENTITLED,
        /** The entitled submitter asked for no signature ({@code X-Smime-Sign: no}). */
        DECLINED,
        /** {@code signing.mode=on-request} and the entitled submitter did not ask for a signature. */
        NOT_REQUESTED
    }

    private final Status status;
    private final Optional<String> fromAddress;
    private final Optional<SigningIdentity> identity;
    private final String reason;
    private final SigningRequest request;

    private Eligibility(Status status, Optional<String> fromAddress, Optional<SigningIdentity> identity, String reason,
                        SigningRequest request) {
        this.status = status;
        this.request = request;
        this.fromAddress = fromAddress;
        this.identity = identity;
        this.reason = reason;
    }

    static Eligibility eligible(String from, SigningIdentity identity, String reason, SigningRequest request) {
        return new Eligibility(Status.ELIGIBLE, Optional.of(from), Optional.of(identity), reason, request);
    }

    static Eligibility refused(Status status, Optional<String> from, String reason) {
        return refused(status, from, reason, SigningRequest.NONE);
    }

    static Eligibility refused(Status status, Optional<String> from, String reason, SigningRequest request) {
        return new Eligibility(status, from, Optional.empty(), reason, request);
    }

    public Status status() {
        return status;
    }

    public boolean isEligible() {
        return status == Status.ELIGIBLE;
    }

    public Optional<String> fromAddress() {
        return fromAddress;
    }

    public Optional<SigningIdentity> identity() {
        return identity;
    }

    public String reason() {
        return reason;
    }

    /** What the {@value SigningRequest#HEADER} header asked for, as far as the decision read it. */
    public SigningRequest request() {
        return request;
    }

    @Override
    public String toString() {
        return status + ": " + reason;
    }
}
