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

import java.util.Optional;

import javax.mail.MessagingException;

import org.apache.mailet.Mail;

import io.github.jamessmime.core.SmimeSigningService;
import io.github.jamessmime.core.policy.Eligibility;

/**
 * The one decision both {@link HasSenderCertificate} and {@code SignBySenderMailet} take on a mail: what James
 * knows of the submitter (the SMTP AUTH user and the remote address) handed to the signing service.
 */
public final class SenderCheck {
    private SenderCheck() {
    }

    public static Eligibility eligibility(SmimeSigningService service, Mail mail) throws MessagingException {
        return service.eligibility(mail.getMessage(), authenticatedUser(mail), Optional.ofNullable(mail.getRemoteAddr()));
    }

    /** The SMTP AUTH user James recorded on the mail, if the submitter authenticated. */
    public static Optional<String> authenticatedUser(Mail mail) {
        return mail.getAttribute(Mail.SMTP_AUTH_USER)
            .map(attribute -> attribute.getValue().value())
            .filter(String.class::isInstance)
            .map(String.class::cast);
    }
}
