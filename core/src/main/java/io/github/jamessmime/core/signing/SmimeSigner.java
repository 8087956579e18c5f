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

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;

import javax.mail.MessagingException;
import javax.mail.internet.InternetHeaders;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimePart;

import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.IssuerAndSerialNumber;
import org.bouncycastle.asn1.cms.Time;
import org.bouncycastle.asn1.smime.SMIMECapabilitiesAttribute;
import org.bouncycastle.asn1.smime.SMIMECapability;
import org.bouncycastle.asn1.smime.SMIMECapabilityVector;
import org.bouncycastle.asn1.smime.SMIMEEncryptionKeyPreferenceAttribute;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.DefaultSignedAttributeTableGenerator;
import org.bouncycastle.cms.SignerInfoGeneratorBuilder;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.util.Store;

import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.core.store.StoreException;

/**
 * Signs a message as RFC 8551 {@code multipart/signed}: the Content-* headers and the body, made 7-bit safe,
 * become the first part; a detached CMS SignedData the second. Every other header of the message (From,
 * To, Subject, Date, Message-ID, custom ones) stays on the outer message as it was; a message without {@code Date}
 * gets one, and the signing time is left out where clients would find it at odds with the {@code Date}
 * ({@link MessageDate}).
 *
 * <p>The signed message is built once in one buffer and handed to javax.mail without a copy: writing it
 * out any number of times gives the same bytes. Thread-safe.
 */
public final class SmimeSigner {
    /** Default of {@code mime.maxDepth}: far above real mail, below the 64 levels BouncyCastle's verifier descends. */
    public static final int DEFAULT_MAX_DEPTH = 32;
    /** The deepest nesting {@code mime.maxDepth} may allow: BouncyCastle's verifier descends no deeper. */
    public static final int MAX_DEPTH_LIMIT = Reserialiser.VERIFIER_MAX_DEPTH;
    /** 64 MiB: above James's usual SMTP limits; a signature needs about one more copy of the message in memory. */
    public static final long DEFAULT_MAX_MESSAGE_SIZE = 64L * 1024 * 1024;

    private final DigestAlgorithm digest;
    private final Clock clock;
    private final int maxDepth;
    private final boolean selfCheck;
    private final long maxMessageSize;
    private final SecureRandom random = boundaryRandom();
    private final DigestCalculatorProvider digests;
    private final SignatureProvider provider;
    private final Map<SigningIdentity, Material> materials = new WeakHashMap<>();

    /** A signer with the default nesting limit, the self-check on and the {@code auto} provider. */
    public SmimeSigner(DigestAlgorithm digest, Clock clock) {
        this(digest, clock, DEFAULT_MAX_DEPTH, true);
    }

    /**
     * @param maxDepth  how many levels of multipart and message/rfc822 a message may nest to be signed
     * @param selfCheck whether every signed message is read back as a re-serialising verifier does
     *                  ({@link SelfCheck}) before it is returned
     */
    public SmimeSigner(DigestAlgorithm digest, Clock clock, int maxDepth, boolean selfCheck) {
        this(digest, clock, maxDepth, selfCheck, DEFAULT_MAX_MESSAGE_SIZE);
    }

    /** @param maxMessageSize the largest body (bytes, as javax.mail reports its size) that is signed */
    public SmimeSigner(DigestAlgorithm digest, Clock clock, int maxDepth, boolean selfCheck, long maxMessageSize) {
        this(digest, clock, maxDepth, selfCheck, maxMessageSize, SignatureProvider.select(SignatureProvider.Setting.AUTO));
    }

