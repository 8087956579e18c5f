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
package io.github.jamessmime.matcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMatcherConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.jamessmime.core.SmimeSigningService;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.TestServices;
import io.github.jamessmime.testing.Verifiers;

class HasSenderCertificateTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final String SENDER = "billing@shop.example";

    @TempDir
    Path conf;
    SmimeSigningService service;
    RecordingMetricFactory metrics = new RecordingMetricFactory();
    HasSenderCertificate matcher;

    @BeforeEach
    void setUp() throws Exception {
        service = TestServices.start(conf, TestPki.create(NOW), Clock.fixed(NOW, ZoneOffset.UTC),
            Map.of("entitlement.trustedNetworks", "10.1.0.0/16"), SENDER);
        matcher = new HasSenderCertificate(service, metrics);
        matcher.init(FakeMatcherConfig.builder().matcherName("HasSenderCertificate")
            .mailetContext(FakeMailContext.defaultContext()).build());
    }

    @AfterEach
    void tearDown() {
        service.close();
    }

    private FakeMail mail(byte[] raw, String authUser, String remoteAddr) throws MessagingException {
        FakeMail.Builder builder = FakeMail.builder().name("mail-1").mimeMessage(Verifiers.parse(raw))
            .recipients("customer@client.example", "archive@client.example")
            .remoteAddr(remoteAddr);
        if (authUser != null) {
            builder.attribute(new Attribute(Mail.SMTP_AUTH_USER, AttributeValue.of(authUser)));
        }
        return builder.build();
    }

    @Test
    void matchShouldReturnAllRecipientsWhenSenderIsAuthenticatedAndHasCertificate() throws Exception {
        assertThat(matcher.match(mail(TestMessages.plain7bit(SENDER), SENDER, "203.0.113.9")))
            .containsExactlyInAnyOrder(new MailAddress("customer@client.example"), new MailAddress("archive@client.example"));
    }

    @Test
    void matchShouldReturnAllRecipientsForTrustedNetworkWithoutAuth() throws Exception {
        assertThat(matcher.match(mail(TestMessages.plain7bit(SENDER), null, "10.1.2.3"))).hasSize(2);
    }

    @Test
    void matchShouldReturnEmptyWhenSubmitterIsNotEntitled() throws Exception {
        assertThat(matcher.match(mail(TestMessages.plain7bit(SENDER), "mallory@shop.example", "203.0.113.9"))).isEmpty();
        assertThat(matcher.match(mail(TestMessages.plain7bit(SENDER), null, "203.0.113.9"))).isEmpty();
        assertThat(metrics.countFor("smime_unsigned_not_entitled")).isEqualTo(2);
    }

    @Test
    void matchShouldReturnEmptyWhenSenderHasNoCertificate() throws Exception {
        assertThat(matcher.match(mail(TestMessages.plain7bit("orders@shop.example"), "orders@shop.example", "203.0.113.9"))).isEmpty();
        assertThat(metrics.countFor("smime_unsigned_no_certificate")).isEqualTo(1);
        assertThat(metrics.countForPrefixName("smime_unsigned_")).containsOnlyKeys("smime_unsigned_no_certificate");
    }

    @Test
    void matchShouldReturnEmptyWithoutFrom() throws Exception {
        byte[] raw = "To: customer@client.example\r\nSubject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

        assertThat(matcher.match(mail(raw, SENDER, "203.0.113.9"))).isEmpty();
    }

    @Test
    void matchShouldReturnEmptyWithTwoFromAddresses() throws Exception {
        byte[] raw = ("From: " + SENDER + ", ceo@shop.example\r\nSubject: x\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII);

        assertThat(matcher.match(mail(raw, SENDER, "203.0.113.9"))).isEmpty();
    }

    @Test
    void initShouldRefuseCondition() {
        HasSenderCertificate withCondition = new HasSenderCertificate(service, metrics);

        assertThatThrownBy(() -> withCondition.init(FakeMatcherConfig.builder().matcherName("HasSenderCertificate")
            .mailetContext(FakeMailContext.defaultContext()).condition("billing@shop.example").build()))
            .isInstanceOf(MessagingException.class)
            .hasMessageContaining("takes no condition, got 'billing@shop.example'");
    }
}
