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

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1GeneralizedTime;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.ASN1UTCTime;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.SignedData;
import org.bouncycastle.asn1.cms.SignerInfo;
import org.bouncycastle.asn1.cms.Time;

/**
 * A detached CMS SignedData in DER, written per message from what stays the same for one identity. The template is
 * read once from a SignedData that BouncyCastle's own generator made with the identity's key, certificates and
 * attributes; each message then only brings its signing time (or none), its content digest and its signature value, so the
 * output is, byte for byte, the DER form of what BouncyCastle's generator writes (a test compares the two), without
 * building and encoding the certificates and the attribute objects again for every message.
 *
 * <p>Immutable and thread-safe.
 */
final class SignedDataTemplate {
    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'");
    private static final DateTimeFormatter GENERALIZED_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'");

    private final byte[] version;
    private final byte[] digestAlgorithms;
    private final byte[] encapsulatedContentInfo;
    /** The [0] IMPLICIT certificates field, whole. */
    private final byte[] certificates;
    private final byte[] signerVersion;
    private final byte[] signerIdentifier;
    private final byte[] digestAlgorithm;
    private final byte[] signatureAlgorithm;
    /** The signed attributes that do not change: every one but signing time and message digest, each encoded. */
    private final List<byte[]> constantAttributes;
    /** The signing-time attribute of the last second asked for: consecutive messages mostly share it. */
    private volatile SigningTime lastTime = new SigningTime(Long.MIN_VALUE, new byte[0]);

    private SignedDataTemplate(byte[] version, byte[] digestAlgorithms, byte[] encapsulatedContentInfo, byte[] certificates,
                               byte[] signerVersion, byte[] signerIdentifier, byte[] digestAlgorithm, byte[] signatureAlgorithm,
                               List<byte[]> constantAttributes) {
        this.version = version;
        this.digestAlgorithms = digestAlgorithms;
        this.encapsulatedContentInfo = encapsulatedContentInfo;
        this.certificates = certificates;
        this.signerVersion = signerVersion;
        this.signerIdentifier = signerIdentifier;
        this.digestAlgorithm = digestAlgorithm;
        this.signatureAlgorithm = signatureAlgorithm;
        this.constantAttributes = constantAttributes;
    }

    /**
     * The template of a DER ContentInfo holding a detached SignedData with exactly one signer, one with a signing
     * time and a message digest among its signed attributes.
     */
    static SignedDataTemplate of(byte[] contentInfo) throws IOException {
        SignedData signedData = SignedData.getInstance(ContentInfo.getInstance(ASN1Primitive.fromByteArray(contentInfo)).getContent());
        if (signedData.getEncapContentInfo().getContent() != null || signedData.getSignerInfos().size() != 1
            || signedData.getCertificates() == null || signedData.getCRLs() != null) {
            throw new IllegalArgumentException("not a detached SignedData with certificates and exactly one signer");
        }
        SignerInfo signer = SignerInfo.getInstance(signedData.getSignerInfos().getObjectAt(0));
        List<byte[]> constant = new ArrayList<>();
        boolean time = false;
        boolean digest = false;
        for (ASN1Encodable element : signer.getAuthenticatedAttributes()) {
            Attribute attribute = Attribute.getInstance(element);
            if (attribute.getAttrType().equals(CMSAttributes.signingTime)) {
                time = true;
            } else if (attribute.getAttrType().equals(CMSAttributes.messageDigest)) {
                digest = true;
            } else {
                constant.add(der(attribute));
            }
        }
        if (!time || !digest || signer.getUnauthenticatedAttributes() != null) {
            throw new IllegalArgumentException("the signer has no signing time or message digest, or unsigned attributes");
        }
        return new SignedDataTemplate(der(signedData.getVersion()), der(signedData.getDigestAlgorithms()),
            der(signedData.getEncapContentInfo()), implicit(0, signedData.getCertificates()), der(signer.getVersion()),
            der(signer.getSID()), der(signer.getDigestAlgorithm()), der(signer.getDigestEncryptionAlgorithm()), List.copyOf(constant));
    }

