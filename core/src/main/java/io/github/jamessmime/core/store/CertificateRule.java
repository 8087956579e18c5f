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
package io.github.jamessmime.core.store;

import java.util.Locale;

/**
 * The store's certificate rules, each with the id a refusal of kind {@link io.github.jamessmime.core.failure.FailureKind#RULE}
 * names (in the log, {@code GET /smime/certificates}, the CLI and the README's refusal table).
 */
public enum CertificateRule {
    /** A CA certificate ({@code CA:TRUE}) instead of a sender's. */
    CA_CERTIFICATE,
    /** KeyUsage present without digitalSignature. */
    KEY_USAGE,
    /** ExtendedKeyUsage present without emailProtection. */
    EMAIL_PROTECTION,
    /** ExtendedKeyUsage with anyExtendedKeyUsage. */
    ANY_EXTENDED_KEY_USAGE,
    /** An id-RSASSA-PSS key. */
    RSA_PSS_KEY,
    /** A key too weak or of a type clients do not take. */
    KEY_STRENGTH,
    /** The private key does not belong to the certificate (or the token's key does not sign for it). */
    KEY_MISMATCH,
    /** No file entry with a private key and its certificate. */
    NO_KEY,
    /** Valid for longer than the S/MIME Baseline Requirements allow. */
    VALIDITY_PERIOD,
    /** No rfc822Name in SubjectAltName. */
    NO_ADDRESS,
    /** A wildcard or domain-only address. */
    WILDCARD,
    /** A SubjectAltName value that is not a plain mailbox. */
    NOT_A_MAILBOX,
    /** A subject e-mail address not among the SubjectAltName addresses. */
    SUBJECT_ADDRESS,
    /** An extension or the subject that cannot be parsed. */
    MALFORMED_CERTIFICATE,
    /** SHA-1 or MD5 on the certificate or an intermediate. */
    WEAK_SIGNATURE,
    /** A PKCS#12 password check of more iterations than any exporter writes. */
    ITERATIONS;

    /** The id: lower case with dashes ({@code key-usage}). */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
