package io.github.jamessmime.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.crypto.spec.PBEParameterSpec;

/**
 * Brings an operator's PKCS#12 into the store: the store's rules, then the S/MIME certificate profile (no SHA-1 or
 * MD5 signature, at most 825 days of validity, a chain to a trust anchor), then the key re-encrypted under the store
 * password with AES-256/PBKDF2 and written atomically as {@code <address>.p12}, so that no reader ever sees half a
 * file.
 */
public final class CertificateImport {
    static final int MAX_VALIDITY_DAYS = 825;
    private static final int PBKDF2_ITERATIONS = 10_000;

    private final Set<TrustAnchor> trustAnchors;

    private CertificateImport(Set<TrustAnchor> trustAnchors) {
        this.trustAnchors = trustAnchors;
    }

    /** Trust anchors from a PEM file of root certificates. */
    public static CertificateImport trusting(Path pemFile) throws StoreException {
        try (InputStream in = Files.newInputStream(pemFile)) {
            Set<TrustAnchor> anchors = new HashSet<>();
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                anchors.add(new TrustAnchor((X509Certificate) certificate, null));
            }
            if (anchors.isEmpty()) {
                throw new StoreException("trust store " + pemFile + " holds no certificate; give a PEM file of root certificates");
            }
            return new CertificateImport(anchors);
        } catch (IOException | GeneralSecurityException e) {
            throw new StoreException("trust store " + pemFile + " cannot be read (" + e.getMessage() + "); give a PEM file of root certificates", e);
        }
    }

    /** Trust anchors of the JDK ({@code lib/security/cacerts}). */
    public static CertificateImport trustingJdk() throws StoreException {
        Path cacerts = Path.of(System.getProperty("java.home"), "lib", "security", "cacerts");
        try (InputStream in = Files.newInputStream(cacerts)) {
            KeyStore keyStore = KeyStore.getInstance(KeyStore.getDefaultType());
            keyStore.load(in, null);
            Set<TrustAnchor> anchors = new HashSet<>();
            for (String alias : java.util.Collections.list(keyStore.aliases())) {
                Certificate certificate = keyStore.getCertificate(alias);
                if (certificate instanceof X509Certificate) {
                    anchors.add(new TrustAnchor((X509Certificate) certificate, null));
                }
            }
            return new CertificateImport(anchors);
        } catch (IOException | GeneralSecurityException e) {
            throw new StoreException("the JDK trust store " + cacerts + " cannot be read (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Validates {@code p12} (opened with its own password) and writes it into {@code storeDirectory} under the store
     * password. Gives the written files; writes nothing when any entry is refused.
     */
    public List<Path> importInto(Path storeDirectory, char[] storePassword, Path p12, char[] p12Password, Instant now)
        throws StoreException {
        List<Path> written = new ArrayList<>();
        for (SigningIdentity identity : check(p12, p12Password, now)) {
            written.add(write(storeDirectory, storePassword, identity));
        }
        return written;
    }

    /** The identities of {@code p12} when it passes the store's rules and the profile; writes nothing. */
    List<SigningIdentity> check(Path p12, char[] p12Password, Instant now) throws StoreException {
        byte[] content;
        try {
            content = Files.readAllBytes(p12);
        } catch (IOException e) {
            throw new StoreException(p12 + " cannot be read (" + e.getMessage() + ")", e);
        }
        List<CertificateFile.Entry> entries;
        try {
            entries = CertificateFile.read(p12, content, p12Password);
        } catch (StoreException e) {
            if (e.getMessage().startsWith("wrong password")) {
                throw new StoreException("wrong password: the file does not open with the password given for it");
            }
            throw e;
        }
        List<SigningIdentity> identities = new ArrayList<>();
        for (CertificateFile.Entry entry : entries) {
            java.util.Optional<String> expired = CertificateFile.expiry(entry.identity, now);
            if (expired.isPresent()) {
                throw new StoreException(expired.get());
            }
            lint(entry.identity, now);
            identities.add(entry.identity);
        }
        return identities;
    }

    /** The store file name of an identity: its first address. */
    static String fileName(SigningIdentity identity) {
        return identity.addresses().iterator().next() + ".p12";
    }

    private void lint(SigningIdentity identity, Instant now) throws StoreException {
        X509Certificate certificate = identity.certificate();
        String algorithm = certificate.getSigAlgName().toUpperCase(Locale.ROOT);
        if (algorithm.contains("SHA1") || algorithm.contains("MD5")) {
            throw new StoreException("the certificate is signed with " + certificate.getSigAlgName()
                + ", which mail clients no longer trust; ask the CA for a SHA-256 certificate");
        }
        long days = Duration.between(identity.notBefore(), identity.notAfter()).toDays();
        if (days > MAX_VALIDITY_DAYS) {
            throw new StoreException("the certificate is valid for " + days + " days, more than the " + MAX_VALIDITY_DAYS
                + " the S/MIME Baseline Requirements allow; ask the CA for a compliant certificate");
        }
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(certificate);
            PKIXBuilderParameters parameters = new PKIXBuilderParameters(trustAnchors, target);
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(now));
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(certificate);
            chain.addAll(identity.intermediates());
            parameters.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(chain)));
            CertPathBuilder.getInstance("PKIX").build(parameters);
        } catch (GeneralSecurityException e) {
            throw new StoreException("the certificate does not chain to a trusted root (" + e.getMessage()
                + "); include the intermediates in the file, or give the CA's root as trust store");
        }
    }

    private static Path write(Path storeDirectory, char[] storePassword, SigningIdentity identity) throws StoreException {
        String address = identity.addresses().iterator().next();
        Path target = storeDirectory.resolve(fileName(identity));
        Path temporary = null;
        try {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            List<Certificate> chain = new ArrayList<>();
            chain.add(identity.certificate());
            chain.addAll(identity.intermediates());
            byte[] salt = new byte[16];
            new SecureRandom().nextBytes(salt);
            keyStore.setEntry(address, new KeyStore.PrivateKeyEntry(identity.privateKey(), chain.toArray(new Certificate[0])),
                new KeyStore.PasswordProtection(storePassword, "PBEWithHmacSHA256AndAES_256", new PBEParameterSpec(salt, PBKDF2_ITERATIONS)));
            temporary = Files.createTempFile(storeDirectory, ".import-", ".tmp");
            try (OutputStream out = Files.newOutputStream(temporary)) {
                keyStore.store(out, storePassword);
            }
            try {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException | GeneralSecurityException | SigningException e) {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // the temporary file is ignored by the store (dot file) and can be removed by hand
                }
            }
            throw new StoreException("cannot write " + target + " (" + e.getMessage() + ")", e);
        }
    }
}