    /**
     * The DER SET of signed attributes for this time and content digest: what the signature value covers.
     *
     * @param signingTime the signing time, or null for a signature without one ({@link MessageDate})
     */
    byte[] signedAttributes(Instant signingTime, byte[] contentDigest) throws IOException {
        List<byte[]> attributes = new ArrayList<>(constantAttributes.size() + 2);
        attributes.addAll(constantAttributes);
        if (signingTime != null) {
            attributes.add(signingTimeAttribute(signingTime));
        }
        attributes.add(der(new Attribute(CMSAttributes.messageDigest, new DERSet(new DEROctetString(contentDigest)))));
        // DER orders the elements of a SET OF by their encodings
        attributes.sort(Arrays::compareUnsigned);
        return tlv(0x31, attributes);
    }

    /** The DER ContentInfo with {@code signedAttributes} (from {@link #signedAttributes}) and their signature value. */
    byte[] contentInfo(byte[] signedAttributes, byte[] signatureValue) throws IOException {
        byte[] implicitAttributes = signedAttributes.clone();
        implicitAttributes[0] = (byte) 0xA0;
        byte[] signerInfo = tlv(0x30, List.of(signerVersion, signerIdentifier, digestAlgorithm, implicitAttributes,
            signatureAlgorithm, der(new DEROctetString(signatureValue))));
        byte[] signedData = tlv(0x30, List.of(version, digestAlgorithms, encapsulatedContentInfo, certificates,
            tlv(0x31, List.of(signerInfo))));
        return tlv(0x30, List.of(der(CMSObjectIdentifiers.signedData), tlv(0xA0, List.of(signedData))));
    }

    private byte[] signingTimeAttribute(Instant instant) throws IOException {
        long second = instant.getEpochSecond();
        SigningTime last = lastTime;
        if (last.second == second) {
            return last.attribute;
        }
        // RFC 5652 11.3: UTCTime from 1950 to 2049, GeneralizedTime otherwise (as BouncyCastle's Time chooses)
        ZonedDateTime utc = Instant.ofEpochSecond(second).atZone(ZoneOffset.UTC);
        Time time = utc.getYear() >= 1950 && utc.getYear() <= 2049
            ? Time.getInstance(new ASN1UTCTime(UTC_TIME.format(utc))) : Time.getInstance(new ASN1GeneralizedTime(GENERALIZED_TIME.format(utc)));
        byte[] attribute = der(new Attribute(CMSAttributes.signingTime, new DERSet(time)));
        lastTime = new SigningTime(second, attribute);
        return attribute;
    }

    private static final class SigningTime {
        final long second;
        final byte[] attribute;

        SigningTime(long second, byte[] attribute) {
            this.second = second;
            this.attribute = attribute;
        }
    }

    private static byte[] der(ASN1Encodable value) throws IOException {
        return value.toASN1Primitive().getEncoded(ASN1Encoding.DER);
    }

    /** A set as the [n] IMPLICIT field of a SEQUENCE (constructed context tag instead of SET's). */
    private static byte[] implicit(int tag, ASN1Set set) throws IOException {
        byte[] encoded = der(set);
        encoded[0] = (byte) (0xA0 | tag);
        return encoded;
    }

    /** One DER element of {@code tag} holding the concatenation of {@code contents}. */
    private static byte[] tlv(int tag, List<byte[]> contents) {
        int length = 0;
        for (byte[] content : contents) {
            length += content.length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else {
            int octets = length > 0xFFFFFF ? 4 : length > 0xFFFF ? 3 : length > 0xFF ? 2 : 1;
            out.write(0x80 | octets);
            for (int shift = 8 * (octets - 1); shift >= 0; shift -= 8) {
                out.write(length >>> shift);
            }
        }
        for (byte[] content : contents) {
            out.write(content, 0, content.length);
        }
        return out.toByteArray();
    }
}
