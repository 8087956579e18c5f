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
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import javax.mail.BodyPart;
import javax.mail.MessagingException;
import javax.mail.Multipart;
import javax.mail.internet.MimeMessage;

import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.util.Selector;

import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.SigningIdentity;

/**
 * Whether a message that arrives already S/MIME-signed carries a signature this server made with a certificate it holds,
 * submitted by someone not entitled to that certificate's addresses: a signed body of billing@ replayed under another
 * From, To or Subject ("new bank details"). RFC 8551 lets a signature cover the body only, so it verifies; but this
 * server holds the certificate and knows the submitter is not its owner, so such mail is not relayed as it is. A
 * signature by a certificate this server does not hold is none of its business and passes, as does the owner's own.
 */
public final class ReplayCheck {
    /** Signatures are small; a signature part over this size is not read (and is not this server's). */
    private static final int MAX_SIGNATURE_BYTES = 1024 * 1024;

    private final CertificateStore store;
    private final SenderEntitlement entitlement;

    public ReplayCheck(CertificateStore store, SenderEntitlement entitlement) {
        this.store = store;
        this.entitlement = entitlement;
    }

    /** Why {@code message} is a replay of a held certificate's signature by someone not entitled to it; empty otherwise. */
    public Optional<String> replay(MimeMessage message, Optional<String> authenticatedUser, Optional<String> remoteAddress)
        throws MessagingException {
        Optional<byte[]> cms = signature(message);
        if (cms.isEmpty()) {
            return Optional.empty();
        }
        List<X509CertificateHolder> signers;
        try {
            signers = signers(new CMSSignedData(cms.get()));
        } catch (CMSException | RuntimeException e) {
            // not a signature anyone could verify: not one of this server's
            return Optional.empty();
        }
        for (X509CertificateHolder signer : signers) {
            Optional<SigningIdentity> held = held(signer);
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

    /** The CMS of a multipart/signed (its signature part) or of an opaque signed application/pkcs7-mime message. */
    private static Optional<byte[]> signature(MimeMessage message) throws MessagingException {
        String type = Optional.ofNullable(message.getHeader("Content-Type", null)).orElse("").trim().toLowerCase(Locale.ROOT);
        try {
            if (type.startsWith("multipart/signed")) {
                Object content = message.getContent();
                if (!(content instanceof Multipart) || ((Multipart) content).getCount() != 2) {
                    return Optional.empty();
                }
                BodyPart part = ((Multipart) content).getBodyPart(1);
                return part.isMimeType("application/pkcs7-signature") || part.isMimeType("application/x-pkcs7-signature")
                    ? read(part.getInputStream()) : Optional.empty();
            }
            if ((type.startsWith("application/pkcs7-mime") || type.startsWith("application/x-pkcs7-mime"))
                && !type.contains("enveloped-data") && !type.contains("authenveloped-data")) {
                return read(message.getInputStream());
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static Optional<byte[]> read(InputStream in) throws IOException {
        try (in) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                bytes.write(buffer, 0, n);
                if (bytes.size() > MAX_SIGNATURE_BYTES) {
                    return Optional.empty();
                }
            }
            return Optional.of(bytes.toByteArray());
        }
    }

    /** The certificates that signed: those of the CMS's certificates matching a SignerInfo's identifier. */
    @SuppressWarnings("unchecked")
    private static List<X509CertificateHolder> signers(CMSSignedData signed) {
        List<X509CertificateHolder> result = new java.util.ArrayList<>();
        for (SignerInformation signer : signed.getSignerInfos().getSigners()) {
            result.addAll(signed.getCertificates().getMatches((Selector<X509CertificateHolder>) signer.getSID()));
        }
        return result;
    }

    private Optional<SigningIdentity> held(X509CertificateHolder certificate) {
        try {
            return store.holding(certificate.getEncoded());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
