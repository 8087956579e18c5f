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

class SenderOwnsFromAddressTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final String WITH_CERTIFICATE = "billing@shop.example";
    static final String WITHOUT_CERTIFICATE = "sales@shop.example";

    @TempDir
    Path conf;
    SmimeSigningService service;
    RecordingMetricFactory metrics = new RecordingMetricFactory();

    @BeforeEach
    void setUp() throws Exception {
        service = TestServices.start(conf, TestPki.create(NOW), Clock.fixed(NOW, ZoneOffset.UTC),
            Map.of("entitlement.trustedNetworks", "10.1.0.0/16"), WITH_CERTIFICATE);
    }

    @AfterEach
    void tearDown() {
        service.close();
    }

    private SenderOwnsFromAddress matcher(String condition) throws MessagingException {
        SenderOwnsFromAddress matcher = new SenderOwnsFromAddress(service, metrics);
        matcher.init(FakeMatcherConfig.builder().matcherName("SenderOwnsFromAddress").condition(condition)
            .mailetContext(FakeMailContext.defaultContext()).build());
        return matcher;
    }

    private static FakeMail mail(byte[] raw, String authUser, String remoteAddr) throws MessagingException {
        FakeMail.Builder builder = FakeMail.builder().name("mail-1").mimeMessage(Verifiers.parse(raw))
            .recipients("customer@client.example").remoteAddr(remoteAddr);
        if (authUser != null) {
            builder.attribute(new Attribute(Mail.SMTP_AUTH_USER, AttributeValue.of(authUser)));
        }
        return builder.build();
    }

    @Test
    void matchShouldReturnRecipientsWhenTheSubmitterOwnsTheFromAddressWithOrWithoutCertificate() throws Exception {
        SenderOwnsFromAddress matcher = matcher("shop.example");

        assertThat(matcher.match(mail(TestMessages.plain7bit(WITH_CERTIFICATE), WITH_CERTIFICATE, "203.0.113.9"))).hasSize(1);
        assertThat(matcher.match(mail(TestMessages.plain7bit(WITHOUT_CERTIFICATE), WITHOUT_CERTIFICATE, "203.0.113.9"))).hasSize(1);
        assertThat(matcher.match(mail(TestMessages.plain7bit(WITHOUT_CERTIFICATE), null, "10.1.2.3"))).as("trusted network").hasSize(1);
    }

    @Test
    void matchShouldReturnEmptyForAForgedFrom() throws Exception {
        SenderOwnsFromAddress matcher = matcher("shop.example");

        assertThat(matcher.match(mail(TestMessages.plain7bit(WITH_CERTIFICATE), "parcels@shop.example", "203.0.113.9")))
            .as("another user's From").isEmpty();
        assertThat(matcher.match(mail(TestMessages.plain7bit(WITH_CERTIFICATE), null, "127.0.0.1")))
            .as("unauthenticated client outside the trusted networks").isEmpty();
        byte[] twoFroms = ("From: " + WITHOUT_CERTIFICATE + "\r\nFrom: " + WITH_CERTIFICATE + "\r\nSubject: x\r\n\r\nbody\r\n")
            .getBytes(StandardCharsets.US_ASCII);
        assertThat(matcher.match(mail(twoFroms, WITHOUT_CERTIFICATE, "203.0.113.9"))).as("two From fields").isEmpty();
        assertThat(metrics.countFor("smime_dkim_refused_not_owned")).isEqualTo(3);
    }

    @Test
    void matchShouldReturnEmptyForAFromOutsideTheConditionDomains() throws Exception {
        assertThat(matcher("shop.example").match(mail(TestMessages.plain7bit("me@other.example"), "me@other.example", "203.0.113.9")))
            .isEmpty();
        assertThat(matcher("").match(mail(TestMessages.plain7bit("me@other.example"), "me@other.example", "203.0.113.9")))
            .as("no condition: any owned From").hasSize(1);
    }

    @Test
    void initShouldRefuseAConditionThatIsNotAListOfDomains() {
        assertThatThrownBy(() -> matcher("shop.example, not a domain"))
            .isInstanceOf(MessagingException.class).hasMessageContaining("'not a domain' is not one");
    }

    /** A message of the owner with {@code fields} header fields in all. */
    private static byte[] withHeaderFields(String from, int fields) throws MessagingException {
        String plain = new String(TestMessages.plain7bit(from), java.nio.charset.StandardCharsets.US_ASCII);
        int existing = java.util.Collections.list(Verifiers.parse(TestMessages.plain7bit(from)).getAllHeaders()).size();
        StringBuilder extra = new StringBuilder();
        for (int i = existing; i < fields; i++) {
            extra.append("X-Filler-").append(i).append(": ").append(i).append("\r\n");
        }
        return (extra + plain).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Test
    void matchShouldReturnEmptyForAMailWithMoreHeaderFieldsThanTheLimitEvenFromItsOwner() throws Exception {
        SenderOwnsFromAddress matcher = matcher("shop.example");

        assertThat(matcher.match(mail(withHeaderFields(WITH_CERTIFICATE, 1000), WITH_CERTIFICATE, "203.0.113.9"))).hasSize(1);
        assertThat(matcher.match(mail(withHeaderFields(WITH_CERTIFICATE, 1001), WITH_CERTIFICATE, "203.0.113.9"))).isEmpty();
        assertThat(metrics.countFor("smime_dkim_refused_too_many_headers")).isEqualTo(1);
    }
}
