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

import java.util.Locale;
import java.util.Optional;

import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

/**
 * What the submitting application asks for in the {@value #HEADER} header: {@code yes} or {@code no} (any case,
 * surrounding white space ignored), nothing, or something else. Only one header with one of the two values is a
 * request; several, or another value, are unreadable and ask for nothing. A {@code yes} may carry
 * {@code ; headers=protected} or {@code ; headers=plain}: this message's header protection, whatever
 * {@code signing.headerProtection} says ({@link #headerProtection}). The header is honoured only for a submitter
 * entitled to the From address, and never leaves James (see the README).
 */
public enum SigningRequest {
    YES("yes"),
    NO("no"),
    NONE("none"),
    UNREADABLE("unreadable");

    /** The header an application sets per message. */
    public static final String HEADER = "X-Smime-Sign";

    private final String auditValue;

    SigningRequest(String auditValue) {
        this.auditValue = auditValue;
    }

    public static SigningRequest of(MimeMessage message) throws MessagingException {
        String[] values = message.getHeader(HEADER);
        if (values == null || values.length == 0) {
            return NONE;
        }
        if (values.length > 1) {
            return UNREADABLE;
        }
        String value = values[0].trim().toLowerCase(Locale.ROOT);
        int semicolon = value.indexOf(';');
        if (semicolon >= 0) {
            return value.substring(0, semicolon).trim().equals("yes") && headersParameter(value.substring(semicolon + 1)) != null
                ? YES : UNREADABLE;
        }
        if (value.equals("yes")) {
            return YES;
        }
        return value.equals("no") ? NO : UNREADABLE;
    }

    /**
     * This message's header protection as its readable {@code yes} request says it ({@code headers=protected}: on,
     * {@code headers=plain}: off), or empty when it says nothing of it.
     */
    public static Optional<Boolean> headerProtection(MimeMessage message) throws MessagingException {
        if (of(message) != YES) {
            return Optional.empty();
        }
        String value = message.getHeader(HEADER)[0].trim().toLowerCase(Locale.ROOT);
        int semicolon = value.indexOf(';');
        return semicolon < 0 ? Optional.empty() : Optional.of(headersParameter(value.substring(semicolon + 1)));
    }

    /** {@code headers=protected} is true, {@code headers=plain} false, anything else null. */
    private static Boolean headersParameter(String parameter) {
        String[] nameAndValue = parameter.split("=", 2);
        if (nameAndValue.length != 2 || !nameAndValue[0].trim().equals("headers")) {
            return null;
        }
        String choice = nameAndValue[1].trim();
        return choice.equals("protected") ? Boolean.TRUE : choice.equals("plain") ? Boolean.FALSE : null;
    }

    /** How the audit line records it: {@code yes}, {@code no}, {@code none} or {@code unreadable}. */
    public String auditValue() {
        return auditValue;
    }
}
