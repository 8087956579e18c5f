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

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.eclipse.jetty.http.HttpStatus;
import spark.Request;

/**
 * What keeps a web page in a browser from driving the extension's state-changing routes. A page may send a
 * cross-origin "simple" request (GET, HEAD, or POST with a form or text/plain body and no custom header) without the
 * browser asking the server first; every other request is preceded by a CORS preflight, which WebAdmin without CORS
 * never grants. So each state-changing route accepts only a Content-Type a page cannot send that way (415
 * otherwise), and a browser's request that says it comes from another site is refused (403) whatever it is.
 */
final class CrossSiteGuard {
    static final String SEC_FETCH_SITE = "Sec-Fetch-Site";

    private CrossSiteGuard() {
    }

    /**
     * Refuses the request unless its Content-Type (without parameters) is one of {@code accepted}, or the browser
     * marks it as coming from another site.
     */
    static void requireContentType(Request request, Set<String> accepted) {
        refuseCrossSite(request);
        String type = mediaType(request);
        if (!accepted.contains(type)) {
            throw WebAdminErrors.refused(HttpStatus.UNSUPPORTED_MEDIA_TYPE_415, contentTypeRefusal(type, accepted));
        }
    }

    /** The request's Content-Type without parameters, lower case; empty when it has none. */
    static String mediaType(Request request) {
        return Optional.ofNullable(request.contentType()).map(CrossSiteGuard::mediaType).orElse("");
    }

    /** Why a request of Content-Type {@code type} is refused (415), naming the types to send instead. */
    static String contentTypeRefusal(String type, Set<String> accepted) {
        return "Content-Type '" + type + "' refused: send " + String.join(" or ", accepted)
            + " (state-changing routes refuse what a web page could send from another site)";
    }

    /** A browser's request from another site (Fetch Metadata) is refused, whatever its method. */
    static void refuseCrossSite(Request request) {
        String site = request.headers(SEC_FETCH_SITE);
        if (site != null && site.trim().toLowerCase(Locale.ROOT).equals("cross-site")) {
            throw WebAdminErrors.refused(HttpStatus.FORBIDDEN_403, "a request a web page of another site made is refused");
        }
    }

    private static String mediaType(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }
}
