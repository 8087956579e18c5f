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
package io.github.jamessmime.core.net;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One plain-http exchange with a revocation service (an OCSP responder, a CRL distribution point), within hard bounds:
 * one deadline over name lookup, connect, status line, headers and body, enforced here rather than per read; no redirect
 * followed; an answer larger than a limit cut off; and only addresses the {@link AddressPolicy} allows, checked on the
 * address actually connected to (the name is looked up once), so that a certificate cannot make this server call an
 * internal service. HTTP/1.1 with {@code Connection: close}; bodies by Content-Length, chunked, or to the end.
 */
public final class BoundedHttp {
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    /** Name lookups block without a timeout of their own: they run here and are abandoned at the deadline. */
    private static final ExecutorService LOOKUPS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "smime-revocation-lookup");
        thread.setDaemon(true);
        return thread;
    });

    private final Duration deadline;
    private final long maxBodyBytes;
    private final AddressPolicy policy;

    public BoundedHttp(Duration deadline, long maxBodyBytes, AddressPolicy policy) {
        this.deadline = deadline;
        this.maxBodyBytes = maxBodyBytes;
        this.policy = policy;
    }

    public Duration deadline() {
        return deadline;
    }

    /** GETs {@code uri}; gives the body of a 200 answer. */
    public byte[] get(String uri, String accept) throws IOException {
        return exchange("GET", uri, accept, null, null);
    }

    /** POSTs {@code body} to {@code uri}; gives the body of a 200 answer. */
    public byte[] post(String uri, String contentType, byte[] body, String accept) throws IOException {
        return exchange("POST", uri, accept, contentType, body);
    }

    private byte[] exchange(String method, String uri, String accept, String contentType, byte[] body) throws IOException {
        long end = System.nanoTime() + deadline.toNanos();
        URI target = parse(uri);
        int port = target.getPort() < 0 ? 80 : target.getPort();
        InetAddress address = resolve(target.getHost(), end);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), remainingMillis(end));
            socket.setSoTimeout(remainingMillis(end));
            String path = target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath();
            if (target.getRawQuery() != null) {
                path += "?" + target.getRawQuery();
            }
            StringBuilder request = new StringBuilder()
                .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(target.getHost()).append(target.getPort() < 0 ? "" : ":" + port).append("\r\n")
                .append("Accept: ").append(accept).append("\r\n")
                .append("User-Agent: james-smime\r\n")
                .append("Connection: close\r\n");
            if (body != null) {
                request.append("Content-Type: ").append(contentType).append("\r\n")
                    .append("Content-Length: ").append(body.length).append("\r\n");
            }
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            return new Response(socket, end).read();
        } catch (SocketTimeoutException e) {
            throw new IOException("no complete answer within " + seconds() + " (the whole exchange is bounded)", e);
        }
    }

    private URI parse(String uri) throws IOException {
        URI target;
        try {
            target = new URI(uri);
        } catch (URISyntaxException e) {
            throw new IOException("not a URL: " + e.getMessage(), e);
        }
        if (!"http".equalsIgnoreCase(target.getScheme())) {
            throw new IOException("only http URLs are asked (revocation answers are signed; got " + target.getScheme() + ")");
        }
        if (target.getHost() == null || target.getRawUserInfo() != null) {
            throw new IOException("the URL names no host, or carries user information");
        }
        return target;
    }

    private InetAddress resolve(String host, long end) throws IOException {
        Future<InetAddress[]> lookup = LOOKUPS.submit(() -> InetAddress.getAllByName(host));
        InetAddress[] addresses;
        try {
            addresses = lookup.get(remainingMillis(end), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            lookup.cancel(true);
            throw new IOException("the name " + host + " was not looked up within " + seconds(), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof UnknownHostException ? new IOException("unknown host " + host, cause)
                : new IOException("the name " + host + " cannot be looked up (" + cause + ")", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while looking up " + host, e);
        }
        IOException refused = null;
        for (InetAddress address : addresses) {
            Optional<String> refusal = policy.refusal(host, address);
            if (refusal.isEmpty()) {
                return address;
            }
            refused = new IOException(refusal.get());
        }
        throw refused != null ? refused : new IOException("no address for " + host);
    }

    private int remainingMillis(long end) throws SocketTimeoutException {
        long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
        if (left <= 0) {
            throw new SocketTimeoutException("deadline passed");
        }
        return (int) Math.min(Integer.MAX_VALUE, left);
    }

    private String seconds() {
        return deadline.toMillis() % 1000 == 0 ? deadline.toSeconds() + " s" : deadline.toMillis() + " ms";
    }

    /** Reads one answer; every read waits at most until the deadline. */
    private final class Response {
        private final Socket socket;
        private final InputStream in;
        private final long end;
        private final byte[] buffer = new byte[8192];
        private int position;
        private int limit;

        Response(Socket socket, long end) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.end = end;
        }

        byte[] read() throws IOException {
            String status = line(MAX_HEADER_BYTES);
            String[] parts = status.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP answer");
            }
            int code;
            try {
                code = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IOException("not an HTTP status: " + parts[1].substring(0, Math.min(8, parts[1].length())), e);
            }
            long contentLength = -1;
            boolean chunked = false;
            int headerBytes = status.length();
            for (String header = line(MAX_HEADER_BYTES); !header.isEmpty(); header = line(MAX_HEADER_BYTES)) {
                headerBytes += header.length() + 2;
                if (headerBytes > MAX_HEADER_BYTES) {
                    throw new IOException("answer headers larger than " + MAX_HEADER_BYTES + " bytes");
                }
                int colon = header.indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(colon + 1).trim();
                if (name.equals("content-length")) {
                    try {
                        contentLength = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IOException("unreadable Content-Length", e);
                    }
                } else if (name.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                    chunked = true;
                }
            }
            if (code != 200) {
                throw new IOException("HTTP " + code + (code / 100 == 3 ? " (redirects are not followed)" : ""));
            }
            if (contentLength > maxBodyBytes) {
                throw new IOException("answer larger than " + maxBodyBytes + " bytes");
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (chunked) {
                for (long size = chunkSize(); size > 0; size = chunkSize()) {
                    copy(body, size);
                    line(2);
                }
            } else if (contentLength >= 0) {
                copy(body, contentLength);
            } else {
                copy(body, -1);
            }
            return body.toByteArray();
        }

        private long chunkSize() throws IOException {
            String line = line(64);
            int extension = line.indexOf(';');
            try {
                return Long.parseLong((extension < 0 ? line : line.substring(0, extension)).trim(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("unreadable chunk size", e);
            }
        }

        /** Copies {@code count} bytes of the body, or all up to the end when {@code count} is negative. */
        private void copy(ByteArrayOutputStream body, long count) throws IOException {
            long left = count;
            while (left != 0) {
                if (position == limit && !fill()) {
                    if (count < 0) {
                        return;
                    }
                    throw new IOException("the answer ended early");
                }
                int n = (int) (left < 0 ? limit - position : Math.min(left, limit - position));
                if (body.size() + n > maxBodyBytes) {
                    throw new IOException("answer larger than " + maxBodyBytes + " bytes");
                }
                body.write(buffer, position, n);
                position += n;
                if (left > 0) {
                    left -= n;
                }
            }
        }

        /** One line without its CRLF (or LF), at most {@code max} bytes. */
        private String line(int max) throws IOException {
            StringBuilder line = new StringBuilder();
            while (true) {
                if (position == limit && !fill()) {
                    throw new IOException("the answer ended early");
                }
                byte b = buffer[position++];
                if (b == '\n') {
                    int length = line.length();
                    if (length > 0 && line.charAt(length - 1) == '\r') {
                        line.setLength(length - 1);
                    }
                    return line.toString();
                }
                if (line.length() >= max) {
                    throw new IOException("an answer line longer than " + max + " bytes");
                }
                line.append((char) (b & 0xff));
            }
        }

        private boolean fill() throws IOException {
            socket.setSoTimeout(remainingMillis(end));
            int n = in.read(buffer);
            if (n < 0) {
                return false;
            }
            position = 0;
            limit = n;
            return true;
        }
    }
}
