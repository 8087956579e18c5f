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
package io.github.jamessmime.core.usage;

import java.time.Clock;
import java.util.Locale;
import java.util.function.Consumer;

import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.jamessmime.core.policy.SigningRequest;
import io.github.jamessmime.core.signing.MessageDate;
import io.github.jamessmime.core.store.SigningIdentity;

/** One line per signature, for the operator's log shipping; no secret in it. */
public final class SignatureAudit {
    /** The logger the lines go to. */
    public static final String LOGGER_NAME = "io.github.jamessmime.audit";
    private static final Logger AUDIT = LoggerFactory.getLogger(LOGGER_NAME);

    private final Clock clock;
    private final Consumer<String> sink;

    /** Lines on {@value #LOGGER_NAME} at INFO. */
    public SignatureAudit(Clock clock) {
        this(clock, AUDIT::info);
    }

    public SignatureAudit(Clock clock, Consumer<String> sink) {
        this.clock = clock;
        this.sink = sink;
    }

    /** Records the signature of {@code message} (the original) as {@code sender}, and what its submitter asked for. */
    public void signed(MimeMessage message, String sender, SigningIdentity identity, String digest, SigningRequest request,
                       MessageDate dating) {
        sink.accept(line(message, sender, identity, digest) + " request=" + request.auditValue()
            + " dating=" + dating.kind().name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }

    /**
     * {@code smime-signature time=... messageId="..." sender=... certificateSha256=... serial=... digest=... request=...
     * dating=...} ({@code request}: the {@code X-Smime-Sign} header, {@code yes}, {@code none} or {@code unreadable};
     * {@code dating}: {@code signing-time}, {@code date-added} or {@code signing-time-omitted}, see {@link MessageDate});
     * values that could hold spaces are quoted.
     */
    private String line(MimeMessage message, String sender, SigningIdentity identity, String digest) {
        String messageId;
        try {
            messageId = message.getMessageID();
        } catch (MessagingException e) {
            messageId = null;
        }
        return "smime-signature time=" + clock.instant()
            + " messageId=\"" + (messageId == null ? "" : messageId.replace("\"", "'").replaceAll("[\\r\\n]", "")) + "\""
            + " sender=" + sender
            + " certificateSha256=" + identity.fingerprint()
            + " serial=" + identity.certificate().getSerialNumber().toString(16)
            + " digest=" + digest;
    }
}
