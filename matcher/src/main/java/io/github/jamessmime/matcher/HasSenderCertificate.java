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

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMatcher;

import io.github.jamessmime.core.SmimeSigningService;
import io.github.jamessmime.core.policy.Eligibility;

/**
 * Matches all recipients of a mail whose From header holds exactly one address, for which the store holds a
 * certificate usable now, and whose submitter is entitled to that address (SMTP AUTH as the address, a
 * grant, or a trusted network: see smime.properties). Mail that is already signed or encrypted does not
 * match. Takes no condition. Each mail it does not match gets one INFO line on {@value SigningMetrics#UNSIGNED_LOGGER}
 * with the reason, and counts in {@code smime_unsigned_<reason>}.
 *
 * <pre>{@code
 * <mailet match="io.github.jamessmime.matcher.HasSenderCertificate" class="io.github.jamessmime.mailet.SignBySenderMailet"/>
 * }</pre>
 */
public class HasSenderCertificate extends GenericMatcher {
    private final SmimeSigningService service;
    private final MetricFactory metrics;

    @Inject
    public HasSenderCertificate(SmimeSigningService service, MetricFactory metrics) {
        this.service = service;
        this.metrics = metrics;
    }

    @Override
    public void init() throws MessagingException {
        String condition = getCondition();
        if (condition != null && !condition.isBlank()) {
            throw new MessagingException("HasSenderCertificate takes no condition, got '" + condition
                + "'; configure the store and the policy in smime.properties");
        }
    }

    @Override
    public Collection<MailAddress> match(Mail mail) throws MessagingException {
        Eligibility eligibility = SenderCheck.eligibility(service, mail);
        if (eligibility.isEligible()) {
            return mail.getRecipients();
        }
        SigningMetrics.leftUnsigned(metrics, mail.getName(), eligibility);
        return List.of();
    }

    @Override
    public String getMatcherInfo() {
        return "HasSenderCertificate: the sender has a usable S/MIME certificate and is entitled to its From address";
    }
}