    /** @param provider where the private-key operations (and the self-check's verification) run */
    public SmimeSigner(DigestAlgorithm digest, Clock clock, int maxDepth, boolean selfCheck, long maxMessageSize,
                       SignatureProvider provider) {
        this.provider = provider;
        this.maxMessageSize = maxMessageSize;
        this.digest = digest;
        this.clock = clock;
        this.maxDepth = maxDepth;
        this.selfCheck = selfCheck;
        try {
            this.digests = new JcaDigestCalculatorProviderBuilder().build();
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    public DigestAlgorithm digest() {
        return digest;
    }

    public SignatureProvider provider() {
        return provider;
    }

    /** True for {@code multipart/signed}, {@code application/pkcs7-mime} and its {@code x-} form: never re-signed. */
    public static boolean isSignedOrEncrypted(MimePart message) throws MessagingException {
        String header = message.getHeader("Content-Type", null);
        if (header == null) {
            return false;
        }
        String type = header.trim().toLowerCase(Locale.ROOT);
        return type.startsWith("multipart/signed") || type.startsWith("application/pkcs7-mime")
            || type.startsWith("application/x-pkcs7-mime");
    }

    /**
     * Why the raw message starting with {@code head} (its first bytes, 4 are enough) is not signed, when that shows
     * before it is parsed: a header block that starts with a continuation line, which javax.mail reads as a field of
     * its own or fails on.
     */
    public static Optional<String> rawHeaderProblem(byte[] head) {
        return OuterHeaders.startsWithContinuation(head) ? Optional.of(OuterHeaders.CONTINUATION_FIRST) : Optional.empty();
    }

    /**
     * The signed copy of {@code message}. The original is not changed.
     *
     * @throws SigningException when the message is already signed or encrypted, cannot be made canonical, or
     *                          the key fails; its message is one line
     */
    public SignedMessage sign(MimeMessage message, SigningIdentity identity) throws SigningException {
        return sign(message, identity, Set.of());
    }

    /**
     * The signed copy of {@code message} without the outer headers named in {@code removedHeaders} (any case): for
     * instructions to this gateway that must not leave it. The original is not changed.
     */
    public SignedMessage sign(MimeMessage message, SigningIdentity identity, Set<String> removedHeaders) throws SigningException {
        return sign(message, identity, removedHeaders, false);
    }

    /**
     * As {@link #sign(MimeMessage, SigningIdentity, Set)}; with {@code protectHeaders}, the user-facing header fields are
     * signed too (RFC 9788 header protection, {@link ProtectedHeaders}): copied into the signed part, which is marked
     * {@code hp=clear}, while the outer fields stay as they are.
     */
    public SignedMessage sign(MimeMessage message, SigningIdentity identity, Set<String> removedHeaders, boolean protectHeaders)
        throws SigningException {
        Set<String> removed = new HashSet<>();
        for (String header : removedHeaders) {
            removed.add(header.toLowerCase(Locale.ROOT));
        }
        MessageBuffer buffer;
        String boundary;
        InternetHeaders headers;
        int bodyStart;
        int contentStart;
        int contentLength;
        // the second the signing-time attribute holds: the Date rule compares exactly what a client will compare
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        MessageDate dating;
        Optional<String> unprotected = Optional.empty();
        try {
            if (isSignedOrEncrypted(message)) {
                throw new SigningException(FailureKind.BAD_INPUT, "the message is already signed or encrypted; it is left as it is");
            }
            int size = message.getSize();
            if (size > maxMessageSize) {
                throw new SigningException(FailureKind.TOO_LARGE, "the message body of " + size + " bytes is larger than signing.maxMessageSize ("
                    + maxMessageSize + " bytes); it follows the failure policy instead of being signed");
            }
            OuterHeaders outer = OuterHeaders.of(message, removed);
            dating = MessageDate.of(outer.otherLines(), now);
            buffer = new MessageBuffer(size > 0 ? size + size / 16 + 8192 : 64 * 1024);
            boundary = newBoundary();
            headers = writeOuterHeaders(outer, dating, boundary, buffer);
            bodyStart = buffer.size();
            buffer.writeAscii("This is an S/MIME signed message.\r\n\r\n--" + boundary + "\r\n");
            contentStart = buffer.size();
            CanonicalWriter writer = new CanonicalWriter(buffer, size, maxDepth, this::newBoundary);
            List<String> protectedFields = null;
            if (protectHeaders) {
                List<String> fields = new ArrayList<>(outer.otherLines());
                dating.addedLine().ifPresent(fields::add);
                try {
                    protectedFields = ProtectedHeaders.lines(fields);
                } catch (CanonicalWriter.NotRelayProofException e) {
                    // header protection adds to a signature, it is no reason to give none
                    unprotected = Optional.of("signed without header protection: " + e.getMessage());
                }
            }
            if (protectedFields != null) {
                try {
                    writer.writeContentOf(message, outer.contentLines(), protectedFields);
                } catch (CanonicalWriter.NotRelayProofException e) {
                    // written again without protection: a message that is not relay-proof at all is refused then
                    buffer.truncate(contentStart);
                    unprotected = Optional.of("signed without header protection: " + e.getMessage());
                    new CanonicalWriter(buffer, size, maxDepth, this::newBoundary).writeContentOf(message, outer.contentLines());
                }
            } else {
                writer.writeContentOf(message, outer.contentLines());
            }
            contentLength = buffer.size() - contentStart;
        } catch (SigningException e) {
            throw e;
        } catch (CanonicalWriter.NotRelayProofException e) {
            throw new SigningException(FailureKind.NOT_CANONICAL, HeaderForm.excerpt(e.getMessage(), 300), e);
        } catch (MessagingException | IOException | RuntimeException e) {
            if (OuterHeaders.failsOnContinuationFirst(e)) {
                throw new SigningException(FailureKind.BAD_INPUT, OuterHeaders.CONTINUATION_FIRST + "; it is not signed", e);
            }
            throw new SigningException(FailureKind.BAD_INPUT, "malformed message: " + HeaderForm.excerpt(describe(e), 300), e);
        } catch (StackOverflowError e) {
            throw new SigningException(FailureKind.BAD_INPUT, "malformed message: nested too deeply to be read", e);
        }
        CmsSignature signature;
        Material material;
        try {
            material = material(identity);
            signature = signature(material, buffer.array(), contentStart, contentLength, dating.carriesSigningTime() ? now : null);
        } catch (SigningException e) {
            throw e;
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new SigningException(FailureKind.KEY_FAILED, "signing with " + identity.source() + " failed: "
                + HeaderForm.excerpt(describe(e), 300), e);
        }
        writeSignaturePart(boundary, signature.cms, buffer);
        if (selfCheck) {
            SelfCheck.verify(buffer, boundary, contentStart, contentLength, signature.cms, signature.signedAttributes, signature.value,
                () -> ProviderContentSigner.verifier(provider, material.publicKey, material.providerPublicKey, digest));
        }
        return new SignedMessage(headers, buffer.toInputStream(), bodyStart, dating, unprotected);
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    /** Writes the outer header block and gives the same lines as javax.mail headers (no second parse). */
    private InternetHeaders writeOuterHeaders(OuterHeaders outer, MessageDate dating, String boundary, MessageBuffer out) {
        InternetHeaders headers = new InternetHeaders();
        for (String line : outer.otherLines()) {
            writeLine(out, line);
            headers.addHeaderLine(line);
        }
        if (dating.addedLine().isPresent()) {
            writeLine(out, dating.addedLine().get());
            headers.addHeaderLine(dating.addedLine().get());
        }
        String mimeVersion = "MIME-Version: 1.0";
        String contentType = "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg="
            + digest.micalg() + ";\r\n\tboundary=\"" + boundary + "\"";
        writeLine(out, mimeVersion);
        writeLine(out, contentType);
        headers.addHeaderLine(mimeVersion);
        headers.addHeaderLine(contentType);
        out.writeAscii("\r\n");
        return headers;
    }

    private static void writeLine(MessageBuffer out, String line) {
        boolean latin1 = line.chars().allMatch(c -> c < 256);
        byte[] bytes = line.getBytes(latin1 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        out.write(bytes, 0, bytes.length);
        out.writeAscii("\r\n");
    }

    private static void writeSignaturePart(String boundary, byte[] signature, MessageBuffer out) {
        out.writeAscii("\r\n--" + boundary + "\r\n"
            + "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
            + "Content-Transfer-Encoding: base64\r\n"
            + "Content-Disposition: attachment; filename=\"smime.p7s\"\r\n"
            + "Content-Description: S/MIME Cryptographic Signature\r\n\r\n");
        byte[] base64 = Base64.getMimeEncoder().encode(signature);
        out.write(base64, 0, base64.length);
        out.writeAscii("\r\n--" + boundary + "--\r\n");
    }

    /** The CMS SignedData, with what its signature value covers and the value itself, as the key operation saw them. */
    private static final class CmsSignature {
        final byte[] cms;
        final byte[] signedAttributes;
        final byte[] value;

        CmsSignature(byte[] cms, byte[] signedAttributes, byte[] value) {
            this.cms = cms;
            this.signedAttributes = signedAttributes;
            this.value = value;
        }
    }

    /** @param signingTime the signing time the signed attributes carry, or null for none */
    private CmsSignature signature(Material material, byte[] bytes, int offset, int length, Instant signingTime)
        throws GeneralSecurityException, IOException {
        MessageDigest contentDigest = MessageDigest.getInstance(digest.jcaName());
        contentDigest.update(bytes, offset, length);
        byte[] signedAttributes = material.template.signedAttributes(signingTime, contentDigest.digest());
        byte[] value = ProviderContentSigner.sign(material.signing, material.algorithmKey, material.providerKey, digest, signedAttributes);
        return new CmsSignature(material.template.contentInfo(signedAttributes, value), signedAttributes, value);
    }

    /**
     * BouncyCastle's generator's SignedData for this identity over empty content: the template of every later
     * signature ({@link SignedDataTemplate}), made once per identity.
     */
    private SignedDataTemplate template(X509CertificateHolder certificate, Store<X509CertificateHolder> certificates, SignatureProvider signing,
                                        Key algorithmKey, PrivateKey providerKey) throws GeneralSecurityException, IOException {
        ASN1EncodableVector attributes = new ASN1EncodableVector();
        attributes.add(new Attribute(CMSAttributes.signingTime, new DERSet(new Time(Date.from(clock.instant())))));
        attributes.add(new SMIMECapabilitiesAttribute(capabilities()));
        attributes.add(new SMIMEEncryptionKeyPreferenceAttribute(new IssuerAndSerialNumber(certificate.getIssuer(),
            certificate.getSerialNumber())));
        try {
            CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
            generator.addSignerInfoGenerator(new SignerInfoGeneratorBuilder(digests)
                .setSignedAttributeGenerator(new DefaultSignedAttributeTableGenerator(new AttributeTable(attributes)))
                .build(ProviderContentSigner.create(signing, algorithmKey, providerKey, digest), certificate));
            generator.addCertificates(certificates);
            return SignedDataTemplate.of(generator.generate(new CMSProcessableByteArray(new byte[0]), false)
                .getEncoded(ASN1Encoding.DER));
        } catch (CMSException | OperatorCreationException e) {
            throw new GeneralSecurityException("BouncyCastle's generator cannot sign with this identity: " + e.getMessage(), e);
        }
    }

    /** AES-256, -192 and -128 CBC, strongest first: what recipients may encrypt a reply with. */
    static SMIMECapabilityVector capabilities() {
        SMIMECapabilityVector capabilities = new SMIMECapabilityVector();
        capabilities.addCapability(SMIMECapability.aES256_CBC);
        capabilities.addCapability(SMIMECapability.aES192_CBC);
        capabilities.addCapability(SMIMECapability.aES128_CBC);
        return capabilities;
    }

    /** What a signature needs from an identity, its keys in the provider's form included, computed once per identity. */
    static final class Material {
        final SignedDataTemplate template;
        /** Where the private key signs: the configured provider, or the token the key lives in. */
        final SignatureProvider signing;
        /** The key whose type chooses the signature algorithm. */
        final Key algorithmKey;
        final PrivateKey providerKey;
        final PublicKey publicKey;
        final PublicKey providerPublicKey;

        Material(SignedDataTemplate template, SignatureProvider signing, Key algorithmKey, PrivateKey providerKey, PublicKey publicKey,
                 PublicKey providerPublicKey) {
            this.template = template;
            this.signing = signing;
            this.algorithmKey = algorithmKey;
            this.providerKey = providerKey;
            this.publicKey = publicKey;
            this.providerPublicKey = providerPublicKey;
        }
    }

    /**
     * This identity's material, made on first use (outside the lock: the key of an identity read from the index is
     * decrypted then). Weakly keyed by the identity object: a reload that replaces an identity lets its material go
     * with it.
     */
    private Material material(SigningIdentity identity) throws SigningException, GeneralSecurityException, IOException {
        synchronized (materials) {
            Material material = materials.get(identity);
            if (material != null) {
                return material;
            }
        }
        Material prepared = prepare(identity);
        synchronized (materials) {
            return materials.computeIfAbsent(identity, any -> prepared);
        }
    }

    private static PrivateKey privateKey(SigningIdentity identity) throws SigningException {
        try {
            return identity.privateKey();
        } catch (StoreException e) {
            throw new SigningException(FailureKind.KEY_FAILED, e.getMessage(), e);
        }
    }

    private Material prepare(SigningIdentity identity) throws SigningException, GeneralSecurityException, IOException {
        PrivateKey key = privateKey(identity);
        PublicKey publicKey = identity.certificate().getPublicKey();
        // a token's key signs in the token, as the handle the token gave: never translated into another provider
        SignatureProvider signing = identity.keyProvider().map(SignatureProvider::ofToken).orElse(provider);
        Key algorithmKey = identity.keyProvider().isPresent() ? publicKey : key;
        PrivateKey providerKey = signing.signingKey(key);
        X509CertificateHolder certificate = new X509CertificateHolder(identity.certificate().getEncoded());
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(identity.certificate());
        chain.addAll(identity.intermediates());
        return new Material(template(certificate, new JcaCertStore(chain), signing, algorithmKey, providerKey), signing, algorithmKey,
            providerKey, publicKey, provider.verifyingKey(publicKey));
    }

    /** The JDK's DRBG: no system call per boundary, unlike the default NativePRNG. */
    private static SecureRandom boundaryRandom() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    /** 192 random bits: the boundary cannot occur in the content by chance. */
    private String newBoundary() {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        return "----=_smime_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).replace('-', '.');
    }
}
