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
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.mail.Part;
import javax.mail.internet.ContentType;
import javax.mail.internet.MimeBodyPart;
import javax.mail.internet.MimeMessage;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.jamessmime.it.SmtpSink.ReceivedMail;

/**
 * The drop-in jar in a real James 3.8.1 (own JVM, james-conf/ as conf/): relayed mail is signed with the certificate
 * of its From address only for an authenticated sender who is that address; everything else is delivered unchanged.
 */
class SignBySenderInJamesTest {

    private static final String DOMAIN = "shop.example";
    /** Has a certificate. */
    private static final String BILLING = "billing@" + DOMAIN;
    /** Has a certificate. */
    private static final String SUPPORT = "support@" + DOMAIN;
    /** Has no certificate. */
    private static final String SALES = "sales@" + DOMAIN;
    private static final String USER_PASSWORD = "user-secret";
    private static final String RECIPIENT = "customer@remote.example";
    private static final String RELAY_ARCHIVE = "var/mail/relay-archive";
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(60);

    private static Path run;
    private static ItStore store;
    private static X509Certificate billingCertificate;
    private static SmtpSink sink;
    private static JamesServerProcess james;

    @RegisterExtension
    static final PrintJamesLogOnFailure PRINT_LOG = new PrintJamesLogOnFailure(() -> james, 150);

    @BeforeAll
    static void startJames() throws Exception {
        run = ItEnvironment.newRunDirectory(SignBySenderInJamesTest.class.getSimpleName());

        store = ItStore.create(run.resolve("pki"));
        billingCertificate = store.add("billing.p12", store.pki().sender(BILLING));
        store.add("support.p12", store.pki().sender(SUPPORT).keyIndex(1));
        Files.createDirectories(run.resolve("received"));

        sink = SmtpSink.start();
        james = JamesServerProcess.builder("james")
            .workingDirectory(run.resolve("james"))
            .relayGateway(sink.host(), sink.port())
            .smimeStore(store)
            .start();

        WebAdminClient webAdmin = james.webAdmin();
        webAdmin.createDomain(DOMAIN);
        for (String user : new String[] {BILLING, SUPPORT, SALES}) {
            webAdmin.createUser(user, USER_PASSWORD);
        }
    }

    @AfterAll
    static void stopJames() throws Exception {
        ItEnvironment.closeAll(james, sink);
    }

