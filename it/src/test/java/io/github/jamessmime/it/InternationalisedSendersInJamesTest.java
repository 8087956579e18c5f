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

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;

import javax.mail.Session;
import javax.mail.Transport;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.jamessmime.it.SmtpSink.ReceivedMail;
import io.github.jamessmime.testing.TestPki;

/**
 * Internationalised senders end to end in a real James: a certificate for {@code billing@xn--mller-kva.example}
 * (rfc822Name with an A-label) and one for {@code jörg@shop.example} (SmtpUTF8Mailbox), with the shipped
 * configuration. A From with the A-label is signed, also for a user granted the domain in its U-label form, and openssl
 * verifies it. A From written in UTF-8 (RFC 6532) does not survive James 3.8.1 itself: it stores header lines as
 * US-ASCII ({@code InternetHeadersInputStream}), so every octet beyond ASCII reaches the mailets as '?'; such mail is
 * delivered unsigned, its line saying why. Look-alikes that can be written in ASCII (an A-label of mixed scripts, an
 * encoded word as the local part) are refused by the address rules, never signed.
 */
class InternationalisedSendersInJamesTest {
    private static final String IDN_DOMAIN = "xn--mller-kva.example";
    private static final String IDN_BILLING = "billing@" + IDN_DOMAIN;
    private static final String UTF8_SENDER = "jörg@shop.example";
    /** An SMTP user granted jörg@shop.example and @müller.example (SMIME_GRANTS_FILE). */
    private static final String OPS = "ops@shop.example";
    /** An SMTP user of the same domain, granted nothing. */
    private static final String MALLORY = "mallory@shop.example";
    private static final String USER_PASSWORD = "user-secret";
    private static final String RECIPIENT = "kunde@remote.example";
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(60);

    private static Path run;
    private static ItStore store;
    private static X509Certificate idnCertificate;
    private static SmtpSink sink;
    private static JamesServerProcess james;

    @RegisterExtension
    static final PrintJamesLogOnFailure PRINT_LOG = new PrintJamesLogOnFailure(() -> james, 100);

    @BeforeAll
    static void startJames() throws Exception {
        run = ItEnvironment.newRunDirectory(InternationalisedSendersInJamesTest.class.getSimpleName());
        store = ItStore.create(run.resolve("pki"));
        idnCertificate = store.add("idn.p12", store.pki().sender(IDN_BILLING));
        store.add("utf8.p12", store.pki().sender("ignored").sanEmails(TestPki.SMTP_UTF8_MAILBOX + UTF8_SENDER).keyIndex(1));
        Path grants = Files.writeString(run.resolve("grants.properties"), OPS + " = " + UTF8_SENDER + ", @müller.example\n",
            StandardCharsets.UTF_8);
        Files.createDirectories(run.resolve("received"));

        sink = SmtpSink.start();
        james = JamesServerProcess.builder("james")
            .workingDirectory(run.resolve("james"))
            .relayGateway(sink.host(), sink.port())
            .smimeStore(store)
            .env("SMIME_GRANTS_FILE", grants.toString())
            .start();
        WebAdminClient webAdmin = james.webAdmin();
        webAdmin.createDomain("shop.example");
        webAdmin.createDomain(IDN_DOMAIN);
        for (String user : new String[] {IDN_BILLING, OPS, MALLORY}) {
            webAdmin.createUser(user, USER_PASSWORD);
        }
    }

    @AfterAll
    static void stopJames() throws Exception {
        ItEnvironment.closeAll(james, sink);
    }

    /** An invoice whose From header is written as given, in UTF-8; its Message-ID. */
    private static String submit(String user, String fromHeader) throws Exception {
        String messageId = "<" + UUID.randomUUID() + "@it.james-smime.test>";
        byte[] raw = ("From: " + fromHeader + "\r\n"
            + "To: " + RECIPIENT + "\r\n"
            + "Subject: Rechnung 4711\r\n"
            + "Message-ID: " + messageId + "\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=UTF-8\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n"
            + "\r\n"
            + "Grüße aus Köln: Ihre Rechnung über 42,00 EUR.\r\n").getBytes(StandardCharsets.UTF_8);
        Properties properties = new Properties();
        properties.put("mail.smtp.host", ItEnvironment.LOOPBACK);
        properties.put("mail.smtp.port", Integer.toString(james.submissionPort()));
        // the envelope stays ASCII: James 3.8.1 reads SMTP commands as US-ASCII
        properties.put("mail.smtp.from", user);
        properties.put("mail.smtp.auth", "true");
        Session session = Session.getInstance(properties);
        MimeMessage message = new MimeMessage(session, new ByteArrayInputStream(raw));
        try (Transport transport = session.getTransport("smtp")) {
            transport.connect(ItEnvironment.LOOPBACK, james.submissionPort(), user, USER_PASSWORD);
            transport.sendMessage(message, new InternetAddress[] {new InternetAddress(RECIPIENT)});
        }
        return messageId;
    }

    private static Path save(ReceivedMail received, String fileName) throws Exception {
        return Files.write(run.resolve("received").resolve(fileName), received.raw());
    }

