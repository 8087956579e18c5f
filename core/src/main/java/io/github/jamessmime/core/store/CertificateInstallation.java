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

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import io.github.jamessmime.core.failure.FailureKind;

/**
 * Puts a CA-issued certificate together with the pending key it was requested for: the certificate is found by the
 * key's public key, judged by the store's rules as every import is, and written with the key and its chain as the
 * sender's store file (atomically); then the pending key is removed. A renewal is written beside the certificate in
 * use, so that both are in the store and the store uses the new one from its notBefore on, with no gap. Nothing is
 * written when anything is refused.
 */
public final class CertificateInstallation {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Path storeDirectory;
    private final Supplier<char[]> password;
    private final CertificateRules rules;
    private final PendingKeys pending;

    CertificateInstallation(Path storeDirectory, Supplier<char[]> password, CertificateRules rules, PendingKeys pending) {
        this.storeDirectory = storeDirectory;
        this.password = password;
        this.rules = rules;
        this.pending = pending;
    }

    /** A certificate installed: its address, where it went (a store file, a token entry), and whether it waits for its notBefore. */
    public static final class Installed {
        private final String address;
        private final String source;
        private final SigningIdentity identity;
        private final boolean staged;

        public Installed(String address, String source, SigningIdentity identity, Instant now) {
            this.address = address;
            this.source = source;
            this.identity = identity;
            this.staged = now.isBefore(identity.notBefore());
        }

        public String address() {
            return address;
        }

        /** The store file's name, or the token entry ({@code pkcs11:<token>/<alias>}). */
        public String source() {
            return source;
        }

        public SigningIdentity identity() {
            return identity;
        }

        /** Not valid yet: the store uses it from its notBefore on (the certificate in use until then). */
        public boolean staged() {
            return staged;
        }
    }

    /**
     * Installs the certificate among {@code certificates} (the CA's answer: the certificate, optionally its chain) that
     * is for a pending key: for {@code address}'s when given.
     */
    public Installed install(List<X509Certificate> certificates, Optional<String> address, Instant now) throws StoreException {
        List<PendingKeys.Pending> candidates = new ArrayList<>();
        if (address.isPresent()) {
            candidates.add(pending.find(address.get()).orElseThrow(() -> new StoreException(FailureKind.NOT_FOUND, "no request is pending"
                + " for " + CertificateRules.printable(address.get()) + "; make one first (request), and install the certificate the CA"
                + " issues for it")));
        } else {
            candidates.addAll(pending.list());
        }
        for (PendingKeys.Pending key : candidates) {
            Optional<X509Certificate> issued = certificates.stream()
                .filter(certificate -> certificate.getPublicKey().equals(key.placeholder.getPublicKey())).findFirst();
            if (issued.isPresent()) {
                return install(key, issued.get(), certificates, now);
            }
        }
        if (address.isPresent()) {
            throw new StoreException(CertificateRule.KEY_MISMATCH, "none of the " + certificates.size() + " certificates given is for the"
                + " key requested for " + candidates.get(0).address() + " (their public keys differ); give the certificate the CA issued"
                + " for that request");
        }
        throw new StoreException(FailureKind.NOT_FOUND, "none of the " + certificates.size() + " certificates given is for a pending key"
            + (candidates.isEmpty() ? " (none is pending)" : " (pending: " + candidates.stream().map(PendingKeys.Pending::address)
                .collect(Collectors.joining(", ")) + ")")
            + "; a certificate whose key was made elsewhere is imported with its key as PKCS#12 (import)");
    }

    private Installed install(PendingKeys.Pending key, X509Certificate issued, List<X509Certificate> certificates, Instant now)
        throws StoreException {
        if (now.isAfter(issued.getNotAfter().toInstant())) {
            throw new StoreException(FailureKind.EXPIRED, "the certificate for " + key.address() + " expired on "
                + issued.getNotAfter().toInstant() + "; ask the CA for a current one");
        }
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(issued);
        certificates.stream().filter(certificate -> !certificate.equals(issued)).forEach(chain::add);
        Path target = target(key.address(), issued);
        SigningIdentity identity = rules.validate(target, key.key, chain, now);
        if (!identity.addresses().contains(key.address())) {
            throw new StoreException(FailureKind.BAD_INPUT, "the certificate names " + identity.addresses() + ", not "
                + key.address() + ", the address its key was requested for; ask the CA for a certificate of that address");
        }
        List<Certificate> written = new ArrayList<>(chain);
        rules.root(identity).filter(root -> !written.contains(root)).ifPresent(written::add);
        CertificateImport.writePkcs12(target, password.get(), key.address(), key.key, written);
        pending.delete(key.address());
        return new Installed(key.address(), target.getFileName().toString(), identity, now);
    }

    /**
     * {@code <address>.p12}, or beside a file of that name (the certificate in use, say) {@code
     * <address>.<notBefore>.p12}: an installed certificate never replaces one that may still be signing.
     */
    private Path target(String address, X509Certificate issued) throws StoreException {
        String stem = StoreFileNames.stem(address);
        Path plain = CertificateImport.confined(storeDirectory, stem + ".p12");
        if (!Files.exists(plain)) {
            return plain;
        }
        Path dated = CertificateImport.confined(storeDirectory, stem + "." + STAMP.format(issued.getNotBefore().toInstant()) + ".p12");
        return Files.exists(dated)
            ? CertificateImport.confined(storeDirectory, stem + "." + issued.getSerialNumber().toString(16) + ".p12") : dated;
    }
}
