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
package io.github.jamessmime.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.jamessmime.testing.TestPki;

/**
 * The shipped WebAdmin configuration against a web page of another origin and against callers without a token:
 * nothing can be read cross-origin, nothing changed by a request a browser sends without asking, nothing done without
 * a valid JWT, and an oversized upload is refused before it is read.
 */
class WebAdminSecurityInJamesTest {
    private static final String BILLING = "billing@shop.example";
    private static final String PASSWORD = "user-secret";
    private static final String ARCHIVE = "var/mail/relay-archive";
    private static final String EVIL_ORIGIN = "http://evil.example";
    private static final Duration DELIVERY = Duration.ofSeconds(60);

    private static Path run;
    private static ItStore store;
    private static TestPki pki;
    private static OutboxSinkProcess sink;
    private static JamesServerProcess james;

    @RegisterExtension
    static final PrintJamesLogOnFailure PRINT_LOG = new PrintJamesLogOnFailure(() -> james, 150);

    @BeforeAll
    static void startJames() throws Exception {
        run = ItEnvironment.newRunDirectory(WebAdminSecurityInJamesTest.class.getSimpleName());
        store = ItStore.create(run.resolve("pki"));
        pki = store.pki();
        store.add("billing.p12", pki.sender(BILLING));
        sink = OutboxSinkProcess.start(Files.createDirectories(run.resolve("outbox")));
        james = JamesServerProcess.builder("james")
            .workingDirectory(run.resolve("james"))
            .relayGateway(sink.host(), sink.port())
            .smimeStore(store)
            .env("SMIME_STORE_RELOAD_SECONDS", "1")
            .start();
        james.webAdmin().createDomain("shop.example");
        james.webAdmin().createUser(BILLING, PASSWORD);
    }

    @AfterAll
    static void stopJames() throws Exception {
        ItEnvironment.closeAll(james, sink);
    }

    @Test
    void requestsWithoutAValidTokenShouldGet401() {
        for (Optional<String> token : List.of(Optional.<String>empty(), Optional.of(AdminTokens.foreignToken()),
            Optional.of(james.tokens().expiredToken()), Optional.of("not-a-jwt"))) {
            WebAdminClient caller = james.webAdminWithToken(token);
            for (String path : List.of("/smime/certificates", "/smime/usage", "/domains", "/mailRepositories/" + WebAdminClient.encodeSegment(ARCHIVE) + "/mails")) {
                assertThat(caller.get(path).statusCode()).as("GET %s with token %s", path, token).isEqualTo(401);
            }
            assertThat(caller.postJson("/smime/resend", "{}").statusCode()).as("resend with token %s", token).isEqualTo(401);
        }
        assertThat(james.webAdmin().get("/smime/certificates").statusCode()).isEqualTo(200);
        assertThat(james.webAdminWithToken(Optional.empty()).get("/healthcheck").statusCode())
            .as("the health check stays readable for probes").isEqualTo(200);
    }

