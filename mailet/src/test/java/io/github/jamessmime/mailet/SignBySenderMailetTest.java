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
package io.github.jamessmime.mailet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import javax.mail.MessagingException;

import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.jamessmime.core.SmimeSigningService;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.TestServices;
import io.github.jamessmime.testing.Verifiers;

class SignBySenderMailetTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final String SENDER = "billing@shop.example";

    @TempDir
    Path conf;
    TestPki pki;
    SmimeSigningService service;
    RecordingMetricFactory metrics = new RecordingMetricFactory();
    SignBySenderMailet mailet;

    @BeforeEach
    void setUp() throws Exception {
        pki = TestPki.create(NOW);
        service = TestServices.start(conf, pki, Clock.fixed(NOW, ZoneOffset.UTC), Map.of(), SENDER);
        mailet = new SignBySenderMailet(service, metrics);
        mailet.init(FakeMailetConfig.builder().mailetName("SignBySenderMailet").mailetContext(FakeMailContext.defaultContext()).build());
    }

    @AfterEach
    void tearDown() {
        service.close();
    }

    private FakeMail mail(byte[] raw, String authUser) throws MessagingException {
        return FakeMail.builder().name("mail-42").mimeMessage(Verifiers.parse(raw))
            .recipients("customer@client.example").remoteAddr("203.0.113.9")
            .attribute(new Attribute(Mail.SMTP_AUTH_USER, AttributeValue.of(authUser)))
            .build();
    }

    @Test
    void mailetShouldSignMailFromEntitledSenderAndRecordSigner() throws Exception {
        byte[] raw = TestMessages.alternativeWithInlineImage(SENDER);
        FakeMail mail = mail(raw, SENDER);

        mailet.service(mail);

        byte[] signed = Verifiers.serialize(mail.getMessage());
        Verifiers.OpensslResult openssl = Verifiers.openssl(signed, pki.root(), NOW);
        assertThat(openssl.ok()).as(openssl.toString()).isTrue();
        assertThat(Verifiers.leaves(Verifiers.parse(openssl.content))).isEqualTo(Verifiers.leaves(Verifiers.parse(raw)));
        assertThat(mail.getMessage().getMessageID()).isEqualTo(Verifiers.parse(raw).getMessageID());
        assertThat(metrics.countFor("smime_signed")).isEqualTo(1);
        assertThat(metrics.executionTimesFor("smime_signing_time")).hasSize(1);
        assertThat(mail.getAttribute(SignBySenderMailet.SIGNER_ADDRESS)).map(a -> (Object) a.getValue().value()).contains(SENDER);
        assertThat(mail.getAttribute(SignBySenderMailet.SIGNER_CERTIFICATE_SHA256)).map(a -> (Object) a.getValue().value())
            .contains(service.store().find(SENDER).orElseThrow().fingerprint());
    }

    @Test
    void mailetShouldCountAMailThatGotADateAndOneSignedWithoutSigningTime() throws Exception {
        String text = new String(TestMessages.plain7bit(SENDER), StandardCharsets.ISO_8859_1);
        String date = "Date: Mon, 1 Jun 2026 09:58:00 +0000\r\n";
        assertThat(text).contains(date);
        FakeMail undated = mail(text.replace(date, "").getBytes(StandardCharsets.ISO_8859_1), SENDER);
        FakeMail resent = mail(text.replace(date, "Date: Thu, 28 May 2026 09:58:00 +0000\r\n").getBytes(StandardCharsets.ISO_8859_1), SENDER);
        FakeMail fresh = mail(text.getBytes(StandardCharsets.ISO_8859_1), SENDER);

        mailet.service(undated);
        mailet.service(resent);
        mailet.service(fresh);

        assertThat(metrics.countFor("smime_signed")).isEqualTo(3);
        assertThat(metrics.countFor("smime_signed_date_added")).isEqualTo(1);
        assertThat(metrics.countFor("smime_signed_without_signing_time")).isEqualTo(1);
        assertThat(undated.getMessage().getHeader("Date", null)).isEqualTo("Mon, 1 Jun 2026 10:00:00 +0000");
        assertThat(resent.getMessage().getHeader("Date", null)).isEqualTo("Thu, 28 May 2026 09:58:00 +0000");
        for (FakeMail mail : List.of(undated, resent, fresh)) {
            Verifiers.OpensslResult openssl = Verifiers.openssl(Verifiers.serialize(mail.getMessage()), pki.root(), NOW);
            assertThat(openssl.ok()).as(openssl.toString()).isTrue();
        }
    }

    @Test
    void mailetShouldCountAMailSignedWithoutTheHeaderProtectionItAskedFor() throws Exception {
        String text = new String(TestMessages.plain7bit(SENDER), StandardCharsets.ISO_8859_1)
            .replace("MIME-Version: 1.0\r\n", "MIME-Version: 1.0\r\nX-Smime-Sign: yes; headers=protected\r\n");
        FakeMail protectable = mail(text.getBytes(StandardCharsets.ISO_8859_1), SENDER);
        byte[] international = text.replace("To: Customer <customer@client.example>", "To: J\u00f6rg <j\u00f6rg@client.example>")
            .getBytes(StandardCharsets.UTF_8);
        FakeMail unprotectable = mail(international, SENDER);

        mailet.service(protectable);
        mailet.service(unprotectable);

        assertThat(metrics.countFor("smime_signed")).isEqualTo(2);
        assertThat(metrics.countFor("smime_signed_headers_unprotected")).isEqualTo(1);
        assertThat(((javax.mail.Multipart) protectable.getMessage().getContent()).getBodyPart(0).getContentType()).contains("hp=clear");
        assertThat(((javax.mail.Multipart) unprotectable.getMessage().getContent()).getBodyPart(0).getContentType()).doesNotContain("hp");
        for (FakeMail mail : List.of(protectable, unprotectable)) {
            Verifiers.OpensslResult openssl = Verifiers.openssl(Verifiers.serialize(mail.getMessage()), pki.root(), NOW);
            assertThat(openssl.ok()).as(openssl.toString()).isTrue();
        }
    }

    @Test
    void mailetShouldLeaveAlreadySignedMailUnchanged() throws Exception {
        FakeMail first = mail(TestMessages.plain7bit(SENDER), SENDER);
        mailet.service(first);
        byte[] signedOnce = Verifiers.serialize(first.getMessage());
        FakeMail again = mail(signedOnce, SENDER);

        mailet.service(again);

        assertThat(Verifiers.serialize(again.getMessage())).isEqualTo(signedOnce);
        assertThat(again.getAttribute(SignBySenderMailet.SIGNER_ADDRESS)).isEmpty();
    }

    @Test
    void mailetShouldNotSignSpoofedFrom() throws Exception {
        byte[] raw = TestMessages.plain7bit(SENDER);
        FakeMail mail = mail(raw, "mallory@shop.example");

        mailet.service(mail);

        assertThat(Verifiers.serialize(mail.getMessage())).isEqualTo(Verifiers.serialize(Verifiers.parse(raw)));
        assertThat(mail.getAttribute(SignBySenderMailet.SIGNER_ADDRESS)).isEmpty();
    }

    @Test
    void mailetShouldThrowNamingMailAndReasonWhenSigningFails() throws Exception {
        byte[] malformed = ("From: " + SENDER + "\r\nMessage-ID: <broken@shop.example>\r\nContent-Type: multipart/mixed\r\n\r\nno boundary\r\n")
            .getBytes(StandardCharsets.US_ASCII);
        FakeMail mail = mail(malformed, SENDER);

        assertThatThrownBy(() -> mailet.service(mail))
            .isInstanceOf(MessagingException.class)
            .hasMessageContaining("S/MIME signing of mail mail-42 as billing@shop.example failed: malformed message");
        assertThat(Verifiers.serialize(mail.getMessage())).isEqualTo(Verifiers.serialize(Verifiers.parse(malformed)));
        assertThat(metrics.countFor("smime_failed_bad_input")).isEqualTo(1);
        assertThat(metrics.countFor("smime_failed_signing")).isZero();
        assertThat(metrics.countFor("smime_signed")).isZero();
    }

    @Test
    void initShouldRefuseUnknownParameterNamingIt() {
        SignBySenderMailet withTypo = new SignBySenderMailet(service, metrics);

        assertThatThrownBy(() -> withTypo.init(FakeMailetConfig.builder().mailetName("SignBySenderMailet")
            .mailetContext(FakeMailContext.defaultContext()).setProperty("digset", "SHA-512").build()))
            .isInstanceOf(MessagingException.class)
            .hasMessageContaining("digset");
    }
}
