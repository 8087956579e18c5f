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

import java.io.IOException;
import java.io.InputStream;

import org.eclipse.jetty.http.HttpStatus;
import spark.Request;

/**
 * The body of an upload route, read only when its Content-Length says it is at most the route's limit (413 before
 * anything is read otherwise, 411 without a length), and never more than the limit when it is longer than it said.
 */
final class BoundedBody {
    private BoundedBody() {
    }

    /**
     * The body of {@code request}, at most {@code max} bytes.
     *
     * @param what   what the body is, for the refusals ("the PKCS#12")
     * @param needed what the limit is for ("a PKCS#12 of one sender needs")
     */
    static byte[] read(Request request, int max, String what, String needed) {
        long declared = request.raw().getContentLengthLong();
        if (declared < 0) {
            // chunked: James 3.8.1's request logger has read it already, out of this route's sight
            throw WebAdminErrors.refused(HttpStatus.LENGTH_REQUIRED_411,
                "send " + what + " with a Content-Length (at most " + max + " bytes), not chunked");
        }
        if (declared > max) {
            throw tooLarge(declared + " bytes", max, needed);
        }
        try (InputStream in = request.raw().getInputStream()) {
            byte[] body = in.readNBytes(max + 1);
            if (body.length > max) {
                throw tooLarge("more than " + max + " bytes", max, needed);
            }
            return body;
        } catch (IOException e) {
            throw WebAdminErrors.badRequest("the body cannot be read (" + e.getMessage() + ")");
        }
    }

    private static RuntimeException tooLarge(String size, int max, String needed) {
        return WebAdminErrors.refused(HttpStatus.PAYLOAD_TOO_LARGE_413, "the upload (" + size + ") is larger than the " + max + " bytes "
            + needed);
    }
}
