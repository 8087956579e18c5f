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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Against a raw socket server that answers as each test scripts it: slow, redirecting, oversized, chunked. */
class BoundedHttpTest {
    static final Duration DEADLINE = Duration.ofMillis(1500);
    static final AddressPolicy LOOPBACK_ALLOWED = AddressPolicy.allowing(List.of("127.0.0.1"));

    interface Script {
        void answer(InputStream in, OutputStream out) throws Exception;
    }

    ServerSocket server;
    final AtomicReference<String> request = new AtomicReference<>();

    private String serve(Script script) throws IOException {
        server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        Thread thread = new Thread(() -> {
            try (Socket socket = server.accept()) {
                InputStream in = socket.getInputStream();
                StringBuilder head = new StringBuilder();
                while (!head.toString().endsWith("\r\n\r\n")) {
                    int b = in.read();
                    if (b < 0) {
                        return;
                    }
                    head.append((char) b);
                }
                request.set(head.toString());
                script.answer(in, socket.getOutputStream());
            } catch (Exception e) {
                // the client hung up: what a cut-off looks like from here
            }
        }, "bounded-http-test-server");
        thread.setDaemon(true);
        thread.start();
        return "http://127.0.0.1:" + server.getLocalPort() + "/ocsp";
    }

    @AfterEach
    void close() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static void trickle(OutputStream out, String text) throws Exception {
        for (char c : text.toCharArray()) {
            out.write(c);
            out.flush();
            Thread.sleep(200);
        }
    }

