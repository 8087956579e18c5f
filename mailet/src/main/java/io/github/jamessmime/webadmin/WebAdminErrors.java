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
package io.github.jamessmime.webadmin;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.apache.james.webadmin.utils.ErrorResponder;
import org.eclipse.jetty.http.HttpStatus;

import io.github.jamessmime.core.address.Addresses;
import io.github.jamessmime.core.address.InvalidAddressException;
import io.github.jamessmime.core.failure.FailureKind;

/** The one way this extension's routes answer an error: James's {@link ErrorResponder}, halting the request. */
final class WebAdminErrors {
    private WebAdminErrors() {
    }

    static RuntimeException badRequest(String message) {
        return error(HttpStatus.BAD_REQUEST_400, ErrorResponder.ErrorType.INVALID_ARGUMENT, message);
    }

    /** The key of the address a request names, or a 400 saying why it has none (an IDNA rule, mixed scripts, ...). */
    static String addressKey(String value) {
        try {
            return Addresses.key(value);
        } catch (InvalidAddressException e) {
            throw badRequest("'" + Addresses.printable(String.valueOf(value)) + "' is not a mail address: " + e.getMessage());
        }
    }

    static RuntimeException notFound(String message) {
        return error(HttpStatus.NOT_FOUND_404, ErrorResponder.ErrorType.NOT_FOUND, message);
    }

    /** An invalid request with another status than 400 (403, 411, 413, 415). */
    static RuntimeException refused(int status, String message) {
        return error(status, ErrorResponder.ErrorType.INVALID_ARGUMENT, message);
    }

    /**
     * The status of each {@link FailureKind}: the one table the routes answer a store or import failure by (a test checks
     * it covers every kind).
     */
    static final Map<FailureKind, Integer> STATUS = statuses();

    private static Map<FailureKind, Integer> statuses() {
        Map<FailureKind, Integer> status = new EnumMap<>(FailureKind.class);
        // what the request carried is refused: fix the upload
        for (FailureKind kind : List.of(FailureKind.WRONG_PASSWORD, FailureKind.UNREADABLE, FailureKind.RULE, FailureKind.NOT_TRUSTED,
            FailureKind.EXPIRED, FailureKind.REVOKED, FailureKind.BAD_INPUT, FailureKind.NOT_CANONICAL,
            FailureKind.NEEDS_SMTPUTF8)) {
            status.put(kind, HttpStatus.BAD_REQUEST_400);
        }
        status.put(FailureKind.TOO_LARGE, HttpStatus.PAYLOAD_TOO_LARGE_413);
        status.put(FailureKind.NOT_FOUND, HttpStatus.NOT_FOUND_404);
        // the request is fine, the resource's state forbids it
        status.put(FailureKind.HELD_IN_TOKEN, HttpStatus.CONFLICT_409);
        status.put(FailureKind.PENDING, HttpStatus.CONFLICT_409);
        // this server cannot do it now, whatever was sent
        status.put(FailureKind.TOKEN_UNAVAILABLE, HttpStatus.SERVICE_UNAVAILABLE_503);
        for (FailureKind kind : List.of(FailureKind.IO, FailureKind.CONFIGURATION, FailureKind.KEY_FAILED, FailureKind.SELF_CHECK,
            FailureKind.UNEXPECTED)) {
            status.put(kind, HttpStatus.INTERNAL_SERVER_ERROR_500);
        }
        return Collections.unmodifiableMap(status);
    }

    /** The answer to a failure of {@code kind}: its status from {@link #STATUS}, James's error type by the status class. */
    static RuntimeException failure(FailureKind kind, String message) {
        int status = STATUS.get(kind);
        return error(status, status >= 500 ? ErrorResponder.ErrorType.SERVER_ERROR
            : status == HttpStatus.NOT_FOUND_404 ? ErrorResponder.ErrorType.NOT_FOUND : ErrorResponder.ErrorType.INVALID_ARGUMENT, message);
    }

    static RuntimeException serverError(String message) {
        return error(HttpStatus.INTERNAL_SERVER_ERROR_500, ErrorResponder.ErrorType.SERVER_ERROR, message);
    }

    private static RuntimeException error(int status, ErrorResponder.ErrorType type, String message) {
        return ErrorResponder.builder().statusCode(status).type(type).message(message).haltError();
    }
}
