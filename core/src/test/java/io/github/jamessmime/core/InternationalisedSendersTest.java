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
package io.github.jamessmime.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.jamessmime.core.config.GrantsFile;
import io.github.jamessmime.core.config.SmimeConfiguration;
import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.policy.Eligibility;
import io.github.jamessmime.core.signing.SigningException;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.testing.MutableClock;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

/**
 * Senders with an internationalised domain (an A-label rfc822Name) or a non-ASCII local part (an SmtpUTF8Mailbox,
 * RFC 9598): stored, found in either domain form, signed so that openssl and BouncyCastle verify, held back without
 * SMTPUTF8, and never signed for a look-alike of an address the submitter does not own.
 */
class InternationalisedSendersTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final String IDN_SENDER = "billing@xn--mller-kva.example";
    static final String UTF8_SENDER = "jörg@shop.example";
    static final String ASCII_SENDER = "paypal@shop.example";

    @TempDir
    Path conf;
    static TestPki pki = TestPki.create(NOW);
    SmimeSigningService service;

    @BeforeEach
    void setUp() throws Exception {
        Path store = Files.createDirectories(conf.resolve("store"));
        pki.sender(IDN_SENDER).issue().writePkcs12(store.resolve("idn.p12"), "pw".toCharArray());
        pki.sender(ASCII_SENDER).issue().writePkcs12(store.resolve("ascii.p12"), "pw".toCharArray());
        pki.sender("ignored").sanEmails(TestPki.SMTP_UTF8_MAILBOX + UTF8_SENDER).issue().writePkcs12(store.resolve("utf8.p12"), "pw".toCharArray());
        pki.writeRootPem(conf.resolve("roots.pem"));
        Files.writeString(conf.resolve("grants.properties"), "ops@shop.example = @müller.example\nmail@shop.example = @mueller.example\n",
            StandardCharsets.UTF_8);
        service = start(Map.of());
    }

    private SmimeSigningService start(Map<String, String> extra) throws Exception {
        Map<String, String> properties = new HashMap<>(Map.of("store.directory", "store", "store.password", "pw",
            "store.reloadIntervalSeconds", "0", "store.trustAnchors", "roots.pem", "entitlement.grants.file", "grants.properties"));
        properties.putAll(extra);
        return SmimeSigningService.start(SmimeConfiguration.parse(properties, conf), new MutableClock(NOW));
    }

    @AfterEach
    void tearDown() {
        service.close();
    }

    /** A message whose From header is written in UTF-8, as an SMTPUTF8 client sends it (RFC 6532). */
    static byte[] message(String fromHeader) {
        return ("From: " + fromHeader + "\r\n"
            + "To: Kunde <kunde@client.example>\r\n"
            + "Subject: Rechnung 4711\r\n"
            + "Date: Mon, 1 Jun 2026 09:58:00 +0000\r\n"
            + "Message-ID: <4711@shop.example>\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=UTF-8\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n\r\n"
            + "Grüße aus Köln: Ihre Rechnung.\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private Eligibility check(String fromHeader, String user) throws Exception {
        return service.eligibility(Verifiers.parse(message(fromHeader)), Optional.ofNullable(user), Optional.of("192.0.2.7"));
    }

    @Test
    void storeShouldHoldTheSmtpUtf8MailboxAndTheALabelCertificates() {
        assertThat(service.store().find("billing@müller.example").map(SigningIdentity::addresses).orElseThrow()).containsExactly(IDN_SENDER);
        assertThat(service.store().find("billing@XN--MLLER-KVA.example")).isPresent();
        assertThat(service.store().find("jörg@SHOP.example")).as("the domain is compared case-insensitively").isPresent();
        assertThat(service.store().find(UTF8_SENDER).map(SigningIdentity::addresses).orElseThrow()).containsExactly(UTF8_SENDER);
        assertThat(service.store().find("JÖRG@shop.example")).as("the local part is compared exactly").isEmpty();
        assertThat(service.store().find("jo\u0308rg@shop.example")).as("a decomposed ö is not the sender").isEmpty();
    }

    @Test
    void mailFromTheALabelFormShouldBeSignedAndVerify() throws Exception {
        Map<String, byte[]> signed = new HashMap<>();
        for (String from : List.of("Buchhaltung <billing@xn--mller-kva.example>", "billing@XN--MLLER-KVA.example")) {
            Eligibility eligibility = check(from, "billing@müller.example");
            assertThat(eligibility.status()).as(from).isEqualTo(Eligibility.Status.ELIGIBLE);
            signed.put(from, Verifiers.serialize(service.sign(Verifiers.parse(message(from)), eligibility)));
        }

        Verifiers.independentVerify(signed, pki.root(), NOW).forEach((from, verdict) -> {
            assertThat(verdict.allOk()).as(from + ": " + verdict).isTrue();
            assertThat(new String(signed.get(from), StandardCharsets.UTF_8)).as("the From header stays as written").contains("From: " + from + "\r\n");
        });
    }

    @Test
    void mailFromAFromWrittenInUtf8ShouldFollowTheFailurePolicyWithoutSmtpUtf8() throws Exception {
        Eligibility uLabel = check("Buchhaltung <billing@müller.example>", "billing@müller.example");
        Eligibility localPart = check("Jörg <jörg@shop.example>", UTF8_SENDER);
        assertThat(uLabel.status()).isEqualTo(Eligibility.Status.ELIGIBLE);
        assertThat(localPart.status()).isEqualTo(Eligibility.Status.ELIGIBLE);

        assertThatThrownBy(() -> service.sign(Verifiers.parse(message("Buchhaltung <billing@müller.example>")), uLabel))
            .isInstanceOf(SigningException.class)
            .satisfies(e -> assertThat(((SigningException) e).kind()).isEqualTo(FailureKind.NEEDS_SMTPUTF8))
            .hasMessageContaining("billing@müller.example is written in UTF-8")
            .hasMessageContaining("write the From domain as its A-label (billing@xn--mller-kva.example)");
        assertThatThrownBy(() -> service.sign(Verifiers.parse(message("Jörg <jörg@shop.example>")), localPart))
            .isInstanceOf(SigningException.class)
            .satisfies(e -> assertThat(((SigningException) e).kind()).isEqualTo(FailureKind.NEEDS_SMTPUTF8))
            .hasMessageContaining("set signing.smtpUtf8=true").hasMessageNotContaining("A-label");
    }

    @Test
    void mailFromAFromWrittenInUtf8ShouldBeSignedAndVerifyWhenItCanLeave() throws Exception {
        service.close();
        service = start(Map.of("signing.smtpUtf8", "true"));
        Map<String, byte[]> signed = new HashMap<>();
        for (String from : List.of("Jörg <jörg@shop.example>", "Buchhaltung <billing@müller.example>", "billing@Müller.EXAMPLE")) {
            Eligibility eligibility = check(from, from.contains("jörg") ? UTF8_SENDER : IDN_SENDER);
            signed.put(from, Verifiers.serialize(service.sign(Verifiers.parse(message(from)), eligibility)));
        }

        for (Map.Entry<String, Verifiers.Verdict> verdict : Verifiers.independentVerify(signed, pki.root(), NOW).entrySet()) {
            String from = verdict.getKey();
            assertThat(verdict.getValue().opensslOk && verdict.getValue().bcOk).as(from + ": " + verdict.getValue()).isTrue();
            assertThat(new String(signed.get(from), StandardCharsets.UTF_8)).contains("From: " + from + "\r\n");
            assertThat(Verifiers.bouncyCastle(signed.get(from)).signer)
                .isEqualTo(service.store().find(from.contains("jörg") ? UTF8_SENDER : IDN_SENDER).orElseThrow().certificate());
        }
    }

    static Stream<Arguments> notOwned() {
        return Stream.of(
            // a look-alike From has no key at all: it cannot reach any certificate
            Arguments.of("mallory@shop.example", "p\u0430ypal@shop.example", Eligibility.Status.NO_SINGLE_FROM),
            Arguments.of("p\u0430ypal@shop.example", "p\u0430ypal@shop.example", Eligibility.Status.NO_SINGLE_FROM),
            Arguments.of("mallory@shop.example", "paypal@sh\u043ep.example", Eligibility.Status.NO_SINGLE_FROM),
            Arguments.of("jo\u0308rg@shop.example", "jo\u0308rg@shop.example", Eligibility.Status.NO_SINGLE_FROM),
            Arguments.of("mallory@shop.example", "billing@\uff4d\u00fcller.example", Eligibility.Status.NO_SINGLE_FROM),
            Arguments.of("mallory@shop.example", "billing@m\u00fcl\u00adler.example", Eligibility.Status.NO_SINGLE_FROM),
            Arguments.of("mallory@shop.example", "paypal\u200b@shop.example", Eligibility.Status.NO_SINGLE_FROM),
            Arguments.of("mallory@shop.example", "\u202eelpmaxe.pohs@lapyap", Eligibility.Status.NO_SINGLE_FROM),
            Arguments.of("=?utf-8?q?j=C3=B6rg?=@shop.example", "=?utf-8?q?j=C3=B6rg?=@shop.example", Eligibility.Status.NO_SINGLE_FROM),
            // a look-alike user name owns nothing but itself
            Arguments.of("p\u0430ypal@shop.example", "paypal@shop.example", Eligibility.Status.NOT_ENTITLED),
            Arguments.of("jo\u0308rg@shop.example", "jörg@shop.example", Eligibility.Status.NOT_ENTITLED),
            Arguments.of("JÖRG@shop.example", "jörg@shop.example", Eligibility.Status.NOT_ENTITLED),
            Arguments.of("jorg@shop.example", "jörg@shop.example", Eligibility.Status.NOT_ENTITLED),
            Arguments.of("billing@mueller.example", "billing@müller.example", Eligibility.Status.NOT_ENTITLED),
            Arguments.of("billing@muller.example", "billing@xn--mller-kva.example", Eligibility.Status.NOT_ENTITLED),
            Arguments.of("billing@m\u00fcller.example\u200b", "billing@müller.example", Eligibility.Status.NOT_ENTITLED),
            Arguments.of("mail@shop.example", "billing@müller.example", Eligibility.Status.NOT_ENTITLED),
            Arguments.of("mail@shop.example", "billing@xn--mller-kva.example", Eligibility.Status.NOT_ENTITLED),
            Arguments.of("billing@xn--mller-kva.example.", "billing@müller.example", Eligibility.Status.NOT_ENTITLED),
            Arguments.of("ops@shop.example", "Jörg <jörg@shop.example>", Eligibility.Status.NOT_ENTITLED),
            // a display name that shows the owner's address does not make it the From address
            Arguments.of("mallory@shop.example", "\"jörg@shop.example\" <billing@xn--mller-kva.example>", Eligibility.Status.NOT_ENTITLED),
            Arguments.of("mallory@shop.example", "=?utf-8?q?j=C3=B6rg=40shop=2Eexample?= <mallory@shop.example>", Eligibility.Status.NO_CERTIFICATE));
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("notOwned")
    void noUnicodeTrickShouldGetASignatureForAnAddressTheSubmitterDoesNotOwn(String user, String from, Eligibility.Status expected)
        throws Exception {
        Eligibility eligibility = check(from, user);

        assertThat(eligibility.status()).as(eligibility.reason()).isEqualTo(expected);
        assertThat(eligibility.identity()).isEmpty();
    }

    @Test
    void theSameOwnerShouldBeEntitledInEitherDomainFormAndByAGrantedDomain() throws Exception {
        assertThat(check("billing@müller.example", "billing@xn--mller-kva.example").status()).isEqualTo(Eligibility.Status.ELIGIBLE);
        assertThat(check("billing@XN--MLLER-KVA.EXAMPLE", "billing@müller.example").status()).isEqualTo(Eligibility.Status.ELIGIBLE);
        assertThat(check("billing@xn--mller-kva.example", "ops@shop.example").status()).isEqualTo(Eligibility.Status.ELIGIBLE);
        assertThat(check(UTF8_SENDER, UTF8_SENDER).status()).isEqualTo(Eligibility.Status.ELIGIBLE);
    }

    @Test
    void grantsOfTwoSpellingsOfOneUserShouldAddUp() throws Exception {
        Path grants = Files.writeString(conf.resolve("two-spellings.properties"),
            "ops@müller.example = jörg@shop.example\nops@XN--MLLER-KVA.example = @müller.example\n", StandardCharsets.UTF_8);

        assertThat(GrantsFile.read(grants, "entitlement.grants.file"))
            .containsOnly(Map.entry("ops@xn--mller-kva.example", Set.of("jörg@shop.example", "@xn--mller-kva.example")));
    }

    @Test
    void lookAlikeReasonShouldSayWhyTheFromHasNoKey() throws Exception {
        assertThat(check("p\u0430ypal@shop.example", "mallory@shop.example").reason())
            .contains("mixes the scripts Latin and Cyrillic").contains("look-alike");
    }

    @Test
    void storeFileNamesShouldStayAsciiAndInsideTheStoreAfterImport() throws Exception {
        Path incoming = Files.createDirectories(conf.resolve("incoming"));
        Path p12 = pki.sender("ignored").sanEmails(TestPki.SMTP_UTF8_MAILBOX + "山田@例え.テスト").issue()
            .writePkcs12(incoming.resolve("yamada.p12"), "bought".toCharArray());

        service.store().importCertificate(Files.readAllBytes(p12), "bought".toCharArray());

        try (Stream<Path> files = Files.list(conf.resolve("store"))) {
            assertThat(files.map(file -> file.getFileName().toString()).filter(name -> name.startsWith("(utf-8)")).collect(Collectors.toList()))
                .containsExactly("(utf-8)%E5%B1%B1%E7%94%B0@xn--r8jz45g.xn--zckzah.p12");
        }
        assertThat(service.store().find("山田@例え.テスト")).isPresent();
        assertThat(service.store().find("山田@xn--r8jz45g.xn--zckzah")).isPresent();
    }
}
