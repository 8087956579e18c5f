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
package io.github.jamessmime.core.policy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

import javax.mail.BodyPart;
import javax.mail.MessagingException;
import javax.mail.Multipart;
import javax.mail.internet.MimeMessage;

import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerId;
import org.bouncycastle.cms.SignerInformation;

import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.SigningIdentity;

/**
 * Whether a message that arrives already S/MIME-signed carries a signature this server made with a certificate it holds,
 * submitted by someone not entitled to that certificate's addresses: a signed body of billing@ replayed under another
 * From, To or Subject ("new bank details"). RFC 8551 lets a signature cover the body only, so it verifies; but this
 * server holds the certificate and knows the submitter is not its owner, so such mail is not relayed as it is. A
 * signature by a certificate this server does not hold is none of its business and passes, as does the owner's own. A
 * signed message whose signature cannot be read at all (not CMS, over the size limit, a MIME structure that does not
 * parse) cannot be told apart from a replay and is treated as one.
 */
public final class ReplayCheck {
    /** This server's signatures take a few KB; a larger signature part is not read, and not relayed as it is either. */
    private static final int MAX_SIGNATURE_BYTES = 1024 * 1024;
    /** An opaque signed message carries its content inside the CMS. */
    private static final int MAX_OPAQUE_BYTES = 64 * 1024 * 1024;

    private final CertificateStore store;
    private final SenderEntitlement entitlement;

    public ReplayCheck(CertificateStore store, SenderEntitlement entitlement) {
        this.store = store;
        this.entitlement = entitlement;
    }

    /** Why {@code message} is a replay of a held certificate's signature by someone not entitled to it; empty otherwise. */
    public Optional<String> replay(MimeMessage message, Optional<String> authenticatedUser, Optional<String> remoteAddress)
        throws MessagingException {
        Signature signature = signature(message);
        if (signature.absent) {
            return Optional.empty();
        }
        if (signature.cms == null) {
            return Optional.of("it is signed, but its signature cannot be read (" + signature.problem + "), so whose it is cannot be told");
        }
        Collection<SignerInformation> signers;
        try {
            ContentInfo info = ContentInfo.getInstance(ASN1Primitive.fromByteArray(signature.cms));
            if (!CMSObjectIdentifiers.signedData.equals(info.getContentType())) {
                // enveloped (encrypted) or another kind: no signature of this server's
                return Optional.empty();
            }
            signers = new CMSSignedData(info).getSignerInfos().getSigners();
        } catch (IOException | CMSException | RuntimeException e) {
            return Optional.of("it is signed, but its signature cannot be read (not a CMS structure), so whose it is cannot be told");
        }
        for (SignerInformation signer : signers) {
            // by the signer's identifier (issuer and serial, or key identifier), which the signature covers: the certificates
            // a message carries can be left out, and recipients who know the certificate still see a valid signature
            Optional<SigningIdentity> held = store.holdingSigner(certificate -> matches(signer.getSID(), certificate));
            if (held.isEmpty()) {
                continue;
            }
            boolean owner = held.get().addresses().stream()
                .anyMatch(address -> entitlement.decide(authenticatedUser, remoteAddress, address).entitled());
            if (!owner) {
                return Optional.of("it carries a signature made with this server's certificate for " + held.get().addresses()
                    + " (SHA-256 " + held.get().fingerprint() + "), submitted by someone not entitled to "
                    + (held.get().addresses().size() == 1 ? "that address" : "any of those addresses"));
            }
        }
        return Optional.empty();
    }

    private static boolean matches(SignerId signer, X509Certificate certificate) {
        try {
            return signer.match(new JcaX509CertificateHolder(certificate));
        } catch (CertificateEncodingException | RuntimeException e) {
            return false;
        }
    }

    /** What the message carries as a signature: nothing, one this server can read, or one it cannot read. */
    private static final class Signature {
        static final Signature NONE = new Signature(true, null, null);

        final boolean absent;
        final byte[] cms;
        final String problem;

        private Signature(boolean absent, byte[] cms, String problem) {
            this.absent = absent;
            this.cms = cms;
            this.problem = problem;
        }

        static Signature of(byte[] cms) {
            return new Signature(false, cms, null);
        }

        static Signature unreadable(String problem) {
            return new Signature(false, null, problem);
        }
    }

    /** The CMS of a multipart/signed (its signature part) or of an application/pkcs7-mime message (opaque signed-data). */
    private static Signature signature(MimeMessage message) {
        String type;
        try {
            type = Optional.ofNullable(message.getHeader("Content-Type", null)).orElse("").trim().toLowerCase(Locale.ROOT);
        } catch (MessagingException e) {
            return Signature.NONE;
        }
        try {
            if (type.startsWith("multipart/signed")) {
                Object content = message.getContent();
                if (!(content instanceof Multipart) || ((Multipart) content).getCount() != 2) {
                    return Signature.unreadable("not two parts");
                }
                BodyPart part = ((Multipart) content).getBodyPart(1);
                return read(part.getInputStream(), MAX_SIGNATURE_BYTES);
            }
            if (type.startsWith("application/pkcs7-mime") || type.startsWith("application/x-pkcs7-mime")) {
                // signed or enveloped: the CMS says which, whatever the parameters claim
                return read(message.getInputStream(), MAX_OPAQUE_BYTES);
            }
        } catch (IOException | MessagingException e) {
            return Signature.unreadable("the MIME structure cannot be read");
        }
        return Signature.NONE;
    }

    private static Signature read(InputStream in, int limit) throws IOException {
        try (in) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                bytes.write(buffer, 0, n);
                if (bytes.size() > limit) {
                    return Signature.unreadable("larger than " + limit + " bytes");
                }
            }
            return Signature.of(bytes.toByteArray());
        }
    }
}
