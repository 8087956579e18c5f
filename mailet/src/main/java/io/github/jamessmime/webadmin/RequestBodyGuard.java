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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.servlet.ServletException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.HandlerWrapper;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import spark.embeddedserver.EmbeddedServers;
import spark.embeddedserver.jetty.EmbeddedJettyFactory;
import spark.embeddedserver.jetty.JettyServerFactory;

/**
 * Refuses a WebAdmin request body before anything reads it. James 3.8.1's request logger reads every body into
 * memory (several copies) before any authentication or route runs, so without this a client without a token can fill
 * the heap with a few large POSTs. No James setting or filter comes earlier; this guard sits one layer lower, as the
 * handler of WebAdmin's Jetty server: Spark builds its embedded server through a process-wide factory, which is
 * replaced here before WebAdmin starts (the extension's routes are built while WebAdmin's server is being built, before
 * it starts). It answers 413 to a body over the limit, 411 to a body without a length, and, when WebAdmin requires a
 * JWT, 401 to a body sent without a bearer token; nothing of such a body is read. The limit is the system property
 * {@value #LIMIT_PROPERTY} (bytes; James reads {@code conf/jvm.properties} as system properties), 2 MiB by default:
 * James's own routes take small JSON, the largest body of the extension's is a 1 MiB PKCS#12.
 *
 * <p>James 3.9 selects a server factory of its own, so there this replacement is not used; the README says how a reverse
 * proxy closes the same gap.
 */
final class RequestBodyGuard extends HandlerWrapper {
    private static final Logger LOGGER = LoggerFactory.getLogger(RequestBodyGuard.class);
    static final String LIMIT_PROPERTY = "io.github.jamessmime.webadmin.maxRequestBytes";
    static final long DEFAULT_LIMIT = 2L * 1024 * 1024;
    private static final AtomicBoolean INSTALLED = new AtomicBoolean();
    /** The most of a refused body read (and thrown away) so that a client sending it first can read the answer. */
    static final long DISCARD_LIMIT = 256L * 1024 * 1024;
    static final Duration DISCARD_TIME = Duration.ofSeconds(10);
    static final Duration DISCARD_IDLE = Duration.ofSeconds(3);

    private final long limit;
    private final boolean tokenRequired;

    RequestBodyGuard(Handler handler, long limit, boolean tokenRequired) {
        this.limit = limit;
        this.tokenRequired = tokenRequired;
        setHandler(handler);
    }

    /**
     * Makes every Spark server started from now on in this JVM (James's WebAdmin) answer through this guard. Once per JVM;
     * the first call's settings hold.
     */
    static void install(boolean tokenRequired) {
        if (!INSTALLED.compareAndSet(false, true)) {
            return;
        }
        long limit = limit(System.getProperty(LIMIT_PROPERTY));
        EmbeddedServers.add(EmbeddedServers.Identifiers.JETTY, new EmbeddedJettyFactory(new GuardedServers(limit, tokenRequired)));
        LOGGER.info("S/MIME: WebAdmin request bodies over {} bytes{} are refused before they are read", limit,
            tokenRequired ? ", and any body without a bearer token," : "");
    }

