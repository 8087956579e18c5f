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
package io.github.jamessmime.core.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.stream.Stream;

import javax.mail.Multipart;

import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

/**
 * The self-check finds signed content that a re-serialising verifier would hash differently: each case is content
 * that javax.mail parses, but that BouncyCastle's SMIMESigned rebuilds into other bytes.
 */
class SelfCheckTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final String BOUNDARY = "----=_smime_test";

    static TestPki pki;
    static SigningIdentity identity;

    @BeforeAll
    static void setUp() throws Exception {
        pki = TestPki.create(NOW);
        identity = SignedChecks.identity(pki);
    }

    /** Checks {@code content} as the first part of a multipart/signed, with the signature of a real message. */
    static void check(String content, byte[] signature) throws SigningException {
        check(content, signature, signature);
    }

    /** As {@link #check(String, byte[])}, with the signed attributes and value taken from {@code signed}. */
    static void check(String content, byte[] signature, byte[] signed) throws SigningException {
        String head = "From: billing@shop.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; "
            + "protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"" + BOUNDARY + "\"\r\n\r\n"
            + "This is an S/MIME signed message.\r\n\r\n--" + BOUNDARY + "\r\n";
        String tail = "\r\n--" + BOUNDARY + "\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Base64.getMimeEncoder().encodeToString(signature) + "\r\n--" + BOUNDARY + "--\r\n";
        byte[] bytes = (head + content + tail).getBytes(StandardCharsets.ISO_8859_1);
        MessageBuffer buffer = new MessageBuffer(bytes.length);
        buffer.write(bytes, 0, bytes.length);
        PublicKey publicKey = identity.certificate().getPublicKey();
        byte[] attributes;
        byte[] value;
        try {
            SignerInformation signer = new CMSSignedData(signed).getSignerInfos().getSigners().iterator().next();
            attributes = signer.getEncodedSignedAttributes();
            value = signer.getSignature();
        } catch (CMSException | IOException e) {
            // not a SignedData (the content cases): an empty SET and no value, the content is refused first
            attributes = new byte[] {0x31, 0};
            value = new byte[0];
        }
        SelfCheck.verify(buffer, BOUNDARY, head.length(), content.length(), signature, attributes, value,
            () -> ProviderContentSigner.verifier(SignatureProvider.jdk(), publicKey, publicKey, DigestAlgorithm.SHA_256));
    }

    static Stream<Arguments> contentVerifiersReadDifferently() {
        String mixed = "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n";
        return Stream.of(
            Arguments.of("bare LF in a nested leaf", mixed + "--b\r\nContent-Type: text/plain\r\n\r\nline\nline\r\n--b--\r\n"),
            Arguments.of("bare CR in a nested leaf", mixed + "--b\r\nContent-Type: text/plain\r\n\r\nline\rline\r\n--b--\r\n"),
            Arguments.of("bare LF in a single leaf", "Content-Type: text/plain\r\n\r\nline\nline\r\n"),
            Arguments.of("white space after a delimiter", mixed + "--b \r\nContent-Type: text/plain\r\n\r\nHello\r\n--b--\r\n"),
            Arguments.of("epilogue without a line break", mixed + "--b\r\nContent-Type: text/plain\r\n\r\nHello\r\n--b--\r\nend"),
            Arguments.of("no close delimiter line break", mixed + "--b\r\nContent-Type: text/plain\r\n\r\nHello\r\n--b--"),
            Arguments.of("empty body right after the header block", mixed + "--b\r\nContent-Type: text/plain\r\n\r\n--b--\r\n"),
            Arguments.of("text starting with the boundary", mixed + "--b\r\nContent-Type: text/plain\r\n\r\n--bx\r\n--b--\r\n"),
            Arguments.of("a line starting with a nested delimiter before the nested multipart", mixed + "--b\r\nContent-Type: text/plain\r\n\r\n"
                + "--c is next\r\n--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c\r\n\r\ninner\r\n--c--\r\n\r\n--b--\r\n"),
            Arguments.of("an 8-bit byte in a leaf's header block", "Content-Type: text/plain\r\nX-Note: gr\u00fc\u00dfe\r\n\r\nHello\r\n"),
            // javax.mail decodes the transfer encoding of a type that only starts with "multipart" before it parses it
            Arguments.of("a type read as multipart only after decoding", "Content-Type: multipartx/mixed; boundary=a\r\n"
                + "Content-Transfer-Encoding: quoted-printable\r\n\r\n--a\r\n\r\nx\r\n=2D-a\r\n\r\ny\r\n--a--\r\n"),
            Arguments.of("a boundary ending in a space", "Content-Type: multipartx/mixed; boundary=\"a \"\r\n\r\n--a \r\n\r\nx\r\n--a --\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contentVerifiersReadDifferently")
    void selfCheckShouldRefuseContentThatVerifiersRebuildDifferently(String shape, String content) {
        assertThatThrownBy(() -> check(content, new byte[] {1, 2, 3}))
            .isInstanceOf(SelfCheckException.class)
            .hasMessageStartingWith("self-check failed");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contentVerifiersReadDifferently")
    void fastReadingShouldRefuseContentThatVerifiersRebuildDifferently(String shape, String content) {
        byte[] bytes = content.getBytes(StandardCharsets.ISO_8859_1);

        assertThat(VerifierView.problem(bytes, 0, bytes.length)).isNotNull();
        assertThat(SelfCheckDifferentialTest.reference(bytes)).isNotNull();
    }

    @Test
    void selfCheckShouldAcceptWhatTheSignerWrites() throws Exception {
        SmimeSigner unchecked = new SmimeSigner(DigestAlgorithm.SHA_256, Clock.fixed(NOW, ZoneOffset.UTC), SmimeSigner.DEFAULT_MAX_DEPTH, false);
        byte[] signed = Verifiers.serialize(unchecked.sign(Verifiers.parse(TestMessages.nestedMultipart("billing@shop.example")), identity));
        String content = new String(Verifiers.rawPart(signed, Verifiers.parse(signed)), StandardCharsets.ISO_8859_1);
        byte[] cms = ((Multipart) Verifiers.parse(signed).getContent()).getBodyPart(1).getInputStream().readAllBytes();

        assertThatCode(() -> check(content, cms)).doesNotThrowAnyException();
    }

    @Test
    void selfCheckShouldRefuseASignatureOfAnotherKey() throws Exception {
        SmimeSigner unchecked = new SmimeSigner(DigestAlgorithm.SHA_256, Clock.fixed(NOW, ZoneOffset.UTC), SmimeSigner.DEFAULT_MAX_DEPTH, false);
        TestPki.Issued other = pki.sender("parcels@shop.example").keyIndex(3).issue();
        SigningIdentity otherIdentity = pki.rules().validate(Path.of("other.p12"), other.privateKey(), other.chain(), pki.now());
        byte[] signed = Verifiers.serialize(unchecked.sign(Verifiers.parse(TestMessages.plain7bit("billing@shop.example")), otherIdentity));
        String content = new String(Verifiers.rawPart(signed, Verifiers.parse(signed)), StandardCharsets.ISO_8859_1);
        byte[] cms = ((Multipart) Verifiers.parse(signed).getContent()).getBodyPart(1).getInputStream().readAllBytes();

        assertThatThrownBy(() -> check(content, cms))
            .isInstanceOf(SelfCheckException.class)
            .hasMessageContaining("does not verify with the certificate's public key");
    }

    @Test
    void selfCheckShouldRefuseASignedDataThatDoesNotHoldWhatWasSigned() throws Exception {
        SmimeSigner unchecked = new SmimeSigner(DigestAlgorithm.SHA_256, Clock.fixed(NOW, ZoneOffset.UTC), SmimeSigner.DEFAULT_MAX_DEPTH, false);
        byte[] signed = Verifiers.serialize(unchecked.sign(Verifiers.parse(TestMessages.plain7bit("billing@shop.example")), identity));
        byte[] other = Verifiers.serialize(unchecked.sign(Verifiers.parse(TestMessages.nestedMultipart("billing@shop.example")), identity));
        String content = new String(Verifiers.rawPart(signed, Verifiers.parse(signed)), StandardCharsets.ISO_8859_1);
        byte[] cms = ((Multipart) Verifiers.parse(signed).getContent()).getBodyPart(1).getInputStream().readAllBytes();
        byte[] otherCms = ((Multipart) Verifiers.parse(other).getContent()).getBodyPart(1).getInputStream().readAllBytes();

        assertThatThrownBy(() -> check(content, cms, otherCms))
            .isInstanceOf(SelfCheckException.class)
            .hasMessageContaining("the SignedData does not hold the signature value and attributes that were signed");
    }
}