    private static void assertSignedBy(ReceivedMail received, String fileName, String fromHeader, X509Certificate certificate)
        throws Exception {
        assertThat(received.contentType()).as("Content-Type of %s", fileName).startsWithIgnoringCase("multipart/signed");
        assertThat(new String(received.raw(), StandardCharsets.UTF_8)).as("the From header as written")
            .contains("\r\nFrom: " + fromHeader + "\r\n");
        Path file = save(received, fileName);
        OpenSsl.Result verification = OpenSsl.cmsVerify(file, store.rootPem());
        assertThat(verification.ok()).as("openssl verification of %s:\n%s", file, verification).isTrue();
        try (InputStream in = Files.newInputStream(verification.signerCertificates)) {
            assertThat(CertificateFactory.getInstance("X.509").generateCertificate(in)).as("signer certificate").isEqualTo(certificate);
        }
    }

    private static void assertUnsigned(ReceivedMail received, String fileName) throws Exception {
        save(received, fileName);
        assertThat(received.contentType()).as("Content-Type of %s", fileName).startsWithIgnoringCase("text/plain");
    }

    @Test
    void theStoreOfARealJamesShouldHoldBothInternationalisedSenders() {
        HttpResponse<byte[]> certificates = james.webAdmin().get("/smime/certificates");

        assertThat(certificates.statusCode()).isEqualTo(200);
        assertThat(new String(certificates.body(), StandardCharsets.UTF_8)).contains("\"" + UTF8_SENDER + "\"").contains("\"" + IDN_BILLING + "\"");
        assertThat(james.gauge("smime_certificates_usable_senders")).isEqualTo(2.0);
        assertThat(james.gauge("smime_certificates_refused_files")).isZero();
    }

    @Test
    void anALabelFromShouldBeSignedForItsOwnerAndForAUserGrantedTheULabelDomain() throws Exception {
        String from = "Buchhaltung <" + IDN_BILLING + ">";
        String ownId = submit(IDN_BILLING, from);
        String grantedId = submit(OPS, "billing@XN--MLLER-KVA.example");

        assertSignedBy(sink.awaitMessageId(ownId, DELIVERY_TIMEOUT), "a-label-from.eml", from, idnCertificate);
        assertSignedBy(sink.awaitMessageId(grantedId, DELIVERY_TIMEOUT), "a-label-from-granted.eml", "billing@XN--MLLER-KVA.example",
            idnCertificate);
        assertThat(james.log()).contains("SMTP AUTH user " + OPS + " is granted " + IDN_BILLING);
    }

    @Test
    void aFromWrittenInUtf8ShouldBeDeliveredUnsignedWithItsReasonBecauseJamesTurnsItsOctetsIntoQuestionMarks() throws Exception {
        String uLabelId = submit(IDN_BILLING, "Buchhaltung <billing@müller.example>");
        String localPartId = submit(OPS, "Jörg <" + UTF8_SENDER + ">");

        ReceivedMail uLabel = sink.awaitMessageId(uLabelId, DELIVERY_TIMEOUT);
        assertUnsigned(uLabel, "u-label-from.eml");
        assertUnsigned(sink.awaitMessageId(localPartId, DELIVERY_TIMEOUT), "utf8-local-part.eml");
        assertThat(uLabel.header("From")).as("what James 3.8.1 makes of the UTF-8 From").isEqualTo("Buchhaltung <billing@m??ller.example>");
        assertThat(james.log())
            .containsPattern("left unsigned \\(From -\\): NO_SINGLE_FROM: malformed From header: the label 'm\\?\\?ller' holds '\\?'.*"
                + "James 3.8.1 .* write the domain as its A-label")
            .containsPattern("left unsigned \\(From j\\?\\?rg@shop.example\\): NO_CERTIFICATE");
    }

    @Test
    void noLookAlikeOrOtherUsersAddressShouldBeSignedInARealJames() throws Exception {
        // müllеr with a Cyrillic е: its A-label is ASCII, so it reaches the mailet intact, and is refused there
        String mixedScripts = "billing@" + java.net.IDN.toASCII("m\u00fcll\u0435r") + ".example";
        String[] froms = {IDN_BILLING, mixedScripts, "=?utf-8?q?j=C3=B6rg?=@shop.example", "billing@xn--mller-kvb.example"};
        String[] ids = new String[froms.length];
        for (int i = 0; i < froms.length; i++) {
            ids[i] = submit(MALLORY, froms[i]);
        }
        for (int i = 0; i < froms.length; i++) {
            assertUnsigned(sink.awaitMessageId(ids[i], DELIVERY_TIMEOUT), "look-alike-" + i + ".eml");
        }
        assertThat(james.log())
            .containsPattern("left unsigned \\(From billing@xn--mller-kva.example\\): NOT_ENTITLED: SMTP AUTH user " + MALLORY)
            .containsPattern("left unsigned \\(From -\\): NO_SINGLE_FROM: .*mixes the scripts (Latin and Cyrillic|Cyrillic and Latin)")
            .containsPattern("left unsigned \\(From -\\): NO_SINGLE_FROM: .*looks like an RFC 2047 encoded word")
            .containsPattern("left unsigned \\(From -\\): NO_SINGLE_FROM: .*'xn--mller-kvb' is not a valid A-label");
    }
}