    static long limit(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            long limit = Long.parseLong(value.trim());
            if (limit < 1) {
                throw new NumberFormatException();
            }
            return limit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(LIMIT_PROPERTY + " '" + value + "' is not a number of bytes above 0 (default "
                + DEFAULT_LIMIT + ")");
        }
    }

    @Override
    public void handle(String target, Request base, HttpServletRequest request, HttpServletResponse response)
        throws IOException, ServletException {
        long length = base.getContentLengthLong();
        boolean chunked = request.getHeader("Transfer-Encoding") != null;
        if (length > limit) {
            refuse(base, response, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE, "RequestEntityTooLarge",
                "the request body of " + length + " bytes is over WebAdmin's limit of " + limit + " bytes (" + LIMIT_PROPERTY + ")");
            return;
        }
        if (chunked && length < 0) {
            refuse(base, response, HttpServletResponse.SC_LENGTH_REQUIRED, "LengthRequired",
                "send the request body with a Content-Length (WebAdmin refuses bodies of unknown length)");
            return;
        }
        if (tokenRequired && (length > 0 || chunked) && !bearer(request.getHeader("Authorization"))) {
            refuse(base, response, HttpServletResponse.SC_UNAUTHORIZED, "NotAuthorized",
                "a request body needs an Authorization: Bearer token (WebAdmin requires a JWT)");
            return;
        }
        super.handle(target, base, request, response);
    }

    private static boolean bearer(String authorization) {
        return authorization != null && authorization.trim().toLowerCase(Locale.ROOT).startsWith("bearer ");
    }

    /**
     * Answers with James's error body shape and closes the connection. A client that sends its whole body before it reads
     * the answer (without {@code Expect: 100-continue}) would block on a full socket if nothing read on: what it sends is
     * read and thrown away, a buffer at a time, never kept: at most {@value #DISCARD_LIMIT} bytes in 10 s; beyond that,
     * or after 3 s without a byte, the connection is cut.
     */
    private static void refuse(Request base, HttpServletResponse response, int status, String type, String message) throws IOException {
        base.setHandled(true);
        byte[] json = ("{\"statusCode\":" + status + ",\"type\":\"" + type + "\",\"message\":\"" + message.replace("\"", "'") + "\"}")
            .getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setHeader("Connection", "close");
        response.setContentType("application/json");
        response.setContentLength(json.length);
        response.getOutputStream().write(json);
        response.flushBuffer();
        String expect = base.getHeader("Expect");
        if (expect != null && expect.trim().equalsIgnoreCase("100-continue")) {
            // the client waits for 100 Continue, which never comes: it sends no body
            return;
        }
        // a client that trickles its body must not hold this thread: each read waits at most DISCARD_IDLE, all of them
        // DISCARD_TIME; beyond either limit, or DISCARD_LIMIT bytes, the connection is closed
        base.getHttpChannel().getEndPoint().setIdleTimeout(DISCARD_IDLE.toMillis());
        long end = System.nanoTime() + DISCARD_TIME.toNanos();
        byte[] buffer = new byte[16 * 1024];
        long discarded = 0;
        boolean all = false;
        try (InputStream in = base.getInputStream()) {
            while (discarded < DISCARD_LIMIT && System.nanoTime() < end) {
                int n = in.read(buffer);
                if (n < 0) {
                    all = true;
                    break;
                }
                discarded += n;
            }
        } catch (IOException e) {
            // the client gave up, or was too slow
        }
        if (!all) {
            base.getHttpChannel().getEndPoint().close();
        }
    }

    /** Spark's server factory, as Spark makes its servers, with this guard around whatever handler Spark gives. */
    private static final class GuardedServers implements JettyServerFactory {
        private final long limit;
        private final boolean tokenRequired;

        GuardedServers(long limit, boolean tokenRequired) {
            this.limit = limit;
            this.tokenRequired = tokenRequired;
        }

        @Override
        public Server create(int maxThreads, int minThreads, int threadTimeoutMillis) {
            if (maxThreads <= 0) {
                return create(null);
            }
            return create(new QueuedThreadPool(maxThreads, minThreads > 0 ? minThreads : 8,
                threadTimeoutMillis > 0 ? threadTimeoutMillis : 60000));
        }

        @Override
        public Server create(ThreadPool threadPool) {
            return threadPool == null ? new GuardedServer(limit, tokenRequired) : new GuardedServer(threadPool, limit, tokenRequired);
        }
    }

    /** A Jetty server whose handler is always wrapped by the guard. */
    private static final class GuardedServer extends Server {
        private final long limit;
        private final boolean tokenRequired;

        GuardedServer(long limit, boolean tokenRequired) {
            super();
            this.limit = limit;
            this.tokenRequired = tokenRequired;
        }

        GuardedServer(ThreadPool threadPool, long limit, boolean tokenRequired) {
            super(threadPool);
            this.limit = limit;
            this.tokenRequired = tokenRequired;
        }

        @Override
        public void setHandler(Handler handler) {
            super.setHandler(handler instanceof RequestBodyGuard ? handler : new RequestBodyGuard(handler, limit, tokenRequired));
        }
    }
}