    private static long timed(ThrowingRunnable action) {
        long start = System.nanoTime();
        try {
            action.run();
        } catch (Exception e) {
            // the tests assert the exception separately
        }
        return Duration.ofNanos(System.nanoTime() - start).toMillis();
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void anAnswerWithContentLengthShouldBeRead() throws Exception {
        String uri = serve((in, out) -> {
            in.readNBytes(3);
            write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: 5\r\n\r\nhello");
        });

        byte[] body = new BoundedHttp(DEADLINE, 1024, LOOPBACK_ALLOWED).post(uri, "application/ocsp-request", "abc".getBytes(), "*/*");

        assertThat(new String(body, StandardCharsets.US_ASCII)).isEqualTo("hello");
        assertThat(request.get()).startsWith("POST /ocsp HTTP/1.1\r\n").contains("Content-Length: 3\r\n", "Connection: close\r\n",
            "Host: 127.0.0.1:" + server.getLocalPort() + "\r\n");
    }

    @Test
    void aChunkedAnswerAndOneToTheEndShouldBeRead() throws Exception {
        String chunked = serve((in, out) -> write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
        assertThat(new BoundedHttp(DEADLINE, 1024, LOOPBACK_ALLOWED).get(chunked, "*/*")).asString().isEqualTo("abcde");
        close();

        String toTheEnd = serve((in, out) -> write(out, "HTTP/1.0 200 OK\r\n\r\nall of it"));
        assertThat(new BoundedHttp(DEADLINE, 1024, LOOPBACK_ALLOWED).get(toTheEnd, "*/*")).asString().isEqualTo("all of it");
    }

    @Test
    void aTricklingStatusLineShouldBeCutAtTheDeadline() throws Exception {
        String uri = serve((in, out) -> trickle(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        BoundedHttp http = new BoundedHttp(DEADLINE, 1024, LOOPBACK_ALLOWED);

        assertThatThrownBy(() -> http.get(uri, "*/*")).isInstanceOf(IOException.class).hasMessageContaining("no complete answer within 1500 ms");
        close();
        assertThat(timed(() -> http.get(serve((in, out) -> trickle(out, "HTTP/1.1 200 OK\r\n\r\n")), "*/*"))).isLessThan(3000);
    }

    @Test
    void tricklingHeadersOrBodyShouldBeCutAtTheDeadline() throws Exception {
        BoundedHttp http = new BoundedHttp(DEADLINE, 1024, LOOPBACK_ALLOWED);
        String headers = serve((in, out) -> {
            write(out, "HTTP/1.1 200 OK\r\n");
            trickle(out, "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n");
        });
        assertThatThrownBy(() -> http.get(headers, "*/*")).hasMessageContaining("no complete answer within");
        close();

        String body = serve((in, out) -> {
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
            trickle(out, "x".repeat(100));
        });
        long took = timed(() -> http.get(body, "*/*"));
        assertThat(took).isBetween(1400L, 3000L);
    }

    @Test
    void aRedirectShouldNotBeFollowed() throws Exception {
        String uri = serve((in, out) -> write(out, "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:8000/users\r\nContent-Length: 0\r\n\r\n"));

        assertThatThrownBy(() -> new BoundedHttp(DEADLINE, 1024, LOOPBACK_ALLOWED).get(uri, "*/*"))
            .hasMessage("HTTP 302 (redirects are not followed)");
    }

    @Test
    void anAnswerOverTheLimitShouldBeRefusedWhateverItsHeadersSay() throws Exception {
        BoundedHttp http = new BoundedHttp(DEADLINE, 10, LOOPBACK_ALLOWED);
        String declared = serve((in, out) -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n"));
        assertThatThrownBy(() -> http.get(declared, "*/*")).hasMessage("answer larger than 10 bytes");
        close();

        String undeclared = serve((in, out) -> write(out, "HTTP/1.1 200 OK\r\n\r\n" + "y".repeat(11)));
        assertThatThrownBy(() -> http.get(undeclared, "*/*")).hasMessage("answer larger than 10 bytes");
    }

    @Test
    void loopbackAndOtherInternalAddressesShouldNotBeAskedByDefault() throws Exception {
        String uri = serve((in, out) -> write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        BoundedHttp http = new BoundedHttp(DEADLINE, 1024, AddressPolicy.publicOnly());

        assertThatThrownBy(() -> http.get(uri, "*/*")).hasMessageContaining("is 127.0.0.1, a loopback address: not asked")
            .hasMessageContaining("revocation.allowedHosts");
        assertThat(request.get()).as("nothing reached the server").isNull();
        for (String internal : new String[] {"http://169.254.169.254/latest", "http://10.1.2.3/crl", "http://[::1]/", "http://0.0.0.0/",
            "http://[::ffff:127.0.0.1]/", "http://100.64.0.1/", "http://[fd00::1]/", "http://192.168.1.1/", "http://[64:ff9b::7f00:1]/",
            "http://[2002:a9fe:a9fe::1]/"}) {
            assertThatThrownBy(() -> http.get(internal, "*/*")).as(internal).hasMessageContaining(": not asked");
        }
    }

    @Test
    void onlyPlainHttpUrlsShouldBeAsked() {
        BoundedHttp http = new BoundedHttp(DEADLINE, 1024, AddressPolicy.publicOnly());

        assertThatThrownBy(() -> http.get("file:///etc/passwd", "*/*")).hasMessageContaining("only http URLs");
        assertThatThrownBy(() -> http.get("ldap://ca.example/cn=crl", "*/*")).hasMessageContaining("only http URLs");
        assertThatThrownBy(() -> http.get("http://user:pw@ca.example/crl", "*/*")).hasMessageContaining("user information");
    }

    @Test
    void anUnreachableServiceShouldFailWithinTheDeadline() {
        BoundedHttp http = new BoundedHttp(DEADLINE, 1024, AddressPolicy.allowing(List.of("192.0.2.0/24")));

        // TEST-NET-1: nothing answers there; either the connect is cut at the deadline or the network says unreachable
        long took = timed(() -> http.get("http://192.0.2.1/crl", "*/*"));
        assertThat(took).isLessThan(3000);
        assertThatThrownBy(() -> http.get("http://192.0.2.1/crl", "*/*")).isInstanceOf(IOException.class);
    }

    @Test
    void policyEntriesShouldBeHostNamesAddressesOrCidrs() {
        AddressPolicy policy = AddressPolicy.allowing(List.of("ca.internal.example", "10.0.0.0/8", "fd00::1"));

        assertThat(policy.refusal("CA.internal.example", InetAddress.getLoopbackAddress())).isEmpty();
        assertThatThrownBy(() -> AddressPolicy.allowing(List.of("ca_internal!"))).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("'ca_internal!' is neither a host name, an IP address nor a CIDR");
        assertThatThrownBy(() -> AddressPolicy.allowing(List.of("10.0.0.0/33"))).isInstanceOf(IllegalArgumentException.class);
    }
}
