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
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import javax.naming.InvalidNameException;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.address.Addresses;
import io.github.jamessmime.core.address.InvalidAddressException;

/**
 * The one set of rules a sender certificate must pass wherever it enters: the store at every load, import
 * (CLI and WebAdmin), sync and the CLI {@code check}. Each refusal is a {@link StoreException} with its own reason
 * and what to do about it:
 * <ul>
 * <li>an end-entity certificate (no {@code CA:TRUE});</li>
 * <li>SubjectAltName rfc822Names that are plain mailboxes (no wildcard, no domain-only name, nothing that could
 * name a file outside the store), and every e-mail address of the subject among them;</li>
 * <li>ExtendedKeyUsage, when present, with emailProtection and without anyExtendedKeyUsage; KeyUsage, when present,
 * with digitalSignature;</li>
 * <li>an RSA key as rsaEncryption or an EC key, not an id-RSASSA-PSS key: NSS, and so Thunderbird, does not verify the
 * signatures of such a certificate (status 1029), and the S/MIME Baseline Requirements do not allow it;</li>
 * <li>no SHA-1 or MD5 signature on the certificate or its intermediates, at most {@value #MAX_VALIDITY_DAYS} days of
 * validity;</li>
 * <li>a chain, through the intermediates in the file, to one of the trust anchors, every CA certificate of it valid
 * when the sender certificate is (a sender certificate that is not yet valid is kept: it is used from its notBefore).</li>
 * </ul>
 * Expiry of the sender certificate itself is not a rule here: it depends on the hour and the store checks it at every
 * load and lookup.
 */
public final class CertificateRules {
    static final int MAX_VALIDITY_DAYS = 825;
    private static final String EMAIL_PROTECTION = "1.3.6.1.5.5.7.3.4";
    private static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";
    private static final String EMAIL_ADDRESS_ATTRIBUTE = "1.2.840.113549.1.9.1";
    private static final int DIGITAL_SIGNATURE = 0;

    private final Set<TrustAnchor> anchors;
    private final String anchorsName;
    private final String fingerprint;

    private CertificateRules(Set<TrustAnchor> anchors, String anchorsName) {
        this.anchors = Set.copyOf(anchors);
        this.anchorsName = anchorsName;
        this.fingerprint = fingerprintOf(anchors);
    }

