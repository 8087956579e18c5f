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
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.jamessmime.core.SmimeSigningService;
import io.github.jamessmime.core.address.DomainNames;
import io.github.jamessmime.core.address.InvalidAddressException;
import io.github.jamessmime.core.policy.SenderEntitlement;

/**
 * Matches all recipients of a mail whose From header holds exactly one address that the submitter owns, by the
 * entitlement policy of {@link HasSenderCertificate} (SMTP AUTH as the address, a grant, or a trusted network; see
 * smime.properties) but whatever the certificate store holds. The condition, when given, is a comma-separated list of
 * domains the From address must be in. It gates {@code DKIMSign}, so that the operator's domain never signs a forged
 * From. A mail with more header fields than {@code mime.maxHeaderFields} is not matched either (DKIMSign's time grows
 * with the square of their number):
 *
 * <pre>{@code
 * <mailet match="io.github.jamessmime.matcher.SenderOwnsFromAddress=shop.example" class="org.apache.james.jdkim.mailets.DKIMSign">
 * }</pre>
 */
public class SenderOwnsFromAddress extends GenericMatcher {
    private static final Logger LOGGER = LoggerFactory.getLogger(SenderOwnsFromAddress.class);

    private final SmimeSigningService service;
    private final MetricFactory metrics;
    private Set<String> domains = Set.of();

    @Inject
    public SenderOwnsFromAddress(SmimeSigningService service, MetricFactory metrics) {
        this.service = service;
        this.metrics = metrics;
    }

    @Override
    public void init() throws MessagingException {
        String condition = getCondition();
        if (condition == null || condition.isBlank()) {
            domains = Set.of();
            return;
        }
        Set<String> keys = new LinkedHashSet<>();
        for (String domain : condition.split(",")) {
            try {
                keys.add(DomainNames.key(domain.trim()));
            } catch (InvalidAddressException e) {
                throw new MessagingException("SenderOwnsFromAddress: condition '" + condition + "' must be a comma-separated list of"
                    + " domains (for example shop.example or müller.example); '" + domain.trim() + "' is not one: " + e.getMessage());
            }
        }
        domains = Collections.unmodifiableSet(keys);
    }

    @Override
    public Collection<MailAddress> match(Mail mail) throws MessagingException {
        Optional<String> tooManyHeaders = service.headerFieldProblem(mail.getMessage());
        if (tooManyHeaders.isPresent()) {
            // James's DKIMSign takes time quadratic in the number of header fields: such a mail would hold a spooler thread
            metrics.generate(SigningMetrics.DKIM_TOO_MANY_HEADERS).increment();
            LOGGER.info("Mail {} will not be DKIM-signed: {}", mail.getName(), tooManyHeaders.get());
            return List.of();
        }
        SenderEntitlement.Decision decision = service.ownsFrom(mail.getMessage(), SenderCheck.authenticatedUser(mail),
            Optional.ofNullable(mail.getRemoteAddr()), domains);
        if (decision.entitled()) {
            return mail.getRecipients();
        }
        metrics.generate(SigningMetrics.DKIM_NOT_OWNED).increment();
        LOGGER.info("Mail {} will not be DKIM-signed: {}", mail.getName(), decision.reason());
        return List.of();
    }

    @Override
    public String getMatcherInfo() {
        return "SenderOwnsFromAddress: the submitter owns the From address" + (domains.isEmpty() ? "" : " in " + domains);
    }
}
