package io.github.jamessmime.core;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the store learnt about each file, keyed by the file's SHA-256, so that a restart or a reload does not
 * decrypt every PKCS#12 again (each costs three PBKDF2 derivations): the verdict, and for a usable file the
 * alias and the public certificates of each entry. The private keys are not in it; an identity built from
 * the index decrypts its key from the file on first use.
 *
 * <p>The file holds only public data, and a salted PBKDF2 check value of the store password, so that an index
 * written under another password is ignored (the PKCS#12 files themselves already carry as much). It is
 * written atomically; a missing, unreadable or foreign index is simply rebuilt.
 */
final class StoreIndex {
    private static final Logger LOGGER = LoggerFactory.getLogger(StoreIndex.class);
    private static final String MAGIC = "james-smime-store-index 1";
    private static final int CHECK_ITERATIONS = 10_000;

    private StoreIndex() {
    }

    /** One key entry of an indexed file. */
    static final class IndexedIdentity {
        final String alias;
        /** Certificate first, then the intermediates. */
        final List<X509Certificate> chain;

        IndexedIdentity(String alias, List<X509Certificate> chain) {
            this.alias = alias;
            this.chain = List.copyOf(chain);
        }
    }

    /** The verdict on one file's content. */
    static final class IndexedFile {
        final String sha256;
        final Optional<String> refusal;
        final List<IndexedIdentity> identities;
        /** The identities built from it in this JVM (keys already decrypted stay so), or null. */
        volatile List<SigningIdentity> built;

        IndexedFile(String sha256, Optional<String> refusal, List<IndexedIdentity> identities) {
            this.sha256 = sha256;
            this.refusal = refusal;
            this.identities = List.copyOf(identities);
        }

        boolean sameVerdict(IndexedFile other) {
            return other != null && sha256.equals(other.sha256) && refusal.equals(other.refusal);
        }
    }

    static String sha256(byte[] content) {
        try {
            return CertificateFile.hex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The index of {@code file}, or empty when there is none or it does not belong to this password. */
    static Map<String, IndexedFile> read(Path file, char[] password) {
        Map<String, IndexedFile> entries = new HashMap<>();
        if (!Files.isRegularFile(file)) {
            return entries;
        }
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
            if (!MAGIC.equals(reader.readLine())) {
                return entries;
            }
            String[] check = reader.readLine().split(" ");
            if (check.length != 3 || !check[0].equals("check")
                || !MessageDigest.isEqual(passwordCheck(password, Base64.getDecoder().decode(check[1])), Base64.getDecoder().decode(check[2]))) {
                LOGGER.info("S/MIME store index {} was written under another store password; rebuilding it", file);
                return entries;
            }
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            Map<String, X509Certificate> certificates = new HashMap<>();
            String name = null;
            String sha = null;
            Optional<String> refusal = Optional.empty();
            List<IndexedIdentity> identities = new ArrayList<>();
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String[] fields = line.split(" ");
                if (fields[0].equals("file")) {
                    if (name != null) {
                        entries.put(name, new IndexedFile(sha, refusal, identities));
                    }
                    name = text(fields[1]);
                    sha = fields[2];
                    refusal = fields[3].equals("ok") ? Optional.empty() : Optional.of(text(fields[4]));
                    identities = new ArrayList<>();
                } else if (fields[0].equals("id")) {
                    List<X509Certificate> chain = new ArrayList<>();
                    for (String der : fields[2].split(",")) {
                        X509Certificate certificate = certificates.get(der);
                        if (certificate == null) {
                            certificate = (X509Certificate) factory.generateCertificate(
                                new ByteArrayInputStream(Base64.getDecoder().decode(der)));
                            certificates.put(der, certificate);
                        }
                        chain.add(certificate);
                    }
                    identities.add(new IndexedIdentity(text(fields[1]), chain));
                }
            }
            if (name != null) {
                entries.put(name, new IndexedFile(sha, refusal, identities));
            }
            return entries;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            LOGGER.info("S/MIME store index {} cannot be read ({}); rebuilding it", file, e.toString());
            return new HashMap<>();
        }
    }

    /** Writes the index atomically; a store directory that cannot be written only costs the next start time. */
    static void write(Path file, char[] password, Map<String, IndexedFile> entries) {
        Path temporary = null;
        try {
            temporary = Files.createTempFile(file.toAbsolutePath().getParent(), ".index-", ".tmp");
            byte[] salt = new byte[16];
            new SecureRandom().nextBytes(salt);
            Base64.Encoder base64 = Base64.getEncoder();
            try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.US_ASCII)) {
                writer.write(MAGIC + "\n");
                writer.write("check " + base64.encodeToString(salt) + " " + base64.encodeToString(passwordCheck(password, salt)) + "\n");
                for (Map.Entry<String, IndexedFile> entry : entries.entrySet()) {
                    IndexedFile indexed = entry.getValue();
                    writer.write("file " + code(entry.getKey()) + " " + indexed.sha256 + " "
                        + indexed.refusal.map(reason -> "refused " + code(reason)).orElse("ok") + "\n");
                    for (IndexedIdentity identity : indexed.identities) {
                        List<String> ders = new ArrayList<>();
                        for (X509Certificate certificate : identity.chain) {
                            ders.add(base64.encodeToString(certificate.getEncoded()));
                        }
                        writer.write("id " + code(identity.alias) + " " + String.join(",", ders) + "\n");
                    }
                }
            }
            try {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            LOGGER.info("S/MIME store index {} cannot be written ({}); the store works without it, starts are slower", file, e.toString());
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // nothing more to do
                }
            }
        }
    }

    private static byte[] passwordCheck(char[] password, byte[] salt) throws GeneralSecurityException {
        return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
            .generateSecret(new PBEKeySpec(password, salt, CHECK_ITERATIONS, 256)).getEncoded();
    }

    private static String code(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(String code) {
        return new String(Base64.getUrlDecoder().decode(code), StandardCharsets.UTF_8);
    }
}
