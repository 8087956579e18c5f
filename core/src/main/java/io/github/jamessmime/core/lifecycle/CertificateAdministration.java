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
package io.github.jamessmime.core.lifecycle;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.Refusal;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.core.store.StoreException;

/** What an operator does with a store, over WebAdmin or the CLI: list, import, delete. */
public final class CertificateAdministration {
    private final CertificateStore store;
    private final Clock clock;

    public CertificateAdministration(CertificateStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * Every certificate of the store with its status, and every file refused before a certificate of it could be
     * read; with {@code address}, only the certificates naming it.
     */
    public List<CertificateEntry> entries(Optional<String> address) {
        Instant now = clock.instant();
        List<CertificateEntry> entries = new ArrayList<>();
        for (CertificateStore.FileReport report : store.reports()) {
            if (report.allIdentities().isEmpty()) {
                // a file refused before its certificate became an identity: found by the addresses its certificate names
                if (address.map(report::concerns).orElse(true)) {
                    entries.add(new CertificateEntry(report.name(), Optional.empty(), CertificateEntry.Status.REFUSED, report.refusedAs(),
                        report.refusedAs().map(Refusal::addresses).orElse(List.of()), false));
                }
                continue;
            }
            for (SigningIdentity identity : report.identities()) {
                if (names(identity, address)) {
                    CertificateEntry.Status status = now.isBefore(identity.notBefore())
                        ? CertificateEntry.Status.NOT_YET_VALID : CertificateEntry.Status.VALID;
                    entries.add(new CertificateEntry(report.name(), Optional.of(identity), status, report.problem(), inUse(identity)));
                }
            }
            for (SigningIdentity identity : report.expiredOrRevokedIdentities()) {
                if (names(identity, address)) {
                    CertificateEntry.Status status = now.isAfter(identity.notAfter())
                        ? CertificateEntry.Status.EXPIRED : CertificateEntry.Status.REFUSED;
                    entries.add(new CertificateEntry(report.name(), Optional.of(identity), status, report.refusedAs(),
                        List.copyOf(identity.addresses()), false));
                }
            }
        }
        return entries;
    }

    private static boolean names(SigningIdentity identity, Optional<String> address) {
        return address.map(identity.addresses()::contains).orElse(true);
    }

    private boolean inUse(SigningIdentity identity) {
        return identity.addresses().stream()
            .anyMatch(address -> store.find(address).filter(used -> used.fingerprint().equals(identity.fingerprint())).isPresent());
    }

    /** Imports a PKCS#12 (bytes and its own password) with the store's rules; this node uses it at once. */
    public Map<Path, SigningIdentity> importCertificate(byte[] p12, char[] p12Password) throws StoreException {
        return store.importCertificate(p12, p12Password);
    }

    /** Deletes the file holding the certificate with this SHA-256 (any case) and reloads; the file, or empty if none. */
    public Optional<Path> deleteCertificate(String sha256) throws StoreException {
        return store.delete(sha256);
    }
}
