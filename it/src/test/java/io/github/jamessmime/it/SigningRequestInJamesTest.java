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

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.jamessmime.testing.Verifiers;

/**
 * The per-message request header {@code X-Smime-Sign} in real James servers, one per {@code signing.mode}: it
 * switches signing off ({@code always}) or on ({@code on-request}) for an entitled submitter only, and no copy
 * that leaves James carries it; the archive copy keeps it.
 */
class SigningRequestInJamesTest {

    private static final String BILLING = "billing@shop.example";
    private static final String MALLORY = "mallory@shop.example";
    private static final String PASSWORD = "user-secret";
    private static final String RECIPIENT = "customer@remote.example";
    private static final String ARCHIVE = "var/mail/relay-archive";
    private static final Duration DELIVERY = Duration.ofSeconds(60);

    private static Path run;
    private static ItStore store;
    private static OutboxSinkProcess sink;
    private static JamesServerProcess always;
    private static JamesServerProcess onRequest;

    @RegisterExtension
    static final PrintJamesLogOnFailure PRINT_LOG = new PrintJamesLogOnFailure(() -> onRequest != null ? onRequest : always, 150);

    @BeforeAll
    static void startJames() throws Exception {
        run = ItEnvironment.newRunDirectory(SigningRequestInJamesTest.class.getSimpleName());
        store = ItStore.create(run.resolve("pki"));
        store.add("billing.p12", store.pki().sender(BILLING));
        Files.createDirectories(run.resolve("received"));
        sink = OutboxSinkProcess.start(Files.createDirectories(run.resolve("outbox")));
        always = start("always", "always");
        onRequest = start("on-request", "on-request");
    }

    private static JamesServerProcess start(String name, String mode) throws Exception {
        JamesServerProcess james = JamesServerProcess.builder(name)
            .workingDirectory(run.resolve(name))
            .relayGateway(sink.host(), sink.port())
            .smimeStore(store)
            .env("SMIME_SIGNING_MODE", mode)
            .start();
        james.webAdmin().createDomain("shop.example");
        james.webAdmin().createUser(BILLING, PASSWORD);
        james.webAdmin().createUser(MALLORY, PASSWORD);
        return james;
    }

    @AfterAll
    static void stopJames() throws Exception {
        ItEnvironment.closeAll(always, onRequest, sink);
    }

    /** Submits a text mail From billing with the given request header line (or none) as {@code submitter}. */
    private static String submit(JamesServerProcess james, String submitter, String requestHeader) throws Exception {
        String messageId = "<" + UUID.randomUUID() + "@it.james-smime.test>";
        byte[] mail = ("From: Shop Billing <" + BILLING + ">\r\n"
            + "To: " + RECIPIENT + "\r\n"
            + "Subject: Invoice 4711\r\n"
            + "Message-ID: " + messageId + "\r\n"
            + (requestHeader == null ? "" : requestHeader + "\r\n")
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=us-ascii\r\n"
            + "\r\n"
            + "Your invoice 4711 is attached to this message.\r\n").getBytes(StandardCharsets.US_ASCII);
        TestMessage.sendRawAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), submitter, PASSWORD, RECIPIENT, mail);
        return messageId;
    }

    private static byte[] delivered(String messageId) throws Exception {
        byte[] copy = sink.awaitCopies(messageId, 1, DELIVERY).get(0);
        assertThat(new String(copy, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT))
            .as("the delivered copy of %s carries no request header", messageId)
            .doesNotContain("x-smime-sign");
        return copy;
    }

    private static boolean isSigned(byte[] mail) throws Exception {
        return Verifiers.parse(mail).getContentType().toLowerCase(Locale.ROOT).startsWith("multipart/signed");
    }

    private static void assertVerifies(byte[] mail, String fileName) throws Exception {
        Path file = Files.write(run.resolve("received").resolve(fileName), mail);
        OpenSsl.Result openssl = OpenSsl.cmsVerify(file, store.rootPem());
        assertThat(openssl.ok()).as("openssl verification of %s:\n%s", file, openssl).isTrue();
        assertThat(Verifiers.bouncyCastle(mail).signatureValid).as("BouncyCastle's verification of %s", file).isTrue();
    }

    private static List<String> archived(JamesServerProcess james, String messageId) {
        List<String> copies = new ArrayList<>();
        for (String key : james.webAdmin().mailKeys(ARCHIVE)) {
            String content = new String(james.webAdmin().mailContent(ARCHIVE, key), StandardCharsets.ISO_8859_1);
            if (content.contains(messageId)) {
                copies.add(content);
            }
        }
        return copies;
    }

    @Test
    void alwaysModeShouldLeaveMailUnsignedWhenTheEntitledSenderSaysNo() throws Exception {
        String messageId = submit(always, BILLING, "X-Smime-Sign: no");

        assertThat(isSigned(delivered(messageId))).as("signed").isFalse();
        assertThat(archived(always, messageId)).as("archive copies").singleElement().asString().contains("X-Smime-Sign: no");
        assertThat(always.log()).contains("left unsigned (From " + BILLING + "): DECLINED");
    }

    @Test
    void alwaysModeShouldSignWhenTheSenderSaysYesAndRecordItInTheAuditLine() throws Exception {
        String messageId = submit(always, BILLING, "X-Smime-Sign: yes");

        byte[] copy = delivered(messageId);
        assertThat(isSigned(copy)).as("signed").isTrue();
        assertVerifies(copy, "always-yes.eml");
        assertThat(always.log()).containsPattern("smime-signature [^\\n]*messageId=\"" + messageId + "\"[^\\n]* request=yes");
    }

    @Test
    void onRequestModeShouldSignOnlyMailThatAsks() throws Exception {
        String unasked = submit(onRequest, BILLING, null);
        String asked = submit(onRequest, BILLING, "X-Smime-Sign: Yes");

        assertThat(isSigned(delivered(unasked))).as("signed without a request").isFalse();
        byte[] copy = delivered(asked);
        assertThat(isSigned(copy)).as("signed on request").isTrue();
        assertVerifies(copy, "on-request-yes.eml");
        assertThat(onRequest.log()).contains("left unsigned (From " + BILLING + "): NOT_REQUESTED");
    }

    @Test
    void requestShouldNotLetASubmitterWhoDoesNotOwnTheFromAddressHaveItSigned() throws Exception {
        String messageId = submit(onRequest, MALLORY, "X-Smime-Sign: yes");

        assertThat(isSigned(delivered(messageId))).as("signed for mallory").isFalse();
        assertThat(onRequest.log()).contains("left unsigned (From " + BILLING + "): NOT_ENTITLED");
    }
}