    @Test
    void answersShouldCarryNoCorsHeaderForAForeignOrigin() {
        WebAdminClient admin = james.webAdmin();
        HttpResponse<byte[]> read = admin.exchange(admin.request("/smime/certificates").header("Origin", EVIL_ORIGIN).GET());
        HttpResponse<byte[]> preflight = admin.exchange(admin.request("/smime/resend").header("Origin", EVIL_ORIGIN)
            .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "content-type, authorization")
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));

        // a browser lets a page read an answer, or send after a preflight, only when this header is "*" or its origin
        for (HttpResponse<byte[]> response : List.of(read, preflight)) {
            assertThat(response.headers().allValues("Access-Control-Allow-Origin")).as(response.request().method())
                .allSatisfy(origin -> assertThat(origin).isNotIn("*", EVIL_ORIGIN, "null").endsWith(".invalid"));
        }
    }

    @Test
    void crossSiteSimpleRequestsShouldResendNothing() throws Exception {
        String messageId = "<" + UUID.randomUUID() + "@it.james-smime.test>";
        TestMessage.sendRawAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), BILLING, PASSWORD, "customer@remote.example",
            ("From: " + BILLING + "\r\nTo: customer@remote.example\r\nSubject: Invoice\r\nMessage-ID: " + messageId
                + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nInvoice 4711\r\n").getBytes(StandardCharsets.US_ASCII));
        sink.awaitCopies(messageId, 1, DELIVERY);
        String key = archivedKey(messageId);
        String toAttacker = "{\"repository\":\"" + ARCHIVE + "\",\"key\":\"" + key + "\",\"recipients\":[\"attacker@evil.example\"]}";
        String query = "/smime/resend?repository=" + WebAdminClient.encodeSegment(ARCHIVE) + "&key=" + WebAdminClient.encodeSegment(key)
            + "&recipient=attacker%40evil.example";
        WebAdminClient anonymous = james.webAdminWithToken(Optional.empty());
        WebAdminClient admin = james.webAdmin();

        // what a page can make a browser send without a preflight: no Authorization header, a form or text body
        HttpResponse<byte[]> simple = anonymous.exchange(anonymous.request(query).header("Origin", EVIL_ORIGIN)
            .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(toAttacker)));
        // and, should WebAdmin run without JWT, the same shapes still do nothing
        HttpResponse<byte[]> textBody = admin.exchange(admin.request("/smime/resend").header("Origin", EVIL_ORIGIN)
            .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(toAttacker)));
        HttpResponse<byte[]> formBody = admin.exchange(admin.request(query).header("Origin", EVIL_ORIGIN)
            .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("x=1")));
        HttpResponse<byte[]> markedCrossSite = admin.exchange(admin.request("/smime/resend").header("Origin", EVIL_ORIGIN)
            .header("Sec-Fetch-Site", "cross-site").header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(toAttacker)));

        assertThat(simple.statusCode()).isEqualTo(401);
        assertThat(textBody.statusCode()).isEqualTo(415);
        assertThat(formBody.statusCode()).isEqualTo(415);
        assertThat(markedCrossSite.statusCode()).isEqualTo(403);
        // the one legitimate resend arrives, and nothing else did
        assertThat(admin.postJson("/smime/resend", "{\"repository\":\"" + ARCHIVE + "\",\"key\":\"" + key
            + "\",\"recipients\":[\"accounting@remote.example\"]}").statusCode()).isEqualTo(201);
        List<byte[]> copies = sink.awaitCopies(messageId, 2, DELIVERY);
        JamesServerProcess.sleep(Duration.ofSeconds(2));
        assertThat(sink.awaitCopies(messageId, 2, DELIVERY)).hasSize(2);
        assertThat(copies).noneMatch(copy -> new String(copy, StandardCharsets.ISO_8859_1).contains("attacker@evil.example"));
    }

    @Test
    void importOfAWrongContentTypeShouldChangeNothing() {
        WebAdminClient admin = james.webAdmin();
        HttpResponse<byte[]> form = admin.exchange(admin.request("/smime/certificates").header("X-P12-Password", "x")
            .header("Content-Type", "multipart/form-data; boundary=x").POST(HttpRequest.BodyPublishers.ofString("--x--")));
        HttpResponse<byte[]> deleteCrossSite = admin.exchange(admin.request("/smime/certificates/" + "0".repeat(64))
            .header("Sec-Fetch-Site", "cross-site").DELETE());

        assertThat(form.statusCode()).isEqualTo(415);
        assertThat(deleteCrossSite.statusCode()).isEqualTo(403);
    }

    static Stream<Arguments> refusedCertificates() {
        TestPki other = TestPki.createOther(Instant.now(), "Unknown");
        return Stream.of(
            Arguments.of("ca", pki.sender("ca@shop.example").ca().issue(), "is a CA certificate"),
            Arguments.of("sha1", pki.sender("sha1@shop.example").signatureAlgorithm("SHA1withRSA").issue(),
                "is signed with SHA1withRSA"),
            Arguments.of("subject", pki.sender("subject@shop.example")
                .subject("CN=x,E=ceo@shop.example,O=james-smime tests").issue(), "the subject's e-mail address 'ceo@shop.example'"),
            Arguments.of("anyeku", pki.sender("anyeku@shop.example")
                .extendedKeyUsage(KeyPurposeId.id_kp_emailProtection,
                    KeyPurposeId.anyExtendedKeyUsage).issue(), "anyExtendedKeyUsage"),
            Arguments.of("untrusted", other.sender("untrusted@shop.example").issue(), "does not chain to a trusted root"),
            Arguments.of("traversal", pki.sender("../store/billing@shop.example").subject("CN=x,O=james-smime tests").issue(),
                "is not a plain mail address"),
            Arguments.of("absolute", pki.sender("/tmp/billing@shop.example").subject("CN=x,O=james-smime tests").issue(),
                "is not a plain mail address"));
    }

    /** The same reason through WebAdmin import and for the same file copied into the store by hand. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedCertificates")
    void importAndStoreShouldRefuseWithTheSameReasonAndWriteNothingOutsideTheStore(String kind, TestPki.Issued issued, String reason)
        throws Exception {
        WebAdminClient admin = james.webAdmin();
        byte[] p12 = Files.readAllBytes(issued.writePkcs12(run.resolve(kind + "-upload.p12"), "p12-secret".toCharArray()));
        List<String> before = tree(run.getParent());
        Path absoluteTarget = Path.of("/tmp/billing@shop.example.p12");
        Optional<FileTime> absoluteBefore = modified(absoluteTarget);

        HttpResponse<byte[]> imported = admin.upload("/smime/certificates", p12, "p12-secret");

        assertThat(imported.statusCode()).isEqualTo(400);
        assertThat(new String(imported.body(), StandardCharsets.UTF_8)).contains(reason);
        assertThat(tree(run.getParent())).as("no PKCS#12 written anywhere").isEqualTo(before);
        assertThat(modified(absoluteTarget)).as(absoluteTarget.toString()).isEqualTo(absoluteBefore);
        store.write(store.directory().resolve("copied-" + kind + ".p12"), issued);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        String listing;
        do {
            JamesServerProcess.sleep(Duration.ofMillis(300));
            listing = new String(admin.get("/smime/certificates").body(), StandardCharsets.UTF_8);
            // the copy is written in place, not renamed: a check may see it half written first
        } while (!(listing.contains("copied-" + kind + ".p12") && listing.substring(listing.indexOf("copied-" + kind + ".p12")).contains(reason))
            && Instant.now().isBefore(deadline));
        assertThat(listing).contains("\"file\":\"copied-" + kind + ".p12\",\"status\":\"refused\",\"kind\":\"");
        assertThat(listing.substring(listing.indexOf("copied-" + kind + ".p12"))).contains(reason);
    }

    private static Optional<FileTime> modified(Path file) throws IOException {
        return Files.exists(file) ? Optional.of(Files.getLastModifiedTime(file)) : Optional.empty();
    }

    private static List<String> tree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            // every PKCS#12 anywhere (the run directory holds the store, the uploads and James's working directory)
            return files.filter(file -> file.getFileName().toString().endsWith(".p12")).map(root::relativize).map(Path::toString).sorted()
                .collect(Collectors.toList());
        }
    }

    @Test
    void hundredMegabyteUploadShouldGet413AndJamesStayUp() throws Exception {
        long size = 100L * 1024 * 1024;
        WebAdminClient admin = james.webAdmin();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(30)).build();

        // sent whole before the answer is read (the JDK's client waits for ever on a final answer to Expect: 100-continue,
        // which curl and aLargeOrUnauthenticatedBodyShouldBeRefusedBeforeJamesReadsIt check)
        HttpResponse<byte[]> declared = http.send(admin.request("/smime/certificates")
            .header("X-P12-Password", "x").header("Content-Type", "application/x-pkcs12")
            .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> zeros(size)), size))
            .build(), HttpResponse.BodyHandlers.ofByteArray());
        Optional<Integer> chunked = uploadChunked(http, admin, size);

        assertThat(declared.statusCode()).isEqualTo(413);
        // refused by the guard in front of WebAdmin, from the head alone (a body of 1 to 2 MiB reaches the route's own limit)
        assertThat(new String(declared.body(), StandardCharsets.UTF_8)).contains("104857600 bytes is over WebAdmin's limit");
        assertThat(chunked).as("a chunked upload gets 411 (Length Required), or the connection closed").satisfiesAnyOf(
            status -> assertThat(status).contains(411), status -> assertThat(status).isEmpty());
        assertThat(james.isAlive()).isTrue();
        assertThat(admin.get("/smime/certificates").statusCode()).isEqualTo(200);
        assertThat(james.log()).doesNotContain("OutOfMemoryError");
    }

    /** A chunked upload (no Content-Length): the status, or empty when the server closed the connection first. */
    private static Optional<Integer> uploadChunked(HttpClient http, WebAdminClient admin, long size) throws InterruptedException {
        try {
            return Optional.of(http.send(admin.request("/smime/certificates").header("X-P12-Password", "x")
                .header("Content-Type", "application/x-pkcs12")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> zeros(size))).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static InputStream zeros(long size) {
        return new InputStream() {
            private long left = size;

            @Override
            public int read() {
                return left-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(length, left);
                Arrays.fill(buffer, offset, offset + n, (byte) 0);
                left -= n;
                return n;
            }
        };
    }

    private static String archivedKey(String messageId) throws Exception {
        for (String key : james.webAdmin().mailKeys(ARCHIVE)) {
            if (messageId.equals(SmtpSink.ReceivedMail.parse(james.webAdmin().mailContent(ARCHIVE, key)).getMessageID())) {
                return key;
            }
        }
        throw new AssertionError("no archive copy of " + messageId);
    }

    /**
     * Sends the start of a request, its head and the first bytes of its body (Jetty dispatches when the body begins), as a
     * client sending a large body does, and reads the answer.
     */
    private static String answerTo(String requestStart) throws Exception {
        try (java.net.Socket socket = new java.net.Socket(ItEnvironment.LOOPBACK, james.webAdminPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(requestStart.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                java.nio.charset.StandardCharsets.US_ASCII));
            // the status line, the headers and the body the answer declares: the server may still wait for the request's body
            StringBuilder answer = new StringBuilder(in.readLine()).append('\n');
            int length = 0;
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                answer.append(line).append('\n');
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring("content-length:".length()).trim());
                }
            }
            char[] body = new char[length];
            int read = 0;
            while (read < length) {
                int n = in.read(body, read, length - read);
                if (n < 0) {
                    break;
                }
                read += n;
            }
            return answer.append('\n').append(body, 0, read).toString();
        }
    }

    @Test
    void aLargeOrUnauthenticatedBodyShouldBeRefusedBeforeJamesReadsIt() throws Exception {
        String large = "POST /smime/certificates HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-pkcs12\r\n"
            + "Content-Length: 104857600\r\n\r\n" + "0".repeat(1024);
        long start = System.nanoTime();
        String answer = answerTo(large);

        // answered from the head alone: James's request logger, which reads bodies before any token check, never ran
        assertThat(answer).startsWith("HTTP/1.1 413").contains("\"type\":\"RequestEntityTooLarge\"", "104857600 bytes is over");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(answerTo(large.replace("Content-Type", "Authorization: Bearer " + james.tokens().adminToken() + "\r\nContent-Type")))
            .as("a token does not lift the limit").startsWith("HTTP/1.1 413");
        assertThat(answerTo("POST /smime/certificates HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n0123"))
            .as("a small body without a token").startsWith("HTTP/1.1 401").contains("needs an Authorization: Bearer token");
        assertThat(answerTo("POST /smime/certificates HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"))
            .startsWith("HTTP/1.1 411");
        assertThat(james.log()).contains("WebAdmin request bodies over 2097152 bytes, and any body without a bearer token, are refused");
        assertThat(james.webAdmin().get("/smime/certificates").statusCode()).as("James answers on").isEqualTo(200);
    }
}
