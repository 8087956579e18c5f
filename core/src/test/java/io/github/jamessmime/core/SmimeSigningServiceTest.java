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
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import javax.mail.internet.MimeMessage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.jamessmime.core.assembly.SmimeParts;
import io.github.jamessmime.core.config.SmimeConfiguration;
import io.github.jamessmime.core.health.StoreHealth;
import io.github.jamessmime.core.policy.Eligibility;
import io.github.jamessmime.core.policy.SigningRequest;
import io.github.jamessmime.core.signing.SigningException;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.core.usage.SignatureAudit;
import io.github.jamessmime.core.usage.UsageCounter;
import io.github.jamessmime.testing.MutableClock;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

class SmimeSigningServiceTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final String SENDER = "billing@shop.example";

    @TempDir
    Path conf;
    SmimeConfiguration configuration;
    SmimeSigningService service;
    TestPki pki;

    @BeforeEach
    void setUp() throws Exception {
        pki = TestPki.create(NOW);
        Files.createDirectories(conf.resolve("store"));
        pki.sender(SENDER).issue().writePkcs12(conf.resolve("store/billing.p12"), "pw".toCharArray());
        pki.writeRootPem(conf.resolve("roots.pem"));
        configuration = SmimeConfiguration.parse(Map.of("store.directory", "store", "store.password", "pw",
            "store.reloadIntervalSeconds", "0", "store.trustAnchors", "roots.pem"), conf);
        service = SmimeSigningService.start(configuration, new MutableClock(NOW));
    }

    @AfterEach
    void tearDown() {
        service.close();
    }

    private Eligibility check(byte[] raw, Optional<String> user) throws Exception {
        return service.eligibility(Verifiers.parse(raw), user, Optional.of("192.0.2.7"));
    }

    @Test
    void serviceShouldSignWhenSenderHasCertificateAndIsAuthenticated() throws Exception {
        Eligibility eligibility = check(TestMessages.plain7bit(SENDER), Optional.of(SENDER));

        assertThat(eligibility.status()).isEqualTo(Eligibility.Status.ELIGIBLE);
        byte[] signed = Verifiers.serialize(service.sign(Verifiers.parse(TestMessages.plain7bit(SENDER)), eligibility));
        assertThat(Verifiers.openssl(signed, pki.root(), NOW).ok()).isTrue();
    }

    @Test
    void serviceShouldNotSignForSpoofedFrom() throws Exception {
        assertThat(check(TestMessages.plain7bit(SENDER), Optional.of("mallory@shop.example")).status())
            .isEqualTo(Eligibility.Status.NOT_ENTITLED);
        assertThat(check(TestMessages.plain7bit(SENDER), Optional.empty()).status())
            .isEqualTo(Eligibility.Status.NOT_ENTITLED);
    }

    @Test
    void serviceShouldNotSignWithoutCertificate() throws Exception {
        assertThat(check(TestMessages.plain7bit("orders@shop.example"), Optional.of("orders@shop.example")).status())
            .isEqualTo(Eligibility.Status.NO_CERTIFICATE);
    }

    @Test
    void anUnsignedMailShouldSayWhyTheStoreHasNoCertificateForItsSender() throws Exception {
        service.close();
        Files.writeString(conf.resolve("store.password"), "not the password\n");
        service = SmimeSigningService.start(SmimeConfiguration.parse(Map.of("store.directory", "store", "store.password.file",
            "store.password", "store.reloadIntervalSeconds", "0", "store.trustAnchors", "roots.pem"), conf), new MutableClock(NOW));

        Eligibility eligibility = check(TestMessages.plain7bit(SENDER), Optional.of(SENDER));

        assertThat(eligibility.status()).isEqualTo(Eligibility.Status.NO_CERTIFICATE);
        assertThat(eligibility.reason()).isEqualTo("no usable certificate for " + SENDER + ": the store password (store.password.file "
            + conf.resolve("store.password") + ") opens none of the 1 certificate files nor the store index; correct it (store.password.file, store.password.env"
            + " or store.password): it is read again at the next store check, no restart needed");
        assertThat(service.health().summary()).startsWith("the store password (store.password.file ");
    }

    @Test
    void serviceShouldNotSignWithoutSingleFromAddress() throws Exception {
        byte[] noFrom = "To: x@client.example\r\nSubject: none\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] twoAddresses = ("From: " + SENDER + ", other@shop.example\r\nSubject: two\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] twoHeaders = ("From: " + SENDER + "\r\nFrom: " + SENDER + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] garbage = "From: <<<@@@\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

        assertThat(check(noFrom, Optional.of(SENDER)).status()).isEqualTo(Eligibility.Status.NO_SINGLE_FROM);
        assertThat(check(twoAddresses, Optional.of(SENDER)).status()).isEqualTo(Eligibility.Status.NO_SINGLE_FROM);
        assertThat(check(twoHeaders, Optional.of(SENDER)).status()).isEqualTo(Eligibility.Status.NO_SINGLE_FROM);
        assertThat(check(garbage, Optional.of(SENDER)).status()).isEqualTo(Eligibility.Status.NO_SINGLE_FROM);
    }

    @Test
    void serviceShouldLeaveSignedMessageAlone() throws Exception {
        Eligibility first = check(TestMessages.plain7bit(SENDER), Optional.of(SENDER));
        byte[] signed = Verifiers.serialize(service.sign(Verifiers.parse(TestMessages.plain7bit(SENDER)), first));

        assertThat(check(signed, Optional.of(SENDER)).status()).isEqualTo(Eligibility.Status.ALREADY_SIGNED);
    }

    @Test
    void signatureShouldWriteOneAuditLineWithoutSecrets() throws Exception {
        List<String> lines = new ArrayList<>();
        service.close();
        service = SmimeSigningService.start(SmimeParts.of(configuration, new MutableClock(NOW), name -> null), new SignatureAudit(new MutableClock(NOW), lines::add));
        Eligibility eligibility = check(TestMessages.plain7bit(SENDER), Optional.of(SENDER));
        SigningIdentity identity = eligibility.identity().orElseThrow();

        service.sign(Verifiers.parse(TestMessages.plain7bit(SENDER)), eligibility);

        assertThat(lines).containsExactly("smime-signature time=2026-06-01T10:00:00Z messageId=\"<Invoice4711.42@shop.example>\""
            + " sender=billing@shop.example certificateSha256=" + identity.fingerprint()
            + " serial=" + identity.certificate().getSerialNumber().toString(16) + " digest=SHA-256 request=none dating=signing-time");
    }

    /** {@code message} with the header lines {@code headers} on top. */
    private static byte[] withHeaders(byte[] message, String... headers) {
        StringBuilder top = new StringBuilder();
        for (String header : headers) {
            top.append(header).append("\r\n");
        }
        byte[] prefix = top.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] whole = new byte[prefix.length + message.length];
        System.arraycopy(prefix, 0, whole, 0, prefix.length);
        System.arraycopy(message, 0, whole, prefix.length, message.length);
        return whole;
    }

    private void restart(String mode) throws Exception {
        service.close();
        configuration = SmimeConfiguration.parse(Map.of("store.directory", "store", "store.password", "pw",
            "store.reloadIntervalSeconds", "0", "store.trustAnchors", "roots.pem", "signing.mode", mode), conf);
        service = SmimeSigningService.start(configuration, new MutableClock(NOW));
    }

    @Test
    void serviceShouldNotSignWhenTheEntitledSubmitterAsksForNoSignature() throws Exception {
        Eligibility eligibility = check(withHeaders(TestMessages.plain7bit(SENDER), "X-Smime-Sign: No "), Optional.of(SENDER));

        assertThat(eligibility.status()).isEqualTo(Eligibility.Status.DECLINED);
        assertThat(eligibility.reason()).isEqualTo("the submitter asked for no signature (X-Smime-Sign: no)");
    }

    @Test
    void requestHeaderShouldHaveNoSayForASubmitterNotEntitledToTheFromAddress() throws Exception {
        byte[] asking = withHeaders(TestMessages.plain7bit(SENDER), "X-Smime-Sign: yes");

        assertThat(check(asking, Optional.of("mallory@shop.example")).status()).isEqualTo(Eligibility.Status.NOT_ENTITLED);
        assertThat(check(withHeaders(TestMessages.plain7bit(SENDER), "X-Smime-Sign: no"), Optional.of("mallory@shop.example")).status())
            .as("read only after the entitlement: a 'no' of someone else is not a DECLINED").isEqualTo(Eligibility.Status.NOT_ENTITLED);
        restart("on-request");
        assertThat(check(asking, Optional.of("mallory@shop.example")).status()).isEqualTo(Eligibility.Status.NOT_ENTITLED);
        assertThat(check(asking, Optional.empty()).status()).isEqualTo(Eligibility.Status.NOT_ENTITLED);
    }

    @Test
    void onRequestModeShouldSignOnlyWhenTheSubmitterAsksWithOneYes() throws Exception {
        restart("on-request");
        byte[] plain = TestMessages.plain7bit(SENDER);

        assertThat(check(plain, Optional.of(SENDER)).status()).isEqualTo(Eligibility.Status.NOT_REQUESTED);
        assertThat(check(withHeaders(plain, "X-Smime-Sign: YES"), Optional.of(SENDER)).status()).isEqualTo(Eligibility.Status.ELIGIBLE);
        assertThat(check(withHeaders(plain, "x-smime-sign:yes"), Optional.of(SENDER)).status()).isEqualTo(Eligibility.Status.ELIGIBLE);
        Eligibility twice = check(withHeaders(plain, "X-Smime-Sign: yes", "X-Smime-Sign: yes"), Optional.of(SENDER));
        assertThat(twice.status()).isEqualTo(Eligibility.Status.NOT_REQUESTED);
        assertThat(twice.reason()).contains("neither one 'yes' nor one 'no'");
        assertThat(check(withHeaders(plain, "X-Smime-Sign: please"), Optional.of(SENDER)).status())
            .isEqualTo(Eligibility.Status.NOT_REQUESTED);
        assertThat(check(withHeaders(plain, "X-Smime-Sign: no"), Optional.of(SENDER)).status()).isEqualTo(Eligibility.Status.DECLINED);
    }

    @Test
    void alwaysModeShouldSignWhenTheRequestCannotBeRead() throws Exception {
        Eligibility eligibility = check(withHeaders(TestMessages.plain7bit(SENDER), "X-Smime-Sign: perhaps"), Optional.of(SENDER));

        assertThat(eligibility.status()).isEqualTo(Eligibility.Status.ELIGIBLE);
        assertThat(eligibility.request()).isEqualTo(SigningRequest.UNREADABLE);
    }

    @Test
    void signedMessageShouldNotCarryTheRequestHeaderAndTheAuditLineShouldRecordIt() throws Exception {
        List<String> lines = new ArrayList<>();
        service.close();
        configuration = SmimeConfiguration.parse(Map.of("store.directory", "store", "store.password", "pw",
            "store.reloadIntervalSeconds", "0", "store.trustAnchors", "roots.pem", "signing.mode", "on-request"), conf);
        service = SmimeSigningService.start(SmimeParts.of(configuration, new MutableClock(NOW), name -> null), new SignatureAudit(new MutableClock(NOW), lines::add));
        byte[] asking = withHeaders(TestMessages.plain7bit(SENDER), "X-Smime-Sign: yes");
        Eligibility eligibility = check(asking, Optional.of(SENDER));

        byte[] signed = Verifiers.serialize(service.sign(Verifiers.parse(asking), eligibility));

        assertThat(new String(signed, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT)).doesNotContain("x-smime-sign");
        assertThat(Verifiers.openssl(signed, pki.root(), NOW).ok()).isTrue();
        assertThat(Verifiers.bouncyCastle(signed).signatureValid).isTrue();
        assertThat(Verifiers.parse(signed).getMessageID()).isEqualTo(Verifiers.parse(asking).getMessageID());
        assertThat(lines).singleElement().asString().endsWith(" request=yes dating=signing-time");
    }

    @Test
    void headerProtectionShouldFollowTheSettingUnlessTheMessageSaysOtherwise() throws Exception {
        service.close();
        configuration = SmimeConfiguration.parse(Map.of("store.directory", "store", "store.password", "pw",
            "store.reloadIntervalSeconds", "0", "store.trustAnchors", "roots.pem", "signing.headerProtection", "true"), conf);
        service = SmimeSigningService.start(configuration, new MutableClock(NOW));
        byte[] plain = TestMessages.plain7bit(SENDER);
        byte[] optingOut = withHeaders(plain, "X-Smime-Sign: yes; headers=plain");

        byte[] protectedBySetting = Verifiers.serialize(service.sign(Verifiers.parse(plain), check(plain, Optional.of(SENDER))));
        byte[] unprotected = Verifiers.serialize(service.sign(Verifiers.parse(optingOut), check(optingOut, Optional.of(SENDER))));

        assertThat(signedPartType(protectedBySetting)).contains("hp=clear");
        assertThat(signedPartType(unprotected)).doesNotContain("hp");
        assertThat(new String(unprotected, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT)).doesNotContain("x-smime-sign");
        for (byte[] signed : List.of(protectedBySetting, unprotected)) {
            assertThat(Verifiers.openssl(signed, pki.root(), NOW).ok()).isTrue();
            assertThat(Verifiers.bouncyCastle(signed).signatureValid).isTrue();
        }
    }

    @Test
    void aMessageShouldAskForHeaderProtectionWithItsSigningRequest() throws Exception {
        byte[] asking = withHeaders(TestMessages.plain7bit(SENDER), "X-Smime-Sign: YES ; Headers = Protected");
        Eligibility eligibility = check(asking, Optional.of(SENDER));

        byte[] signed = Verifiers.serialize(service.sign(Verifiers.parse(asking), eligibility));

        assertThat(eligibility.request()).isEqualTo(SigningRequest.YES);
        assertThat(signedPartType(signed)).contains("hp=clear");
        assertThat(Verifiers.openssl(signed, pki.root(), NOW).ok()).isTrue();
        assertThat(Verifiers.bouncyCastle(signed).signatureValid).isTrue();
    }

    @Test
    void aSigningRequestWithAnUnknownParameterShouldBeUnreadableAndAskForNothing() throws Exception {
        byte[] unclear = withHeaders(TestMessages.plain7bit(SENDER), "X-Smime-Sign: yes; headers=maybe");
        Eligibility eligibility = check(unclear, Optional.of(SENDER));

        byte[] signed = Verifiers.serialize(service.sign(Verifiers.parse(unclear), eligibility));

        assertThat(eligibility.request()).isEqualTo(SigningRequest.UNREADABLE);
        assertThat(SigningRequest.headerProtection(Verifiers.parse(unclear))).isEmpty();
        assertThat(signedPartType(signed)).doesNotContain("hp");
    }

    private static String signedPartType(byte[] signed) throws Exception {
        return ((javax.mail.Multipart) Verifiers.parse(signed).getContent()).getBodyPart(0).getContentType();
    }

    @Test
    void signatureShouldCountForTheSenderInTheCurrentMonth() throws Exception {
        service.sign(Verifiers.parse(TestMessages.plain7bit(SENDER)), check(TestMessages.plain7bit(SENDER), Optional.of(SENDER)));
        service.sign(Verifiers.parse(TestMessages.utf8EightBit(SENDER)), check(TestMessages.utf8EightBit(SENDER), Optional.of(SENDER)));

        assertThat(service.usage(YearMonth.of(2026, 6))).containsExactly(Map.entry(SENDER, 2L));
        service.close();
        assertThat(UsageCounter.read(conf.resolve("store/.usage"), YearMonth.of(2026, 6)))
            .as("flushed when the service closes").containsExactly(Map.entry(SENDER, 2L));
    }

    @Test
    void healthShouldSayFromTheStartThatTheUsageJournalCannotBeWrittenAndEverySignatureFails() throws Exception {
        service.close();
        Files.writeString(conf.resolve("in-the-way"), "a file where the usage directory goes");
        service = SmimeSigningService.start(SmimeConfiguration.parse(Map.of("store.directory", "store", "store.password", "pw",
            "store.reloadIntervalSeconds", "0", "store.trustAnchors", "roots.pem", "usage.directory", "../in-the-way"), conf),
            new MutableClock(NOW));

        assertThat(service.health().status()).isEqualTo(StoreHealth.Status.UNHEALTHY);
        assertThat(service.health().summary()).startsWith("the usage count cannot be written").contains("usage.directory");
        assertThatThrownBy(() -> service.sign(Verifiers.parse(TestMessages.plain7bit(SENDER)),
            check(TestMessages.plain7bit(SENDER), Optional.of(SENDER))))
            .isInstanceOf(SigningException.class).hasMessageContaining("the mail is not signed so that every signature is counted");
    }

    @Test
    void aMessageWithMoreHeaderFieldsThanTheLimitShouldFollowTheFailurePolicyUnsigned() throws Exception {
        StringBuilder fields = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            fields.append("X-Filler-").append(i).append(": ").append(i).append("\r\n");
        }
        byte[] raw = (fields + new String(TestMessages.plain7bit(SENDER), StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> service.sign(Verifiers.parse(raw), check(raw, Optional.of(SENDER))))
            .isInstanceOf(SigningException.class)
            .hasMessage("the message has more than 1000 header fields (mime.maxHeaderFields); it follows the failure policy instead of"
                + " being signed");
        assertThat(service.usage(YearMonth.of(2026, 6))).as("nothing counted").isEmpty();
    }

    /** The signed message as delivered, with its outer From and Subject changed, as a replay sends it. */
    private static byte[] replayedAs(byte[] signed, String from) {
        String text = new String(signed, StandardCharsets.US_ASCII);
        return text.replaceFirst("(?m)^From: .*\r\n", "From: " + from + "\r\n")
            .replaceFirst("(?m)^Subject: .*\r\n", "Subject: URGENT new bank details\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aSignatureOfAHeldCertificateResubmittedBySomeoneElseShouldBeAReplay() throws Exception {
        byte[] signed = Verifiers.serialize(service.sign(Verifiers.parse(TestMessages.plain7bit(SENDER)),
            check(TestMessages.plain7bit(SENDER), Optional.of(SENDER))));
        byte[] replayed = replayedAs(signed, "support@shop.example");

        assertThat(service.replayOfHeldCertificate(Verifiers.parse(replayed), Optional.of("support@shop.example"), Optional.of("192.0.2.7")))
            .hasValueSatisfying(reason -> assertThat(reason).contains("this server's certificate for [" + SENDER + "]",
                "submitted by someone not entitled to that address"));
        assertThat(service.replayOfHeldCertificate(Verifiers.parse(replayed), Optional.empty(), Optional.of("192.0.2.7")))
            .as("unauthenticated").isPresent();
        assertThat(check(replayed, Optional.of("support@shop.example")).status()).as("and never signed again")
            .isEqualTo(Eligibility.Status.ALREADY_SIGNED);
    }

    @Test
    void theOwnersOwnSignedMailAndSignaturesOfOtherCertificatesShouldNotBeReplays() throws Exception {
        byte[] signed = Verifiers.serialize(service.sign(Verifiers.parse(TestMessages.plain7bit(SENDER)),
            check(TestMessages.plain7bit(SENDER), Optional.of(SENDER))));
        TestPki other = TestPki.createOther(NOW, "Other CA");
        Path elsewhere = Files.createDirectories(conf.resolve("elsewhere"));
        other.sender(SENDER).issue().writePkcs12(elsewhere.resolve("billing.p12"), "pw".toCharArray());
        other.writeRootPem(conf.resolve("other-root.pem"));
        try (SmimeSigningService foreign = SmimeSigningService.start(SmimeConfiguration.parse(Map.of("store.directory", "elsewhere",
            "store.password", "pw", "store.reloadIntervalSeconds", "0", "store.trustAnchors", "other-root.pem", "usage.directory",
            "../foreign-usage"), conf), new MutableClock(NOW))) {
            MimeMessage message = Verifiers.parse(TestMessages.plain7bit(SENDER));
            byte[] signedElsewhere = Verifiers.serialize(foreign.sign(message, foreign.eligibility(message, Optional.of(SENDER),
                Optional.of("192.0.2.7"))));

            assertThat(service.replayOfHeldCertificate(Verifiers.parse(replayedAs(signedElsewhere, "support@shop.example")),
                Optional.of("support@shop.example"), Optional.empty())).as("a certificate this store does not hold").isEmpty();
        }
        assertThat(service.replayOfHeldCertificate(Verifiers.parse(signed), Optional.of(SENDER), Optional.empty()))
            .as("the owner sending their own signed mail").isEmpty();
        assertThat(service.replayOfHeldCertificate(Verifiers.parse(TestMessages.plain7bit(SENDER)), Optional.of("support@shop.example"),
            Optional.empty())).as("not signed at all").isEmpty();
    }

    @Test
    void aReplayWithTheCertificatesLeftOutOfItsSignatureOrASignatureThatCannotBeReadShouldStillBeHeld() throws Exception {
        byte[] signed = Verifiers.serialize(service.sign(Verifiers.parse(TestMessages.plain7bit(SENDER)),
            check(TestMessages.plain7bit(SENDER), Optional.of(SENDER))));
        MimeMessage replay = Verifiers.parse(replayedAs(signed, "support@shop.example"));
        javax.mail.internet.MimeMultipart parts = (javax.mail.internet.MimeMultipart) replay.getContent();
        org.bouncycastle.cms.CMSSignedData cms = new org.bouncycastle.cms.CMSSignedData(parts.getBodyPart(1).getInputStream());
        // the certificates a signature carries are not signed: a replayer can leave them out, recipients who know the
        // certificate from earlier mail still see a valid signature
        byte[] withoutCertificates = org.bouncycastle.cms.CMSSignedData.replaceCertificatesAndCRLs(cms,
            new org.bouncycastle.util.CollectionStore<>(List.of()), null, null).getEncoded();
        javax.mail.internet.MimeBodyPart signature = new javax.mail.internet.MimeBodyPart();
        signature.setDataHandler(new javax.activation.DataHandler(
            new javax.mail.util.ByteArrayDataSource(withoutCertificates, "application/pkcs7-signature; name=smime.p7s")));
        signature.setHeader("Content-Transfer-Encoding", "base64");
        parts.removeBodyPart(1);
        parts.addBodyPart(signature);
        replay.setContent(parts);
        replay.saveChanges();

        assertThat(service.replayOfHeldCertificate(Verifiers.parse(Verifiers.serialize(replay)), Optional.of("support@shop.example"),
            Optional.empty())).get().asString().contains("this server's certificate for [" + SENDER + "]");

        String garbled = new String(replayedAs(signed, "support@shop.example"), StandardCharsets.US_ASCII)
            .replaceFirst("(?s)(Content-Type: application/pkcs7-signature.*?\\r\\n\\r\\n)[A-Za-z0-9+/=\\r\\n]+", "$1AAAA\r\n");
        assertThat(service.replayOfHeldCertificate(Verifiers.parse(garbled.getBytes(StandardCharsets.US_ASCII)),
            Optional.of("support@shop.example"), Optional.empty())).get().asString().contains("its signature cannot be read");
    }
}