    /** Trust anchors from a PEM file of root certificates. */
    public static CertificateRules trusting(Path pemFile) throws StoreException {
        try (InputStream in = Files.newInputStream(pemFile)) {
            List<X509Certificate> roots = new ArrayList<>();
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                roots.add((X509Certificate) certificate);
            }
            if (roots.isEmpty()) {
                throw new StoreException(FailureKind.CONFIGURATION, "trust anchors file " + pemFile + " holds no certificate; give a PEM file of root certificates");
            }
            return trusting(roots, "the roots of " + pemFile);
        } catch (IOException | GeneralSecurityException | ClassCastException e) {
            throw new StoreException(FailureKind.CONFIGURATION, "trust anchors file " + pemFile + " cannot be read (" + e.getMessage()
                + "); give a PEM file of root certificates", e);
        }
    }

    /** Trust anchors given as certificates; {@code description} names them in refusals. */
    public static CertificateRules trusting(Collection<X509Certificate> roots, String description) {
        Set<TrustAnchor> anchors = new HashSet<>();
        for (X509Certificate root : roots) {
            anchors.add(new TrustAnchor(root, null));
        }
        return new CertificateRules(anchors, description);
    }

    /** The JDK's trusted roots ({@code lib/security/cacerts}). */
    public static CertificateRules trustingJdk() throws StoreException {
        Path cacerts = Path.of(System.getProperty("java.home"), "lib", "security", "cacerts");
        try (InputStream in = Files.newInputStream(cacerts)) {
            KeyStore keyStore = KeyStore.getInstance(KeyStore.getDefaultType());
            keyStore.load(in, null);
            List<X509Certificate> roots = new ArrayList<>();
            for (String alias : Collections.list(keyStore.aliases())) {
                Certificate certificate = keyStore.getCertificate(alias);
                if (certificate instanceof X509Certificate) {
                    roots.add((X509Certificate) certificate);
                }
            }
            return trusting(roots, "the JDK's trusted roots");
        } catch (IOException | GeneralSecurityException e) {
            throw new StoreException(FailureKind.CONFIGURATION, "the JDK trust store " + cacerts + " cannot be read (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Identifies the trust anchors: verdicts recorded under other anchors (in the store index) are not reused.
     */
    String fingerprint() {
        return fingerprint;
    }

    /**
     * Checks a certificate, its intermediates (signer's issuer first, the root may follow) and its key, and gives the
     * identity they make; {@code file} is where they come from.
     */
    public SigningIdentity validate(Path file, PrivateKey key, List<X509Certificate> chain, Instant now) throws StoreException {
        return validate(file.getFileName().toString(), key, Optional.empty(), chain, now);
    }

    /**
     * As {@link #validate(Path, PrivateKey, List, Instant)}, for a key that may stay in a token: with {@code keyProvider},
     * the key is checked by signing with it there, and the identity signs there.
     *
     * @param source names where the key and certificates come from (a file name, {@code pkcs11:<token>/<alias>})
     */
    SigningIdentity validate(String source, PrivateKey key, Optional<Provider> keyProvider, List<X509Certificate> chain, Instant now)
        throws StoreException {
        X509Certificate certificate = chain.get(0);
        if (certificate.getBasicConstraints() >= 0) {
            throw new StoreException(CertificateRule.CA_CERTIFICATE, "is a CA certificate (basicConstraints CA:TRUE), not a sender's;"
                + " export the sender's own certificate with its key");
        }
        Set<String> addresses = addresses(certificate);
        checkSubjectAddresses(certificate, addresses);
        checkExtendedKeyUsage(certificate);
        boolean[] keyUsage = certificate.getKeyUsage();
        if (keyUsage != null && (keyUsage.length <= DIGITAL_SIGNATURE || !keyUsage[DIGITAL_SIGNATURE])) {
            throw new StoreException(CertificateRule.KEY_USAGE, "KeyUsage lacks digitalSignature, so the certificate may not sign;"
                + " use a certificate issued for S/MIME signing");
        }
        if (isRsassaPssKey(certificate)) {
            throw new StoreException(CertificateRule.RSA_PSS_KEY, "the certificate's key is an RSASSA-PSS key (id-RSASSA-PSS): Thunderbird and every other"
                + " client on Mozilla's NSS shows its signatures as not valid, and the S/MIME Baseline Requirements allow RSA keys"
                + " only as rsaEncryption; ask the CA for a certificate of an RSA (rsaEncryption) or EC key");
        }
        checkSignatureAlgorithms(chain);
        Instant notBefore = certificate.getNotBefore().toInstant();
        long days = Duration.between(notBefore, certificate.getNotAfter().toInstant()).toDays();
        if (days > MAX_VALIDITY_DAYS) {
            throw new StoreException(CertificateRule.VALIDITY_PERIOD, "the certificate is valid for " + days + " days, more than the " + MAX_VALIDITY_DAYS
                + " the S/MIME Baseline Requirements allow; ask the CA for a compliant certificate");
        }
        if (keyProvider.isPresent()) {
            CertificateFile.checkTokenKey(key, keyProvider.get(), certificate);
        } else {
            CertificateFile.checkKey(key, certificate);
        }
        SigningIdentity identity = CertificateFile.identity(source, SigningIdentity.KeySource.of(key), keyProvider, chain, addresses);
        checkChain(identity, chain, now);
        return identity;
    }

    /** Whether the certificate's SubjectPublicKeyInfo names id-RSASSA-PSS, whatever name a provider gives the key. */
    private static boolean isRsassaPssKey(X509Certificate certificate) {
        return SubjectPublicKeyInfo.getInstance(certificate.getPublicKey().getEncoded()).getAlgorithm().getAlgorithm()
            .equals(PKCSObjectIdentifiers.id_RSASSA_PSS);
    }

    /**
     * The trusted root {@code identity} chains to through its intermediates, if it does: what a file written for it
     * keeps besides them, so that the file is judged later (under other trust anchors, on another node) by the chain
     * it was judged by now.
     */
    Optional<X509Certificate> root(SigningIdentity identity) {
        X509Certificate current = identity.certificate();
        for (int depth = 0; depth <= identity.intermediates().size(); depth++) {
            Optional<TrustAnchor> anchor = anchorFor(current);
            if (anchor.isPresent()) {
                return Optional.of(anchor.get().getTrustedCert());
            }
            Optional<X509Certificate> issuer = issuerAmong(current, identity.intermediates());
            if (issuer.isEmpty()) {
                return Optional.empty();
            }
            current = issuer.get();
        }
        return Optional.empty();
    }

    /** The intermediates' refusal at {@code now} (one expired since the file was read), if any. */
    static Optional<String> intermediateExpiry(SigningIdentity identity, Instant now) {
        for (X509Certificate ca : identity.intermediates()) {
            if (now.isAfter(ca.getNotAfter().toInstant())) {
                return Optional.of("the CA certificate '" + SigningIdentity.readable(ca.getSubjectX500Principal()) + "' of " + identity.addresses()
                    + " expired on " + ca.getNotAfter().toInstant() + "; import the file again with the CA's current intermediate");
            }
        }
        return Optional.empty();
    }

    /**
     * The keys of the SubjectAltName's sender names (rfc822Names and SmtpUTF8Mailbox names, see {@link SenderNames});
     * anything but a plain mailbox refuses the certificate.
     */
    static Set<String> addresses(X509Certificate certificate) throws StoreException {
        List<SenderNames.Name> names;
        try {
            names = SenderNames.of(certificate);
        } catch (IllegalArgumentException e) {
            throw new StoreException(CertificateRule.MALFORMED_CERTIFICATE, e.getMessage(), e);
        }
        Set<String> addresses = new LinkedHashSet<>();
        for (SenderNames.Name name : names) {
            addresses.add(certificateAddress(name));
        }
        if (addresses.isEmpty()) {
            throw new StoreException(CertificateRule.NO_ADDRESS, "the certificate names no mail address in SubjectAltName (rfc822Name or"
                + " SmtpUTF8Mailbox); S/MIME needs the sender address there");
        }
        return addresses;
    }

    private static String certificateAddress(SenderNames.Name name) throws StoreException {
        String where = "in SubjectAltName (" + name.kind() + ")";
        String remedy = "ask the CA for a certificate naming the sender address";
        checkNotWildcard(name.value);
        try {
            return name.smtpUtf8 ? Addresses.smtpUtf8MailboxKey(name.value) : Addresses.mailboxKey(name.value);
        } catch (InvalidAddressException e) {
            throw new StoreException(CertificateRule.NOT_A_MAILBOX, "'" + printable(name.value) + "' " + where + " is not a plain mail"
                + " address: " + e.getMessage() + "; " + remedy);
        }
    }

    /**
     * The plain mailboxes among the SubjectAltName sender names, whatever else the certificate holds: by these a refused
     * certificate is found (a wildcard or a malformed value is left out).
     */
    static List<String> namedAddresses(X509Certificate certificate) {
        List<String> named = new ArrayList<>();
        try {
            for (SenderNames.Name name : SenderNames.of(certificate)) {
                if (name.value.contains("*")) {
                    continue;
                }
                try {
                    String key = name.smtpUtf8 ? Addresses.smtpUtf8MailboxKey(name.value) : Addresses.mailboxKey(name.value);
                    if (!named.contains(key)) {
                        named.add(key);
                    }
                } catch (InvalidAddressException e) {
                    // not a mailbox: nothing to find it by
                }
            }
        } catch (RuntimeException e) {
            // nothing to find it by
        }
        return named;
    }

    /**
     * The key of a sender address an operator gives (a request's, an enrolment's): ASCII, or with a U-label domain or a
     * non-ASCII local part, as its certificate will name it. A wildcard, a domain-only name or anything but a plain mailbox
     * is refused, the refusal saying where the value is and what to do.
     */
    public static String senderAddress(String value, String where, String remedy) throws StoreException {
        checkNotWildcard(value);
        try {
            int at = value.lastIndexOf('@');
            String local = value.substring(0, at);
            if (local.chars().anyMatch(c -> c >= 0x80)) {
                return Addresses.smtpUtf8MailboxKey(value);
            }
            String key = Addresses.key(value);
            return Addresses.mailboxKey(key);
        } catch (InvalidAddressException e) {
            throw new StoreException(CertificateRule.NOT_A_MAILBOX, "'" + printable(value) + "' " + where + " is not a plain mail address"
                + " (" + e.getMessage() + "); " + remedy);
        }
    }

    private static void checkNotWildcard(String value) throws StoreException {
        if (value.contains("*") || !value.contains("@") || value.startsWith("@")) {
            throw new StoreException(CertificateRule.WILDCARD, "wildcard or domain-only address '" + printable(value) + "' refused:"
                + " use one certificate per sender address");
        }
    }

    private static void checkSubjectAddresses(X509Certificate certificate, Set<String> addresses) throws StoreException {
        List<Rdn> rdns;
        try {
            rdns = new LdapName(certificate.getSubjectX500Principal().getName(X500Principal.RFC2253,
                Collections.singletonMap(EMAIL_ADDRESS_ATTRIBUTE, "EMAILADDRESS"))).getRdns();
        } catch (InvalidNameException e) {
            throw new StoreException(CertificateRule.MALFORMED_CERTIFICATE, "the subject cannot be parsed (" + e.getMessage() + ")", e);
        }
        for (Rdn rdn : rdns) {
            Attributes attributes = rdn.toAttributes();
            Attribute email = attributes.get("EMAILADDRESS");
            if (email == null) {
                continue;
            }
            try {
                for (Object value : Collections.list(email.getAll())) {
                    String text = String.valueOf(value);
                    Optional<String> key = Addresses.normalize(text);
                    boolean named = addresses.stream().anyMatch(address -> address.equalsIgnoreCase(text.trim())
                        || key.filter(address::equals).isPresent());
                    if (!named) {
                        throw new StoreException(CertificateRule.SUBJECT_ADDRESS, "the subject's e-mail address '" + printable(text) + "' is not among the SubjectAltName"
                            + " addresses " + addresses + " (the S/MIME Baseline Requirements require it there); ask the CA for a corrected certificate");
                    }
                }
            } catch (NamingException e) {
                throw new StoreException(CertificateRule.MALFORMED_CERTIFICATE, "the subject cannot be parsed (" + e.getMessage() + ")", e);
            }
        }
    }

    private static void checkExtendedKeyUsage(X509Certificate certificate) throws StoreException {
        List<String> eku;
        try {
            eku = certificate.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new StoreException(CertificateRule.MALFORMED_CERTIFICATE, "ExtendedKeyUsage cannot be parsed (" + e.getMessage() + ")", e);
        }
        if (eku == null) {
            return;
        }
        if (eku.contains(ANY_EXTENDED_KEY_USAGE)) {
            throw new StoreException(CertificateRule.ANY_EXTENDED_KEY_USAGE, "ExtendedKeyUsage has anyExtendedKeyUsage, which the S/MIME Baseline Requirements forbid;"
                + " use a certificate issued for S/MIME (emailProtection)");
        }
        if (!eku.contains(EMAIL_PROTECTION)) {
            throw new StoreException(CertificateRule.EMAIL_PROTECTION, "ExtendedKeyUsage lacks emailProtection, so mail clients reject its signatures;"
                + " use a certificate issued for S/MIME");
        }
    }

    private static void checkSignatureAlgorithms(List<X509Certificate> chain) throws StoreException {
        for (X509Certificate certificate : chain) {
            if (CertificateFile.isSelfSigned(certificate)) {
                continue; // a root's own signature is not checked by anyone
            }
            String algorithm = certificate.getSigAlgName().toUpperCase(Locale.ROOT);
            if (algorithm.contains("SHA1") || algorithm.contains("MD5") || algorithm.contains("MD2")) {
                String whose = certificate == chain.get(0) ? "the certificate" : "the CA certificate '"
                    + SigningIdentity.readable(certificate.getSubjectX500Principal()) + "'";
                throw new StoreException(CertificateRule.WEAK_SIGNATURE, whose + " is signed with " + certificate.getSigAlgName()
                    + ", which mail clients no longer trust; ask the CA for a SHA-256 certificate");
            }
        }
    }

    /**
     * A chain from the certificate to a trust anchor, checked when the certificate is valid (now, its notBefore when
     * later, its notAfter when it has expired), with its own reason for each way it can fail; for an expired
     * certificate whose CA is not valid at its notAfter, the reason is its expiry, worded as the store's.
     */
    private void checkChain(SigningIdentity identity, List<X509Certificate> chain, Instant now) throws StoreException {
        X509Certificate certificate = identity.certificate();
        Instant when = certificate.getNotBefore().toInstant();
        if (now.isAfter(when)) {
            when = now.isAfter(certificate.getNotAfter().toInstant()) ? certificate.getNotAfter().toInstant() : now;
        }
        List<X509Certificate> path = new ArrayList<>();
        X509Certificate current = certificate;
        while (true) {
            if (anchorFor(current).isPresent()) {
                break;
            }
            Optional<X509Certificate> issuer = issuerAmong(current, identity.intermediates());
            if (issuer.isEmpty() || path.contains(issuer.get()) || path.size() > 10) {
                String end = SigningIdentity.readable(current.getIssuerX500Principal());
                throw new StoreException(FailureKind.NOT_TRUSTED, "the certificate does not chain to a trusted root: "
                    + (rootInFile(current, chain) ? "its root '" + end + "' (in the file) is not among " + anchorsName
                        + "; add that root to store.trustAnchors (CLI: --trust-anchors) if you trust it"
                        : "the chain in the file ends at '" + end + "' (issuer of '" + SigningIdentity.readable(current.getSubjectX500Principal())
                        + "'), which is neither in the file nor among " + anchorsName
                        + "; include the missing intermediates in the file, or add the CA's root to store.trustAnchors"));
            }
            path.add(issuer.get());
            current = issuer.get();
        }
        Optional<String> expired = CertificateFile.expiry(identity, now);
        for (X509Certificate ca : path) {
            boolean notYetValid = when.isBefore(ca.getNotBefore().toInstant());
            if (expired.isPresent() && (notYetValid || when.isAfter(ca.getNotAfter().toInstant()))) {
                // judged at the expired certificate's notAfter, a CA issued since (a renewed intermediate) is not valid
                // then: the certificate's own expiry is what the operator must act on
                throw new StoreException(FailureKind.EXPIRED, expired.get());
            }
            if (notYetValid) {
                throw new StoreException(FailureKind.EXPIRED, "the CA certificate '" + SigningIdentity.readable(ca.getSubjectX500Principal()) + "' is not valid before "
                    + ca.getNotBefore().toInstant() + "; import the file again from then on");
            }
            if (when.isAfter(ca.getNotAfter().toInstant())) {
                throw new StoreException(FailureKind.EXPIRED, "the CA certificate '" + SigningIdentity.readable(ca.getSubjectX500Principal()) + "' expired on "
                    + ca.getNotAfter().toInstant() + "; include the CA's current intermediate in the file");
            }
        }
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(certificate);
            PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, target);
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(when));
            List<X509Certificate> all = new ArrayList<>();
            all.add(certificate);
            all.addAll(identity.intermediates());
            parameters.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(all)));
            CertPathBuilder.getInstance("PKIX").build(parameters);
        } catch (GeneralSecurityException e) {
            throw new StoreException(FailureKind.NOT_TRUSTED, "the chain to " + anchorsName + " is not valid (" + e.getMessage()
                + "); ask the CA for a certificate and intermediates that validate");
        }
    }

    private static boolean rootInFile(X509Certificate certificate, List<X509Certificate> chain) {
        for (X509Certificate candidate : chain) {
            if (candidate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal()) && CertificateFile.isSelfSigned(candidate)) {
                return true;
            }
        }
        return false;
    }

    private Optional<TrustAnchor> anchorFor(X509Certificate certificate) {
        for (TrustAnchor anchor : anchors) {
            X509Certificate root = anchor.getTrustedCert();
            if (root.equals(certificate)) {
                return Optional.of(anchor);
            }
            if (root.getSubjectX500Principal().equals(certificate.getIssuerX500Principal()) && verifies(certificate, root)) {
                return Optional.of(anchor);
            }
        }
        return Optional.empty();
    }

    private static Optional<X509Certificate> issuerAmong(X509Certificate certificate, List<X509Certificate> candidates) {
        for (X509Certificate candidate : candidates) {
            if (candidate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal()) && verifies(certificate, candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static boolean verifies(X509Certificate certificate, X509Certificate issuer) {
        try {
            certificate.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** A SAN value as it may be printed on one line: control characters shown as \\uXXXX, long values cut. */
    static String printable(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length() && out.length() < 120; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return value.length() > 120 ? out + "..." : out.toString();
    }

    private static String fingerprintOf(Set<TrustAnchor> anchors) {
        Set<String> sorted = new TreeSet<>();
        for (TrustAnchor anchor : anchors) {
            sorted.add(CertificateFile.fingerprint(anchor.getTrustedCert()));
        }
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String root : sorted) {
                digest.update(root.getBytes(StandardCharsets.US_ASCII));
            }
            return CertificateFile.hex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "CertificateRules{" + anchorsName + "}";
    }
}
