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
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.mail.internet.MimeBodyPart;

import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.Time;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.ThunderbirdClient;
import io.github.jamessmime.testing.Verifiers;

/**
 * Sign after archival: the archive keeps the unsigned original, and every resend of it (WebAdmin reprocess into
 * the "sign" processor) is signed afresh, with the certificate valid at resend time, without a second archive copy.
 * Mail is delivered to tools/OutboxSink.java, which does not announce 8BITMIME: an 8-bit message must still verify.
 */
class ArchiveAndResendInJamesTest {
    private static final String BILLING = "billing@shop.example";
    private static final String PASSWORD = "user-secret";
    private static final String ARCHIVE = "var/mail/relay-archive";
    private static final Duration DELIVERY = Duration.ofSeconds(60);
    private static final String INVOICE_TEXT = "Grüße aus Köln, Ihre Rechnung über 42,00 € liegt bei.\r\n";
    private static final Pattern STORE_LOADED = Pattern.compile("S/MIME certificate store .*: \\d+ sender addresses");

    private static Path run;
    private static ItStore store;
    private static TestPki pki;
    private static OutboxSinkProcess sink;
    private static JamesServerProcess james;

    @RegisterExtension
    static final PrintJamesLogOnFailure PRINT_LOG = new PrintJamesLogOnFailure(() -> james, 150);

    @BeforeAll
    static void startJames() throws Exception {
        run = ItEnvironment.newRunDirectory(ArchiveAndResendInJamesTest.class.getSimpleName());
        store = ItStore.create(run.resolve("pki"));
        pki = store.pki();
        store.add("billing.p12", pki.sender(BILLING).keyIndex(0));
        // expires in 10 days: the health check must say degraded
        store.add("parcels.p12", pki.sender("parcels@shop.example").keyIndex(2)
            .validity(Instant.now().minus(Duration.ofDays(300)), Instant.now().plus(Duration.ofDays(10)).plusSeconds(3600)));
        Files.createDirectories(run.resolve("received"));
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
    void resendFromArchiveShouldBeSignedAgainWithTheCertificateValidThen() throws Exception {
        String messageId = "<" + UUID.randomUUID() + "@it.james-smime.test>";
        byte[] original = ("From: Shop Billing <" + BILLING + ">\r\n"
            + "To: customer@remote.example\r\n"
            + "Subject: Rechnung 4711\r\n"
            + "Message-ID: " + messageId + "\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=UTF-8\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n"
            + "\r\n"
            + INVOICE_TEXT).getBytes(StandardCharsets.UTF_8);

        TestMessage.sendRawAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), BILLING, PASSWORD,
            "customer@remote.example", original);
        byte[] first = sink.awaitCopies(messageId, 1, DELIVERY).get(0);
        String key = archivedKey(messageId);
        byte[] archived = james.webAdmin().mailContent(ARCHIVE, key);

        assertThat(new String(archived, StandardCharsets.ISO_8859_1))
            .as("the archive holds the unsigned original, byte for byte (James only adds trace headers on top)")
            .endsWith(new String(original, StandardCharsets.ISO_8859_1));
        Verifiers.BcResult firstSignature = verified(first, "first.eml");

        // signingTime has a resolution of one second
        JamesServerProcess.sleep(Duration.ofMillis(1100));
        james.webAdmin().reprocess(ARCHIVE, key, "sign");
        byte[] resent = sink.awaitCopies(messageId, 2, DELIVERY).get(1);

        Verifiers.BcResult resentSignature = verified(resent, "resent.eml");
        assertThat(signingTime(resentSignature)).isAfter(signingTime(firstSignature));
        // the original has no Date: each copy gets the signing time as its Date, the archive keeps none
        assertThat(SmtpSink.ReceivedMail.parse(resent).getSentDate().toInstant()).isEqualTo(signingTime(resentSignature));
        assertThat(SmtpSink.ReceivedMail.parse(first).getSentDate().toInstant()).isEqualTo(signingTime(firstSignature));
        assertThat(james.gauge("smime_signed_date_added_total")).isGreaterThanOrEqualTo(2.0);
        assertThat(resentSignature.signer).isEqualTo(firstSignature.signer);
        assertThat(archivedKeys(messageId)).as("archive copies of %s after the resend", messageId).hasSize(1);

