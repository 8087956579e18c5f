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
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.crypto.spec.PBEParameterSpec;

import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.files.AtomicFiles;

/**
 * Brings an operator's PKCS#12 into the store: {@link CertificateRules} (the same rules the store applies at every
 * load), then the key re-encrypted under the store password with AES-256/PBKDF2 and written atomically as
 * {@code <address>.p12} inside the store directory, so that no reader ever sees half a file.
 */
public final class CertificateImport {
    private static final int PBKDF2_ITERATIONS = 10_000;

    private final CertificateRules rules;

    public CertificateImport(CertificateRules rules) {
        this.rules = rules;
    }

    public CertificateRules rules() {
        return rules;
    }

    /**
     * Validates {@code p12} (opened with its own password) and writes it into {@code storeDirectory} under the store
     * password. Gives the written files; writes nothing when any entry is refused.
     */
    public List<Path> importInto(Path storeDirectory, char[] storePassword, Path p12, char[] p12Password, Instant now)
        throws StoreException {
        return new ArrayList<>(importAll(storeDirectory, storePassword, p12, p12Password, now).keySet());
    }

    /** As {@link #importInto}, giving each written file with the identity written into it. */
    public Map<Path, SigningIdentity> importAll(Path storeDirectory, char[] storePassword, Path p12, char[] p12Password,
                                                          Instant now) throws StoreException {
        Map<Path, SigningIdentity> written = new LinkedHashMap<>();
        for (SigningIdentity identity : inspect(p12, p12Password, now)) {
            written.put(write(storeDirectory, storePassword, identity, rules.root(identity)), identity);
        }
        return written;
    }

    /** The identities of {@code p12} when it passes the store's rules and the profile; writes nothing. */
    public List<SigningIdentity> inspect(Path p12, char[] p12Password, Instant now) throws StoreException {
        byte[] content;
        try {
            content = Files.readAllBytes(p12);
        } catch (IOException e) {
            throw new StoreException(FailureKind.IO, p12 + " cannot be read (" + e.getMessage() + ")", e);
        }
        return inspect(p12, content, p12Password, now);
    }

    /** As {@link #importAll}, for a PKCS#12 already in memory (an upload): nothing is staged on disk. */
    public Map<Path, SigningIdentity> importAll(Path storeDirectory, char[] storePassword, byte[] p12, char[] p12Password,
                                                          Instant now) throws StoreException {
        Map<Path, SigningIdentity> written = new LinkedHashMap<>();
        for (SigningIdentity identity : inspect(Path.of("upload.p12"), p12, p12Password, now)) {
            written.put(write(storeDirectory, storePassword, identity, rules.root(identity)), identity);
        }
        return written;
    }

    private List<SigningIdentity> inspect(Path p12, byte[] content, char[] p12Password, Instant now) throws StoreException {
        List<CertificateFile.Entry> entries;
        try {
            entries = CertificateFile.read(p12, content, p12Password, rules, now);
        } catch (StoreException e) {
            if (e.kind() == FailureKind.WRONG_PASSWORD) {
                throw new StoreException(FailureKind.WRONG_PASSWORD, CertificateFile.WRONG_PASSWORD + ": the file does not open with the password given for it");
            }
            throw e;
        }
        List<SigningIdentity> identities = new ArrayList<>();
        for (CertificateFile.Entry entry : entries) {
            Optional<String> expired = CertificateFile.expiry(entry.identity, now);
            if (expired.isPresent()) {
                throw new StoreException(FailureKind.EXPIRED, expired.get());
            }
            identities.add(entry.identity);
        }
        return identities;
    }

    /**
     * The store file name of an identity: its first address, which {@link CertificateRules} only lets through as a
     * plain mailbox, as {@link StoreFileNames} writes it (a single file name component).
     */
    public static String fileName(SigningIdentity identity) {
        return StoreFileNames.stem(identity.addresses().iterator().next()) + ".p12";
    }

    /** {@code name} inside {@code storeDirectory}, or a refusal when it would resolve anywhere else. */
    static Path confined(Path storeDirectory, String name) throws StoreException {
        if (name.length() > 255) {
            throw new StoreException(CertificateRule.NOT_A_MAILBOX, "the certificate's address '" + CertificateRules.printable(name)
                + "' is too long to name a file inside the store (" + name.length() + " characters as a file name, at most 255)");
        }
        Path directory = storeDirectory.toAbsolutePath().normalize();
        Path target = directory.resolve(name).normalize();
        if (name.isEmpty() || name.length() > 255 || name.startsWith(".") || name.indexOf('\0') >= 0
            || !directory.equals(target.getParent()) || !target.getFileName().toString().equals(name)) {
            throw new StoreException(CertificateRule.NOT_A_MAILBOX, "the certificate's address '" + CertificateRules.printable(name)
                + "' cannot name a file inside the store; ask the CA for a certificate naming a plain sender address");
        }
        return target;
    }

    /**
     * Writes the key with its certificate, intermediates and {@code root}: a file without its root (the identity leaves it
     * out) would later be judged by another chain than the one judged now, and a root no longer trusted then would be
     * reported as a missing intermediate.
     */
    private static Path write(Path storeDirectory, char[] storePassword, SigningIdentity identity, Optional<X509Certificate> root)
        throws StoreException {
        Path target = confined(storeDirectory, fileName(identity));
        List<Certificate> chain = new ArrayList<>();
        chain.add(identity.certificate());
        chain.addAll(identity.intermediates());
        root.filter(certificate -> !chain.contains(certificate)).ifPresent(chain::add);
        writePkcs12(target, storePassword, identity.addresses().iterator().next(), identity.privateKey(), chain);
        return target;
    }

    /**
     * Writes one key entry as a PKCS#12 file under the store password (AES-256, PBKDF2), atomically: readers see the old
     * file or the new one, never half of one.
     */
    static void writePkcs12(Path target, char[] storePassword, String alias, PrivateKey key, List<Certificate> chain) throws StoreException {
        try {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            byte[] salt = new byte[16];
            new SecureRandom().nextBytes(salt);
            keyStore.setEntry(alias, new KeyStore.PrivateKeyEntry(key, chain.toArray(new Certificate[0])),
                new KeyStore.PasswordProtection(storePassword, "PBEWithHmacSHA256AndAES_256", new PBEParameterSpec(salt, PBKDF2_ITERATIONS)));
            AtomicFiles.write(target, out -> {
                try {
                    keyStore.store(out, storePassword);
                } catch (GeneralSecurityException e) {
                    throw new IOException(e.getMessage(), e);
                }
            });
        } catch (IOException | GeneralSecurityException e) {
            throw new StoreException(FailureKind.IO, "cannot write " + target + " (" + e.getMessage() + ")", e);
        }
    }
}