    @Test
    void jamesShouldSignMailFromAuthenticatedSenderWithCertificate() throws Exception {
        TestMessage mail = TestMessage.text(BILLING, RECIPIENT, "Invoice – signed by billing");

        mail.sendAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), BILLING, USER_PASSWORD);
        ReceivedMail received = sink.awaitMessageId(mail.messageId(), DELIVERY_TIMEOUT);

        assertThat(received.contentType().toLowerCase(Locale.ROOT))
            .as("Content-Type of the delivered message")
            .startsWith("multipart/signed")
            .contains("protocol=\"application/pkcs7-signature\"")
            .containsPattern("micalg=\"?sha-256\"?");
        assertSameHeaders(received, mail);

        Path file = save(received, "signed-by-billing.eml");
        OpenSsl.Result verification = OpenSsl.cmsVerify(file, store.rootPem());
        assertThat(verification.ok()).as("openssl verification of %s:\n%s", file, verification).isTrue();
        assertThat(new String(verification.output, StandardCharsets.ISO_8859_1))
            .as("what openssl verified, compared with the first part of the multipart/signed as delivered")
            .isEqualTo(new String(firstPart(received), StandardCharsets.ISO_8859_1));
        assertThat(textOf(new MimeBodyPart(new ByteArrayInputStream(verification.output))))
            .as("content covered by the signature")
            .isEqualTo(normalized(mail.body()));
        assertThat(readCertificate(verification.signerCertificates))
            .as("signer certificate")
            .isEqualTo(billingCertificate);
    }

    @Test
    void jamesShouldDkimSignAfterSmimeSoThatBothVerify() throws Exception {
        TestMessage mail = TestMessage.text(BILLING, RECIPIENT, "Invoice – S/MIME then DKIM");

        mail.sendAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), BILLING, USER_PASSWORD);
        ReceivedMail received = sink.awaitMessageId(mail.messageId(), DELIVERY_TIMEOUT);
        Path file = save(received, "smime-then-dkim.eml");

        assertThat(received.header("DKIM-Signature")).as("DKIM-Signature header").contains("d=shop.example").contains("s=demo");
        assertDkimVerifies(file);
        OpenSsl.Result verification = OpenSsl.cmsVerify(file, store.rootPem());
        assertThat(verification.ok()).as("openssl verification of %s:\n%s", file, verification).isTrue();
    }

    @Test
    void jamesShouldProtectTheHeaderFieldsAMailAsksForAndDkimSignAfterSmime() throws Exception {
        String messageId = "<" + UUID.randomUUID() + "@it.james-smime.test>";
        String raw = "From: Shop Billing <" + BILLING + ">\r\nTo: Customer <" + RECIPIENT + ">\r\n"
            + "Subject: =?UTF-8?Q?Ihre_Rechnung_f=C3=BCr_Bestellung_4711?=\r\nDate: Mon, 7 Dec 2026 09:58:00 +0000\r\n"
            + "Message-ID: " + messageId + "\r\nX-Smime-Sign: yes; headers=protected\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=us-ascii\r\n\r\nYour invoice 4711 is attached.\r\n";

        TestMessage.sendRawAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), BILLING, USER_PASSWORD, RECIPIENT,
            raw.getBytes(StandardCharsets.US_ASCII));
        ReceivedMail received = sink.awaitMessageId(messageId, DELIVERY_TIMEOUT);
        Path file = save(received, "header-protection-then-dkim.eml");

        assertThat(received.header("X-Smime-Sign")).as("the request to this gateway").isNull();
        assertDkimVerifies(file);
        OpenSsl.Result verification = OpenSsl.cmsVerify(file, store.rootPem());
        assertThat(verification.ok()).as("openssl verification of %s:\n%s", file, verification).isTrue();
        MimeBodyPart signedPart = new MimeBodyPart(new ByteArrayInputStream(verification.output));
        assertThat(signedPart.getContentType()).contains("hp=clear");
        Process python = new ProcessBuilder("/usr/bin/python3", "-c", String.join("\n",
            "import sys, email, email.policy",
            "msg = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)",
            "inner = msg.get_payload(0)",
            "for name in ('From', 'To', 'Subject', 'Date', 'Message-ID'):",
            "    print(name, str(inner[name]) == str(msg[name]), str(inner[name]))"), file.toString()).redirectErrorStream(true).start();
        String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        python.waitFor();
        assertThat(output.lines()).as(output).hasSize(5).allMatch(line -> line.split(" ")[1].equals("True"))
            .contains("Subject True Ihre Rechnung für Bestellung 4711");
    }

    @Test
    void metricsScrapeShouldCountSignedAndUnsignedMailAndEachUnsignedMailShouldHaveItsLine() throws Exception {
        WebAdminClient scraper = james.webAdminWithToken(Optional.empty());
        Map<String, Double> before = metrics(scraper);
        TestMessage signed = TestMessage.text(BILLING, RECIPIENT, "Invoice – counted by the metrics");
        TestMessage unsigned = TestMessage.text(SALES, RECIPIENT, "Offer – no certificate, counted");

        signed.sendAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), BILLING, USER_PASSWORD);
        unsigned.sendAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), SALES, USER_PASSWORD);
        sink.awaitMessageId(signed.messageId(), DELIVERY_TIMEOUT);
        sink.awaitMessageId(unsigned.messageId(), DELIVERY_TIMEOUT);
        Map<String, Double> after = metrics(scraper);

        assertThat(after.get("smime_signed_total") - before.getOrDefault("smime_signed_total", 0.0)).isEqualTo(1.0);
        assertThat(after.get("smime_unsigned_no_certificate_total") - before.getOrDefault("smime_unsigned_no_certificate_total", 0.0))
            .isEqualTo(1.0);
        assertThat(after).containsEntry("smime_certificates_usable_senders", 2.0).containsEntry("smime_certificates_refused_files", 0.0)
            .containsKey("smime_signing_time_count");
        assertThat(james.log()).containsPattern("Mail \\S+ left unsigned \\(From " + SALES + "\\): NO_CERTIFICATE: no usable certificate");
    }

    /** GET /metrics without a token (Prometheus text format): the smime_* samples. */
    private static Map<String, Double> metrics(WebAdminClient scraper) {
        HttpResponse<byte[]> response = scraper.get("/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).get().asString().startsWith("text/plain; version=0.0.4");
        Map<String, Double> samples = new TreeMap<>();
        for (String line : new String(response.body(), StandardCharsets.UTF_8).split("\n")) {
            Matcher sample = Pattern.compile("^(smime_[A-Za-z_]+)(?:\\{[^}]*\\})? (\\S+)$").matcher(line);
            if (sample.matches() && !line.contains("quantile")) {
                samples.put(sample.group(1), Double.parseDouble(sample.group(2)));
            }
        }
        return samples;
    }

    @Test
    void usageRouteShouldCountEverySignatureOfTheSender() throws Exception {
        long before = billingSignaturesThisMonth();
        TestMessage mail = TestMessage.text(BILLING, RECIPIENT, "Invoice – counted");

        mail.sendAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), BILLING, USER_PASSWORD);
        sink.awaitMessageId(mail.messageId(), DELIVERY_TIMEOUT);

        assertThat(billingSignaturesThisMonth()).isEqualTo(before + 1);
    }

    private static long billingSignaturesThisMonth() {
        HttpResponse<byte[]> response = james.webAdmin().get("/smime/usage?month=" + YearMonth.now(ZoneOffset.UTC));
        String body = new String(response.body(), StandardCharsets.UTF_8);
        assertThat(response.statusCode()).as(body).isEqualTo(200);
        Matcher count = Pattern.compile("\"" + Pattern.quote(BILLING) + "\":(\\d+)").matcher(body);
        return count.find() ? Long.parseLong(count.group(1)) : 0;
    }

    @Test
    void jamesShouldNotSignMailSubmittedWithoutAuthentication() throws Exception {
        // Plain SMTP from loopback: James relays it (127.0.0.0/8 is an authorized network), but relaying rights
        // are not an entitlement to BILLING's signature.
        TestMessage mail = TestMessage.text(BILLING, RECIPIENT, "Invoice – no AUTH");

        mail.sendWithoutAuthentication(ItEnvironment.LOOPBACK, james.smtpPort());

        assertDeliveredUnsigned(mail, "unauthenticated.eml");
        assertThat(sink.awaitMessageId(mail.messageId(), DELIVERY_TIMEOUT).header("DKIM-Signature"))
            .as("no DKIM signature of the operator's domain for a From nobody proved to own").isNull();
    }

    @Test
    void jamesShouldNotSignMailWhoseFromIsAnotherUsersAddress() throws Exception {
        // BILLING authenticates (and has a certificate of its own) but writes From: SUPPORT.
        TestMessage mail = TestMessage.text(SUPPORT, RECIPIENT, "Invoice – From someone else");

        mail.sendAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), BILLING, USER_PASSWORD);

        assertDeliveredUnsigned(mail, "from-another-user.eml");
        assertThat(sink.awaitMessageId(mail.messageId(), DELIVERY_TIMEOUT).header("DKIM-Signature"))
            .as("no DKIM signature of the operator's domain for another user's From").isNull();
    }

    @Test
    void ownedFromWithoutCertificateOrMimeVersionShouldGetADkimSignatureThatVerifies() throws Exception {
        // SALES owns its From (SMTP AUTH) but has no certificate: delivered unsigned, DKIM-signed; the message has no
        // MIME-Version header, which must be in place before DKIMSign signs h=...:mime-version
        String messageId = "<" + UUID.randomUUID() + "@it.james-smime.test>";
        String raw = "From: " + SALES + "\r\nTo: " + RECIPIENT + "\r\nSubject: Offer without MIME-Version\r\nMessage-ID: "
            + messageId + "\r\nDate: Thu, 03 Dec 2026 10:00:00 +0000\r\n\r\nOur offer, plain ASCII.\r\n";

        TestMessage.sendRawAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), SALES, USER_PASSWORD, RECIPIENT,
            raw.getBytes(StandardCharsets.US_ASCII));
        ReceivedMail received = sink.awaitMessageId(messageId, DELIVERY_TIMEOUT);
        Path file = save(received, "owned-no-mime-version.eml");

        assertThat(received.header("DKIM-Signature")).as("DKIM-Signature header").contains("d=shop.example");
        assertThat(received.header("MIME-Version")).isEqualTo("1.0");
        assertDkimVerifies(file);
    }

    @Test
    void jamesShouldNotSignMailFromSenderWithoutCertificate() throws Exception {
        TestMessage mail = TestMessage.text(SALES, RECIPIENT, "Offer – no certificate");

        mail.sendAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), SALES, USER_PASSWORD);

        assertDeliveredUnsigned(mail, "without-certificate.eml");
    }

    @Test
    void jamesShouldDeliverUnsignedWhenSigningFails() throws Exception {
        // Entitled (AUTH as the From address, which has a certificate), but the body is in a transfer encoding nobody
        // knows, so the signer cannot bring it to 7 bit: SignBySenderMailet throws, and onMailetException=ignore
        // (mailetcontainer.xml) lets RemoteDelivery send the mail as it is.
        String messageId = "<" + UUID.randomUUID() + "@it.james-smime.test>";
        String body = "This body is in an unknown transfer encoding.\r\n";
        String raw = "From: " + BILLING + "\r\n"
            + "To: " + RECIPIENT + "\r\n"
            + "Subject: Unknown transfer encoding\r\n"
            + "Message-ID: " + messageId + "\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=us-ascii\r\n"
            + "Content-Transfer-Encoding: x-unknown\r\n"
            + "\r\n"
            + body;

        TestMessage.sendRawAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), BILLING, USER_PASSWORD, RECIPIENT,
            raw.getBytes(StandardCharsets.US_ASCII));
        ReceivedMail received = sink.awaitMessageId(messageId, DELIVERY_TIMEOUT);
        save(received, "signing-failed.eml");

        assertThat(received.contentType()).as("Content-Type of the delivered message").startsWithIgnoringCase("text/plain");
        assertThat(received.header("Content-Transfer-Encoding")).isEqualTo("x-unknown");
        assertThat(new String(received.raw(), StandardCharsets.US_ASCII)).as("delivered message").endsWith("\r\n\r\n" + body);
        assertThat(james.log())
            .as("James log: the signature was attempted and failed, and the mailet error was ignored")
            .containsPattern("Encountered error while executing mailet .*SignBySenderMailet.*Ignoring it");
    }

    @Test
    void billingsSignedBodyReplayedUnderOtherHeadersBySupportShouldBeHeldNotRelayed() throws Exception {
        TestMessage original = TestMessage.text(BILLING, RECIPIENT, "Invoice 2026-0412");
        original.sendAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), BILLING, USER_PASSWORD);
        byte[] signed = sink.awaitMessageId(original.messageId(), DELIVERY_TIMEOUT).raw();
        String replayId = "<" + UUID.randomUUID() + "@it.james-smime.test>";
        // support@ (a user of this server, not billing@) resends billing's signed body under its own headers
        String replayed = new String(signed, StandardCharsets.US_ASCII)
            .replaceFirst("(?m)^From: .*\r\n", "From: " + SUPPORT + "\r\n")
            .replaceFirst("(?m)^Subject: .*\r\n", "Subject: URGENT new bank details\r\n")
            .replaceFirst("(?m)^Message-ID: .*\r\n", "Message-ID: " + replayId + "\r\n")
            .replaceAll("(?m)^DKIM-Signature: .*\r\n(?:[ \t].*\r\n)*", "");

        TestMessage.sendRawAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), SUPPORT, USER_PASSWORD, RECIPIENT,
            replayed.getBytes(StandardCharsets.US_ASCII));

        WebAdminClient webAdmin = james.webAdmin();
        String repository = "var/mail/replayed-signature";
        long deadline = System.nanoTime() + DELIVERY_TIMEOUT.toNanos();
        List<String> held = List.of();
        while (held.isEmpty() && System.nanoTime() < deadline) {
            held = webAdmin.mailKeys(repository);
            Thread.sleep(200);
        }
        assertThat(held).as("held in %s", repository).hasSize(1);
        assertThat(ReceivedMail.parse(webAdmin.mailContent(repository, held.get(0))).getMessageID()).isEqualTo(replayId);
        assertThat(sink.received()).as("not relayed").noneMatch(mail -> replayId.equals(mail.header("Message-ID")));
        assertThat(james.log()).contains("is not relayed as it is: it carries a signature made with this server's certificate for ["
            + BILLING + "]");
        assertThat(james.gauge("smime_replayed_signature_total")).as("counted").isEqualTo(1.0);
    }

    @Test
    void jamesShouldArchiveTheUnsignedOriginalBeforeSigning() throws Exception {
        TestMessage mail = TestMessage.text(BILLING, RECIPIENT, "Invoice – archived");

        mail.sendAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), BILLING, USER_PASSWORD);
        ReceivedMail received = sink.awaitMessageId(mail.messageId(), DELIVERY_TIMEOUT);
        assertThat(received.contentType()).as("delivered copy").startsWithIgnoringCase("multipart/signed");

        MimeMessage archived = null;
        WebAdminClient webAdmin = james.webAdmin();
        for (String key : webAdmin.mailKeys(RELAY_ARCHIVE)) {
            MimeMessage candidate = ReceivedMail.parse(webAdmin.mailContent(RELAY_ARCHIVE, key));
            if (mail.messageId().equals(candidate.getMessageID())) {
                assertThat(archived).as("more than one archived copy of %s", mail.messageId()).isNull();
                archived = candidate;
            }
        }
        assertThat(archived).as("archived copy of %s in %s", mail.messageId(), RELAY_ARCHIVE).isNotNull();
        assertThat(archived.getContentType()).as("archived copy").startsWithIgnoringCase("text/plain");
        assertThat(textOf(archived)).isEqualTo(normalized(mail.body()));
    }

    /** dkimpy (an implementation other than the one that signed) verifies the message's DKIM signature. */
    private static void assertDkimVerifies(Path file) throws Exception {
        Process dkim = new ProcessBuilder("/usr/bin/python3", Path.of("src/test/resources/dkim_verify.py").toAbsolutePath().toString(),
            file.toString(), Base64.getEncoder().encodeToString(james.dkimPublicKey().getEncoded()))
            .redirectErrorStream(true).start();
        String dkimOutput = new String(dkim.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(dkim.waitFor()).as("dkimpy verification of %s: %s", file, dkimOutput).isZero();
    }

    private static void assertDeliveredUnsigned(TestMessage mail, String fileName) throws Exception {
        ReceivedMail received = sink.awaitMessageId(mail.messageId(), DELIVERY_TIMEOUT);
        save(received, fileName);

        assertThat(received.contentType()).as("Content-Type of the delivered message").startsWithIgnoringCase("text/plain");
        assertSameHeaders(received, mail);
        assertThat(textOf(received.message())).as("delivered body").isEqualTo(normalized(mail.body()));
    }

    private static void assertSameHeaders(ReceivedMail received, TestMessage mail) throws Exception {
        assertThat(received.header("Message-ID")).as("Message-ID").isEqualTo(mail.messageId());
        assertThat(received.message().getSubject()).as("Subject").isEqualTo(mail.subject());
        assertThat(received.header("From")).as("From").isEqualTo(mail.from());
        assertThat(received.header("To")).as("To").isEqualTo(mail.to());
    }

    /** The bytes of the first body part of a multipart message as delivered (RFC 2046: without the CRLF before the delimiter). */
    private static byte[] firstPart(ReceivedMail received) throws Exception {
        String boundary = new ContentType(received.contentType()).getParameter("boundary");
        assertThat(boundary).as("boundary of %s", received.contentType()).isNotBlank();
        String raw = new String(received.raw(), StandardCharsets.ISO_8859_1);
        int body = raw.indexOf("\r\n\r\n");
        String delimiter = "--" + boundary + "\r\n";
        int start = raw.startsWith(delimiter, body + 4) ? body + 4 : raw.indexOf("\r\n" + delimiter, body);
        assertThat(start).as("first delimiter of %s", boundary).isNotNegative();
        start = raw.indexOf(delimiter, start) + delimiter.length();
        int end = raw.indexOf("\r\n--" + boundary, start);
        assertThat(end).as("second delimiter of %s", boundary).isGreaterThan(start);
        return raw.substring(start, end).getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Path save(ReceivedMail received, String fileName) throws Exception {
        return Files.write(run.resolve("received").resolve(fileName), received.raw());
    }

    private static String textOf(Part part) throws Exception {
        Object content = part.getContent();
        assertThat(content).as("content of a %s part", part.getContentType()).isInstanceOf(String.class);
        return normalized((String) content);
    }

    private static String normalized(String text) {
        return text.replace("\r\n", "\n");
    }

    private static X509Certificate readCertificate(Path pem) throws Exception {
        assertThat(pem).as("signer certificate written by openssl").exists();
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
