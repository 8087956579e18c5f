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
package io.github.jamessmime.core.signing;

import java.util.Optional;
import java.util.Properties;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.InternetHeaders;
import javax.mail.internet.MimeMessage;
import javax.mail.util.SharedByteArrayInputStream;

/**
 * A message {@link SmimeSigner} signed, over the one buffer it was written to: the headers as written, the body a
 * shared view of the buffer (no copy, no second parse). It keeps its Message-ID when javax.mail saves changes, and
 * tells how it was dated ({@link MessageDate}).
 */
public final class SignedMessage extends MimeMessage {
    private static final Session SESSION = Session.getInstance(new Properties());

    private final MessageDate dating;
    private final Optional<String> unprotectedHeaders;

    SignedMessage(InternetHeaders headers, SharedByteArrayInputStream whole, int bodyStart, MessageDate dating) {
        this(headers, whole, bodyStart, dating, Optional.empty());
    }

    SignedMessage(InternetHeaders headers, SharedByteArrayInputStream whole, int bodyStart, MessageDate dating,
                  Optional<String> unprotectedHeaders) {
        super(SESSION);
        this.headers = headers;
        this.contentStream = whole.newStream(bodyStart, -1);
        this.modified = false;
        this.saved = true;
        this.dating = dating;
        this.unprotectedHeaders = unprotectedHeaders;
    }

    /** Whether the signature carries the signing time, and whether a Date was added, with the reason. */
    public MessageDate dating() {
        return dating;
    }

    /**
     * Why the header fields were not protected although header protection was asked for (a field that cannot be
     * written relay-proof, {@link ProtectedHeaders}); empty when they were, or when it was not asked for.
     */
    public Optional<String> unprotectedHeaders() {
        return unprotectedHeaders;
    }

    @Override
    protected void updateMessageID() throws MessagingException {
        if (getHeader("Message-ID") == null) {
            super.updateMessageID();
        }
    }
}
