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
package io.github.jamessmime.core.failure;

import java.util.Locale;

/**
 * What kind of failure a store, import, token or signing failure is: what every front end decides on (the HTTP
 * status, the CLI's exit code, the metric label, the reason on unsigned mail), each in its one table, never on a
 * message's text. The message says what happened and what to do; the kind says how to answer it.
 */
public enum FailureKind {
    /** A setting is wrong or missing: fixed in {@code smime.properties} or the command line. */
    CONFIGURATION,
    /** A file, or the whole store, does not open with the password given for it. */
    WRONG_PASSWORD,
    /** The bytes are not what they should be: not a PKCS#12 structure, empty, too large, a link out of the store. */
    UNREADABLE,
    /** A certificate breaks one of the store's rules ({@code CertificateRule} of the store, with its id). */
    RULE,
    /** The chain does not lead to a trust anchor. */
    NOT_TRUSTED,
    /** Outside its validity: the certificate or a CA certificate expired, or is not valid yet. */
    EXPIRED,
    /** Revoked by its CA (CRL or OCSP), or its revocation status is required and unknown. */
    REVOKED,
    /** The certificate lives in a PKCS#11 token: the store cannot do this to it. */
    HELD_IN_TOKEN,
    /** A key that awaits its CA-issued certificate: it never signs until the certificate is installed. */
    PENDING,
    /** Nothing of that name or fingerprint. */
    NOT_FOUND,
    /** Reading or writing on this node's side failed (a disk, a directory). */
    IO,
    /** The PKCS#11 token cannot be reached or refused the login. */
    TOKEN_UNAVAILABLE,
    /** Input that is not what the operation takes (garbage instead of a PKCS#12, a message that cannot be read). */
    BAD_INPUT,
    /** The message cannot be written in the canonical, relay-proof form, so it is not signed. */
    NOT_CANONICAL,
    /** The From address is written in UTF-8 (RFC 6532) and mail leaves this James without SMTPUTF8 ({@code signing.smtpUtf8}). */
    NEEDS_SMTPUTF8,
    /** The message is larger, deeper or has more header fields than the limits. */
    TOO_LARGE,
    /** The private key could not be used: not decrypted, refused by the token, not signing. */
    KEY_FAILED,
    /** The signed message did not verify as the verifiers will read it. */
    SELF_CHECK,
    /** Anything else: a bug to report. */
    UNEXPECTED;

    /** The kind as it appears in metric names, JSON and the CLI: lower case with underscores ({@code wrong_password}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
