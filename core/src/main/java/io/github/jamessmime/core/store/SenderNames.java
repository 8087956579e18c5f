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
package io.github.jamessmime.core.store;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.OtherName;

import io.github.jamessmime.core.address.Addresses;

/**
 * The sender names of a certificate's SubjectAltName, read and written: an rfc822Name (an ASCII local part, the domain
 * as A-labels) or, for a non-ASCII local part, an {@code SmtpUTF8Mailbox} other name (RFC 9598: OID
 * {@value #SMTP_UTF8_MAILBOX}, a UTF8String). The extension is read by BouncyCastle rather than by
 * {@code X509Certificate.getSubjectAlternativeNames}, which does not give an other name's value as such.
 */
final class SenderNames {
    static final String SMTP_UTF8_MAILBOX = "1.3.6.1.5.5.7.8.9";
    private static final ASN1ObjectIdentifier SMTP_UTF8_MAILBOX_OID = new ASN1ObjectIdentifier(SMTP_UTF8_MAILBOX);

    private SenderNames() {
    }

    /** One mail name of the SubjectAltName as the certificate holds it. */
    static final class Name {
        final boolean smtpUtf8;
        final String value;

        Name(boolean smtpUtf8, String value) {
            this.smtpUtf8 = smtpUtf8;
            this.value = value;
        }

        /** The kind for a reason: {@code rfc822Name} or {@code SmtpUTF8Mailbox}. */
        String kind() {
            return smtpUtf8 ? "SmtpUTF8Mailbox" : "rfc822Name";
        }
    }

    /**
     * The rfc822Names and SmtpUTF8Mailbox names of {@code certificate}'s SubjectAltName, in order; none without the
     * extension. Other names of other types are left out.
     *
     * @throws IllegalArgumentException when the extension or an SmtpUTF8Mailbox does not parse (whatever BouncyCastle
     *                                  throws for it)
     */
    static List<Name> of(X509Certificate certificate) {
        List<Name> names = new ArrayList<>();
        byte[] extension = certificate.getExtensionValue(Extension.subjectAlternativeName.getId());
        if (extension == null) {
            return names;
        }
        GeneralNames generalNames;
        try {
            generalNames = GeneralNames.getInstance(ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(extension).getOctets()));
            generalNames.getNames();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("SubjectAltName cannot be parsed (" + e.getMessage() + ")", e);
        }
        for (GeneralName name : generalNames.getNames()) {
            if (name.getTagNo() == GeneralName.rfc822Name) {
                if (!(name.getName() instanceof ASN1String)) {
                    throw new IllegalArgumentException("an rfc822Name in SubjectAltName is not a string");
                }
                names.add(new Name(false, ((ASN1String) name.getName()).getString()));
            } else if (name.getTagNo() == GeneralName.otherName && isSmtpUtf8Mailbox(name)) {
                try {
                    names.add(new Name(true, utf8Value(OtherName.getInstance(name.getName()).getValue())));
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("an SmtpUTF8Mailbox in SubjectAltName cannot be parsed (" + e.getMessage() + ")", e);
                }
            }
        }
        return names;
    }

    /** Whether an other name is an SmtpUTF8Mailbox, read by its type alone: other names of other types (a UPN) are not parsed. */
    private static boolean isSmtpUtf8Mailbox(GeneralName name) {
        try {
            ASN1Sequence sequence = ASN1Sequence.getInstance(name.getName());
            return sequence.size() > 0 && SMTP_UTF8_MAILBOX_OID.equals(sequence.getObjectAt(0));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("an other name in SubjectAltName cannot be parsed (" + e.getMessage() + ")", e);
        }
    }

    /** The name a certificate or request gives {@code key}: an rfc822Name, or an SmtpUTF8Mailbox for a non-ASCII local part. */
    static GeneralName generalName(String key) {
        if (!Addresses.hasUnicodeLocalPart(key)) {
            return new GeneralName(GeneralName.rfc822Name, key);
        }
        return new GeneralName(GeneralName.otherName, new DERSequence(new ASN1Encodable[] {
            SMTP_UTF8_MAILBOX_OID, new DERTaggedObject(true, 0, new DERUTF8String(key))}));
    }

    private static String utf8Value(ASN1Encodable value) {
        ASN1Encodable inner = value instanceof ASN1TaggedObject ? ((ASN1TaggedObject) value).getBaseObject() : value;
        if (!(inner instanceof ASN1UTF8String)) {
            throw new IllegalArgumentException("an SmtpUTF8Mailbox is not a UTF8String, as RFC 9598 requires");
        }
        return ((ASN1UTF8String) inner).getString();
    }
}
