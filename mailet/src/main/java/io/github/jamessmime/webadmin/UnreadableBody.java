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

import java.util.Optional;
import java.util.Set;

import org.apache.james.webadmin.utils.ErrorResponder;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpStatus;
import spark.Request;
import spark.Response;
import spark.Service;

/**
 * A request body Jetty could not parse. James's request logger reads the query parameters before any route runs, and
 * Jetty then parses a POST or PUT body sent as {@code application/x-www-form-urlencoded} (what {@code curl
 * --data-binary} sends without {@code -H}) as a form: binary bytes do not parse, and James would answer 500. An upload
 * route's body sent so gets the 415 the route gives any other Content-Type, naming the types it takes; anything else the
 * 400 Jetty gives it, in James's error body. Spark keeps one handler per exception class and server, so every route
 * class registers this same one, which knows every upload route.
 */
final class UnreadableBody {
    private UnreadableBody() {
    }

    static void register(Service spark) {
        spark.exception(BadMessageException.class, UnreadableBody::answer);
    }

    /** The Content-Types the extension's route for {@code method} and {@code path} takes its body as, if it takes one. */
    static Optional<Set<String>> acceptedTypes(String method, String path) {
        if (method.equals("POST") && CertificateRoutes.BASE_PATH.equals(path)) {
            return Optional.of(CertificateRoutes.UPLOAD_TYPES);
        }
        if (method.equals("POST") && RequestRoutes.BASE_PATH.equals(path)) {
            return Optional.of(RequestRoutes.JSON_TYPES);
        }
        if (method.equals("PUT") && RequestRoutes.isCertificatePath(path)) {
            return Optional.of(RequestRoutes.CERTIFICATE_TYPES);
        }
        return Optional.empty();
    }

    private static void answer(BadMessageException e, Request request, Response response) {
        Optional<Set<String>> accepted = acceptedTypes(request.requestMethod(), request.pathInfo());
        int status = accepted.isPresent() ? HttpStatus.UNSUPPORTED_MEDIA_TYPE_415 : e.getCode();
        String message = accepted.isPresent() ? CrossSiteGuard.contentTypeRefusal(CrossSiteGuard.mediaType(request), accepted.get())
            : "the request body cannot be read as its Content-Type '" + CrossSiteGuard.mediaType(request) + "' says (" + e.getReason() + ")";
        response.status(status);
        response.type("application/json");
        response.body(ErrorResponder.builder().statusCode(status).type(ErrorResponder.ErrorType.INVALID_ARGUMENT).message(message)
            .asString());
    }
}