        TestPki.Issued renewed = pki.sender(BILLING).keyIndex(1).issue();
        int loadsBefore = storeLoads();
        Path next = store.write(run.resolve("pki/billing-renewed.p12"), renewed);
        Files.move(next, store.directory().resolve("billing.p12"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        awaitStoreLoadsAbove(loadsBefore);
        james.webAdmin().reprocess(ARCHIVE, key, "sign");
        byte[] afterRenewal = sink.awaitCopies(messageId, 3, DELIVERY).get(2);

        Verifiers.BcResult renewedSignature = verified(afterRenewal, "after-renewal.eml");
        assertThat(renewedSignature.signer).isEqualTo(renewed.certificate());
        assertThat(archivedKeys(messageId)).hasSize(1);
    }

    /**
     * An original dated three days ago, as every archived message is by the time it is resent: Thunderbird would call a
     * signing time three days after the Date invalid (1041), so each copy is signed without one and keeps its Date.
     */
    @Test
    void resendOfAnOriginalDatedDaysAgoShouldKeepItsDateAndBeSignedWithoutSigningTime() throws Exception {
        String messageId = "<" + UUID.randomUUID() + "@it.james-smime.test>";
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).minusDays(3));
        byte[] original = ("From: Shop Billing <" + BILLING + ">\r\nTo: customer@remote.example\r\nSubject: Rechnung 4710\r\n"
            + "Date: " + date + "\r\nMessage-ID: " + messageId + "\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + INVOICE_TEXT)
            .getBytes(StandardCharsets.UTF_8);
        TestMessage.sendRawAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), BILLING, PASSWORD,
            "customer@remote.example", original);
        byte[] first = sink.awaitCopies(messageId, 1, DELIVERY).get(0);
        String key = archivedKey(messageId);

        james.webAdmin().reprocess(ARCHIVE, key, "sign");
        byte[] resent = sink.awaitCopies(messageId, 2, DELIVERY).get(1);

        Verifiers.BcResult signature = verified(resent, "resent-days-later.eml");
        assertThat(signature.signerInformation.getSignedAttributes().get(CMSAttributes.signingTime)).isNull();
        assertThat(SmtpSink.ReceivedMail.parse(resent).getHeader("Date", null)).isEqualTo(date);
        assertThat(james.log()).containsPattern("Mail \\S+: signed without signing time: its Date \\S+ is 3 days from the signing time");
        assertThat(james.gauge("smime_signed_without_signing_time_total")).isGreaterThanOrEqualTo(2.0);
        // what the recipient sees: the real Thunderbird opens both copies as James delivered them
        Map<String, ThunderbirdClient.Verdict> thunderbird = ThunderbirdClient.verdicts(
            Map.of("first", first, "resent", resent),
            pki.root(), Optional.empty());
        assertThat(thunderbird.get("first").validlySigned()).as("Thunderbird on the first copy: %s", thunderbird).isTrue();
        assertThat(thunderbird.get("resent").validlySigned()).as("Thunderbird on the resent copy: %s", thunderbird).isTrue();
    }

    @Test
    void resendRouteShouldSendTheArchivedOriginalToANewRecipientSigned() throws Exception {
        String messageId = "<" + UUID.randomUUID() + "@it.james-smime.test>";
        byte[] original = ("From: " + BILLING + "\r\nTo: customer@remote.example\r\nSubject: Invoice again\r\n"
            + "Message-ID: " + messageId + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n\r\n" + INVOICE_TEXT).getBytes(StandardCharsets.UTF_8);
        TestMessage.sendRawAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), BILLING, PASSWORD,
            "customer@remote.example", original);
        sink.awaitCopies(messageId, 1, DELIVERY);
        String key = archivedKey(messageId);

        HttpResponse<byte[]> response = james.webAdmin().postJson("/smime/resend",
            "{\"repository\":\"" + ARCHIVE + "\",\"key\":\"" + key + "\",\"recipients\":[\"accounting@remote.example\"]}");

        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).contains("\"recipients\":[\"accounting@remote.example\"]");
        byte[] resent = sink.awaitCopies(messageId, 2, DELIVERY).get(1);
        assertThat(SmtpSink.ReceivedMail.parse(resent).getHeader("X-Outbox-Recipients", null)).isEqualTo("accounting@remote.example");
        verified(resent, "resent-to-accounting.eml");
        assertThat(archivedKeys(messageId)).as("archive copies of %s after the resend", messageId).hasSize(1);
    }

    @Test
    void healthCheckShouldBeDegradedForACertificateTenDaysFromExpiry() {
        HttpResponse<byte[]> check = james.webAdmin().get("/healthcheck/checks/"
            + WebAdminClient.encodeSegment("S/MIME certificates"));

        String body = new String(check.body(), StandardCharsets.UTF_8);
        assertThat(check.statusCode()).as(body).isEqualTo(200);
        assertThat(body).contains("\"status\":\"degraded\"").contains("parcels@shop.example: certificate expires on")
            .contains("(in 10 days)");
    }

    @Test
    void resendRouteShouldAnswerBadRequestAndNotFoundInJamesStyle() {
        HttpResponse<byte[]> missingRecipient = james.webAdmin().postJson("/smime/resend",
            "{\"repository\":\"" + ARCHIVE + "\",\"key\":\"any\"}");
        HttpResponse<byte[]> unknownKey = james.webAdmin().postJson("/smime/resend",
            "{\"repository\":\"" + ARCHIVE + "\",\"key\":\"no-such-mail\",\"recipients\":[\"a@remote.example\"]}");
        HttpResponse<byte[]> notJson = james.webAdmin().postJson("/smime/resend", "repository=" + ARCHIVE);
        HttpResponse<byte[]> unknownProcessor = james.webAdmin().postJson("/smime/resend",
            "{\"repository\":\"" + ARCHIVE + "\",\"key\":\"any\",\"recipients\":[\"a@remote.example\"],\"processor\":\"sing\"}");

        assertThat(missingRecipient.statusCode()).isEqualTo(400);
        assertThat(new String(missingRecipient.body(), StandardCharsets.UTF_8)).contains("\"type\":\"InvalidArgument\"")
            .contains("'recipients' is missing");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(new String(notJson.body(), StandardCharsets.UTF_8)).contains("the body is not a resend request");
        assertThat(unknownProcessor.statusCode()).isEqualTo(400);
        assertThat(new String(unknownProcessor.body(), StandardCharsets.UTF_8)).contains("'processor' sing is not a processor of mailetcontainer.xml");
        assertThat(unknownKey.statusCode()).isEqualTo(404);
        assertThat(new String(unknownKey.body(), StandardCharsets.UTF_8)).contains("no mail no-such-mail in " + ARCHIVE);
    }

    /** Checks the delivered copy with openssl (independent verifier), gives BouncyCastle's view of its signature. */
    private static Verifiers.BcResult verified(byte[] mail, String fileName) throws Exception {
        Path file = Files.write(run.resolve("received").resolve(fileName), mail);
        OpenSsl.Result openssl = OpenSsl.cmsVerify(file, store.rootPem());
        assertThat(openssl.ok()).as("openssl verification of %s:\n%s", file, openssl).isTrue();
        assertThat(new MimeBodyPart(new ByteArrayInputStream(openssl.output)).getContent())
            .as("the signed content, decoded").isEqualTo(INVOICE_TEXT);
        return Verifiers.bouncyCastle(mail);
    }

    private static Instant signingTime(Verifiers.BcResult signature) {
        return Time.getInstance(signature.signerInformation.getSignedAttributes().get(CMSAttributes.signingTime)
            .getAttrValues().getObjectAt(0)).getDate().toInstant();
    }

    private static String archivedKey(String messageId) throws Exception {
        List<String> keys = archivedKeys(messageId);
        assertThat(keys).as("archive copies of %s", messageId).hasSize(1);
        return keys.get(0);
    }

    private static List<String> archivedKeys(String messageId) throws Exception {
        List<String> keys = new ArrayList<>();
        for (String key : james.webAdmin().mailKeys(ARCHIVE)) {
            if (messageId.equals(SmtpSink.ReceivedMail.parse(james.webAdmin().mailContent(ARCHIVE, key)).getMessageID())) {
                keys.add(key);
            }
        }
        return keys;
    }

    private static int storeLoads() {
        Matcher matcher = STORE_LOADED.matcher(james.log());
        int count = 0;
        while (matcher.find()) {
            count++;
        }
        return count;
    }

    private static void awaitStoreLoadsAbove(int count) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (storeLoads() <= count) {
            assertThat(Instant.now()).as("the store reloads within 30 s of the file change").isBefore(deadline);
            JamesServerProcess.sleep(Duration.ofMillis(200));
        }
    }
}
