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
import java.util.Set;

import javax.mail.MessagingException;
import javax.mail.internet.AddressException;
import javax.mail.internet.MimeMessage;

import io.github.jamessmime.core.address.Addresses;
import io.github.jamessmime.core.address.FromAddress;
import io.github.jamessmime.core.signing.SmimeSigner;
import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.SigningIdentity;

/**
 * The one decision of whether a message gets signed (one From address, not yet signed, a usable certificate, an
 * entitled submitter, and what that submitter asked for in {@value SigningRequest#HEADER} under the
 * {@link SigningMode}), and the same entitlement test without a certificate, which gates DKIM.
 */
public final class SigningDecision {
    private final CertificateStore store;
    private final SenderEntitlement entitlement;
    private final SigningMode mode;

    public SigningDecision(CertificateStore store, SenderEntitlement entitlement, SigningMode mode) {
        this.store = store;
        this.entitlement = entitlement;
        this.mode = mode;
    }

    /** Who may have mail signed, by the settings. */
    public SenderEntitlement entitlement() {
        return entitlement;
    }

    /** Whether {@code message}, from this submitter, is signed, and as which identity. */
    public Eligibility eligibility(MimeMessage message, Optional<String> authenticatedUser, Optional<String> remoteAddress)
        throws MessagingException {
        Optional<String> from;
        try {
            from = FromAddress.single(message);
        } catch (AddressException e) {
            return Eligibility.refused(Eligibility.Status.NO_SINGLE_FROM, Optional.empty(), "malformed From header: " + e.getMessage());
        }
        if (from.isEmpty()) {
            return Eligibility.refused(Eligibility.Status.NO_SINGLE_FROM, from, "the From header does not hold exactly one address");
        }
        if (SmimeSigner.isSignedOrEncrypted(message)) {
            return Eligibility.refused(Eligibility.Status.ALREADY_SIGNED, from, "already signed or encrypted");
        }
        Optional<SigningIdentity> identity = store.find(from.get());
        if (identity.isEmpty()) {
            return Eligibility.refused(Eligibility.Status.NO_CERTIFICATE, from, "no usable certificate for " + from.get() + ": "
                + store.whyNoCertificate(from.get()));
        }
        SenderEntitlement.Decision decision = entitlement.decide(authenticatedUser, remoteAddress, from.get());
        if (!decision.entitled()) {
            return Eligibility.refused(Eligibility.Status.NOT_ENTITLED, from, decision.reason());
        }
        // Read only now: a submitter not entitled to the From address has no say in its signature.
        SigningRequest request = SigningRequest.of(message);
        if (request == SigningRequest.NO) {
            return Eligibility.refused(Eligibility.Status.DECLINED, from, "the submitter asked for no signature ("
                + SigningRequest.HEADER + ": no)", request);
        }
        if (mode == SigningMode.ON_REQUEST && request != SigningRequest.YES) {
            return Eligibility.refused(Eligibility.Status.NOT_REQUESTED, from, "signing.mode=on-request and "
                + (request == SigningRequest.UNREADABLE ? "the " + SigningRequest.HEADER + " header is neither one 'yes' nor one 'no'"
                : "no " + SigningRequest.HEADER + ": yes"), request);
        }
        return Eligibility.eligible(from.get(), identity.get(), decision.reason(), request);
    }

    /**
     * Whether the submitter owns the From address of {@code message}, by the same entitlement policy as signing, but
     * whatever the store holds. With {@code domains} not empty, the From address must also be in one of them.
     */
    public SenderEntitlement.Decision ownsFrom(MimeMessage message, Optional<String> authenticatedUser, Optional<String> remoteAddress,
                                               Set<String> domains) throws MessagingException {
        Optional<String> from;
        try {
            from = FromAddress.single(message);
        } catch (AddressException e) {
            return SenderEntitlement.Decision.refused("malformed From header: " + e.getMessage());
        }
        if (from.isEmpty()) {
            return SenderEntitlement.Decision.refused("the From header does not hold exactly one address");
        }
        if (!domains.isEmpty() && !domains.contains(Addresses.domainOf(from.get()))) {
            return SenderEntitlement.Decision.refused("From address " + from.get() + " is not in " + domains);
        }
        SenderEntitlement.Decision decision = entitlement.decide(authenticatedUser, remoteAddress, from.get());
        return decision.entitled() ? decision : SenderEntitlement.Decision.refused(decision.reason() + " (From " + from.get() + ")");
    }
}
