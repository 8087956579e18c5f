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
package io.github.jamessmime.mailet;

import java.util.Set;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.metrics.api.TimeMetric;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.jamessmime.core.SmimeSigningService;
import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.policy.Eligibility;
import io.github.jamessmime.core.signing.MessageDate;
import io.github.jamessmime.core.signing.SignedMessage;
import io.github.jamessmime.core.signing.SigningException;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.matcher.SenderCheck;
import io.github.jamessmime.matcher.SigningMetrics;

/**
 * Signs a mail with the S/MIME certificate of its From address (RFC 8551 detached multipart/signed) and
 * records the signer address and certificate fingerprint as mail attributes.
 *
 * <p>It checks the same rules as {@code HasSenderCertificate} again ({@link SenderCheck}), so that even behind a broader matcher
 * it never signs for someone else: a mail it may not sign passes unchanged. A mail that should be signed
 * but cannot be (a broken key, a malformed message) makes it throw a {@link MessagingException} naming the
 * mail and the reason, so that the processor's {@code onMailetException} policy decides: send unsigned
 * ({@code ignore}) or hold it in an error repository (a processor name). The mail is never dropped.
 */
public class SignBySenderMailet extends GenericMailet {
    public static final AttributeName SIGNER_ADDRESS = AttributeName.of("smime.signer.address");
    public static final AttributeName SIGNER_CERTIFICATE_SHA256 = AttributeName.of("smime.signer.certificateSha256");
    private static final Logger LOGGER = LoggerFactory.getLogger(SignBySenderMailet.class);
    private static final Set<String> PARAMETERS = Set.of();

    private final SmimeSigningService service;
    private final MetricFactory metrics;

    @Inject
    public SignBySenderMailet(SmimeSigningService service, MetricFactory metrics) {
        this.service = service;
        this.metrics = metrics;
    }

    @Override
    public void init() throws MessagingException {
        checkInitParameters(PARAMETERS);
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        Eligibility eligibility = SenderCheck.eligibility(service, mail);
        if (!eligibility.isEligible()) {
            SigningMetrics.leftUnsigned(metrics, mail.getName(), eligibility);
            return;
        }
        SigningIdentity identity = eligibility.identity().orElseThrow();
        String from = eligibility.fromAddress().orElseThrow();
        SignedMessage signed;
        TimeMetric timer = metrics.timer(SigningMetrics.SIGNING_TIME);
        try {
            signed = service.sign(mail.getMessage(), eligibility);
        } catch (SigningException e) {
            LOGGER.warn("Mail {} could not be S/MIME signed as {}: {}", mail.getName(), from, e.getMessage());
            SigningMetrics.failed(metrics, e.kind(), mail.getName(), from, e.getMessage());
            throw new MessagingException("S/MIME signing of mail " + mail.getName() + " as " + from + " failed: " + e.getMessage(), e);
        } catch (RuntimeException | StackOverflowError e) {
            // never expected: the signer reports every failure as a SigningException; the failure policy still applies
            LOGGER.error("Mail {} could not be S/MIME signed as {}: unexpected {}", mail.getName(), from, e.toString(), e);
            SigningMetrics.failed(metrics, FailureKind.UNEXPECTED, mail.getName(), from, e.toString());
            throw new MessagingException("S/MIME signing of mail " + mail.getName() + " as " + from + " failed: " + e, e instanceof Exception ? (Exception) e : null);
        }
        timer.stopAndPublish();
        metrics.generate(SigningMetrics.SIGNED).increment();
        mail.setMessage(signed);
        mail.setAttribute(new Attribute(SIGNER_ADDRESS, AttributeValue.of(from)));
        mail.setAttribute(new Attribute(SIGNER_CERTIFICATE_SHA256, AttributeValue.of(identity.fingerprint())));
        LOGGER.info("Mail {} S/MIME signed as {} with certificate sha256={} ({})", mail.getName(), from,
            identity.fingerprint(), eligibility.reason());
        countDating(mail, signed.dating());
        signed.unprotectedHeaders().ifPresent(reason -> {
            metrics.generate(SigningMetrics.SIGNED_HEADERS_UNPROTECTED).increment();
            LOGGER.info("Mail {}: {}", mail.getName(), reason);
        });
    }

    /** Counts and logs a signed mail that got a Date, or whose signature carries no signing time ({@link MessageDate}). */
    private void countDating(Mail mail, MessageDate dating) {
        if (dating.kind() == MessageDate.Kind.SIGNING_TIME) {
            return;
        }
        metrics.generate(dating.kind() == MessageDate.Kind.DATE_ADDED ? SigningMetrics.SIGNED_DATE_ADDED
            : SigningMetrics.SIGNED_WITHOUT_SIGNING_TIME).increment();
        LOGGER.info("Mail {}: {}", mail.getName(), dating.reason());
    }

    @Override
    public String getMailetInfo() {
        return "SignBySenderMailet: S/MIME-signs mail with the certificate of its From address";
    }
}
