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

import java.util.Collection;
import java.util.List;
import java.util.Optional;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.jamessmime.core.SmimeSigningService;

/**
 * Matches all recipients of a mail that arrives already S/MIME-signed with a certificate this server holds, from a
 * submitter not entitled to any of that certificate's addresses: someone replaying a signed body of billing@ under
 * other headers. The signature would still verify (it covers the body only), and it is this server's; such mail is
 * not relayed as it is. The shipped configuration holds it in a repository with the reason:
 *
 * <pre>{@code
 * <mailet match="io.github.jamessmime.matcher.SignedWithHeldCertificate" class="ToRepository">
 *     <repositoryPath>file://var/mail/replayed-signature/</repositoryPath>
 * </mailet>
 * }</pre>
 */
public class SignedWithHeldCertificate extends GenericMatcher {
    private static final Logger LOGGER = LoggerFactory.getLogger(SignedWithHeldCertificate.class);

    private final SmimeSigningService service;
    private final MetricFactory metrics;

    @Inject
    public SignedWithHeldCertificate(SmimeSigningService service, MetricFactory metrics) {
        this.service = service;
        this.metrics = metrics;
    }

    @Override
    public Collection<MailAddress> match(Mail mail) throws MessagingException {
        Optional<String> replay = service.replayOfHeldCertificate(mail.getMessage(), SenderCheck.authenticatedUser(mail),
            Optional.ofNullable(mail.getRemoteAddr()));
        if (replay.isEmpty()) {
            return List.of();
        }
        metrics.generate(SigningMetrics.REPLAYED_SIGNATURE).increment();
        LOGGER.warn("Mail {} is not relayed as it is: {}", mail.getName(), replay.get());
        mail.setErrorMessage("not relayed as it is: " + replay.get());
        return mail.getRecipients();
    }

    @Override
    public String getMatcherInfo() {
        return "SignedWithHeldCertificate: already signed with a certificate of this store, by a submitter not entitled to it";
    }
}
