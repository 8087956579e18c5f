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

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.health.StoreHealth;
import io.github.jamessmime.core.store.CertificateInput;
import io.github.jamessmime.core.store.CertificateInstallation;
import io.github.jamessmime.core.store.CertificateRules;
import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.CertificationRequest;
import io.github.jamessmime.core.store.KeyType;
import io.github.jamessmime.core.store.PendingKeys;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.core.store.StoreException;
import io.github.jamessmime.core.store.TokenEnrolment;

/**
 * Certificates obtained without a private key ever leaving where it signs, for WebAdmin and the CLI: a request makes
 * the key where it will sign (the PKCS#11 token when the store has one, else the store, as a pending key) and gives
 * its PKCS#10 request for the CA; installing the CA's certificate puts it together with that key; renewal requests
 * for every sender whose certificate expires soon. Pending keys live in the shared store (or the token), so a request
 * made on one node is installed on any.
 */
public final class CertificateRequests {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

    private final CertificateStore store;
    private final Clock clock;

    public CertificateRequests(CertificateStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** A request made: the pending key and its PKCS#10 request. */
    public static final class Request {
        private final PendingKeys.Pending pending;
        private final byte[] csr;

        Request(PendingKeys.Pending pending, byte[] csr) {
            this.pending = pending;
            this.csr = csr.clone();
        }

        public PendingKeys.Pending pending() {
            return pending;
        }

        /** The request as PEM, for the CA. */
        public String pem() {
            return CertificationRequest.pem(csr);
        }
    }

    /**
     * Makes a key of {@code type} for {@code address} where it will sign and gives its request. An address with a
     * pending request keeps it ({@link FailureKind#PENDING}) unless {@code replace}.
     */
    public Request request(String address, KeyType type, boolean replace) throws StoreException {
        String mailbox = CertificateRules.senderAddress(address, "as the address of a request", "give the sender address the certificate is for");
        Optional<PendingKeys.Pending> existing = find(mailbox);
        if (existing.isPresent()) {
            if (!replace) {
                throw new StoreException(FailureKind.PENDING, "a request for " + mailbox + " is pending since " + existing.get().created()
                    + " (" + existing.get().keyType() + ", " + existing.get().source() + "); install its certificate, or ask again with"
                    + " replace to make a new key (the pending one is then discarded)");
            }
            discard(existing.get());
        }
        Instant now = clock.instant();
        Optional<TokenEnrolment> token = store.tokenEnrolment();
        if (token.isPresent()) {
            String alias = token.get().holds(mailbox) ? mailbox + "." + DAY.format(now) : mailbox;
            byte[] csr = token.get().generateKey(alias, mailbox, CertificationRequest.mailboxSubject(mailbox).getName(), type, now);
            return new Request(findIn(token.get().pending(), mailbox).orElseThrow(), csr);
        }
        byte[] csr = store.pendingKeys().request(mailbox, type, now);
        return new Request(store.pendingKeys().find(mailbox).orElseThrow(), csr);
    }

    /**
     * Requests a renewal for every sender whose certificate lasting longest expires within {@code window} and that has
     * no pending request; gives the requests made.
     */
    public List<Request> renew(Duration window, KeyType type) throws StoreException {
        List<Request> made = new ArrayList<>();
        for (String address : expiringWithoutRenewal(window)) {
            made.add(request(address, type, false));
        }
        return made;
    }

    /**
     * The senders whose certificate lasting longest (staged renewals included) expires within {@code window}, with no
     * pending request: what the health check names and the gauge counts.
     */
    public List<String> expiringWithoutRenewal(Duration window) {
        return StoreHealth.evaluate(store, clock.instant(), window).expiringWithoutRenewal();
    }

    /** Every pending request, the store's and the token's, by address. */
    public List<PendingKeys.Pending> pending() throws StoreException {
        List<PendingKeys.Pending> pending = new ArrayList<>(store.pendingKeys().list());
        Optional<TokenEnrolment> token = store.tokenEnrolment();
        if (token.isPresent()) {
            pending.addAll(token.get().pending());
        }
        pending.sort(Comparator.comparing(PendingKeys.Pending::address).thenComparing(PendingKeys.Pending::created));
        return pending;
    }

    /** The PKCS#10 request of {@code address}'s pending key (made again from the key), if one is pending. */
    public Optional<Request> pendingRequest(String address) throws StoreException {
        Optional<PendingKeys.Pending> pending = find(address);
        if (pending.isEmpty()) {
            return Optional.empty();
        }
        Optional<TokenEnrolment> token = store.tokenEnrolment();
        byte[] csr = token.isPresent() && pending.get().source().startsWith("pkcs11:") ? token.get().csr(pending.get())
            : store.pendingKeys().csr(pending.get().address()).orElseThrow();
        return Optional.of(new Request(pending.get(), csr));
    }

    /** Discards the pending request of {@code address}: its key is removed. False when none is pending. */
    public boolean delete(String address) throws StoreException {
        Optional<PendingKeys.Pending> pending = find(address);
        if (pending.isEmpty()) {
            return false;
        }
        discard(pending.get());
        return true;
    }

    /**
     * Installs the CA's answer ({@code input}: PEM, DER or PKCS#7; the certificate, optionally with its chain) for the
     * pending key it certifies (for {@code address}'s when given), by the store's rules; the store (and every node
     * sharing it) uses it at once, or from its notBefore on.
     */
    public CertificateInstallation.Installed install(byte[] input, Optional<String> address) throws StoreException {
        List<java.security.cert.X509Certificate> certificates = CertificateInput.read(input);
        Optional<PendingKeys.Pending> tokenKey = tokenKeyFor(certificates, address);
        if (tokenKey.isPresent()) {
            TokenEnrolment token = store.tokenEnrolment().orElseThrow();
            SigningIdentity identity = token.installCertificate(token.alias(tokenKey.get()), certificates, store.rules(), clock.instant());
            store.refreshToken();
            return new CertificateInstallation.Installed(tokenKey.get().address(), tokenKey.get().source(), identity, clock.instant());
        }
        return store.install(certificates, address);
    }

    private Optional<PendingKeys.Pending> tokenKeyFor(List<java.security.cert.X509Certificate> certificates, Optional<String> address)
        throws StoreException {
        Optional<TokenEnrolment> token = store.tokenEnrolment();
        if (token.isEmpty()) {
            return Optional.empty();
        }
        for (PendingKeys.Pending pending : token.get().pending()) {
            boolean forAddress = address.map(wanted -> pending.address().equalsIgnoreCase(wanted)).orElse(true);
            boolean certified = certificates.stream().anyMatch(certificate -> certificate.getPublicKey().equals(pending.publicKey()));
            if (forAddress && (certified || address.isPresent() && store.pendingKeys().find(pending.address()).isEmpty())) {
                return Optional.of(pending);
            }
        }
        return Optional.empty();
    }

    private Optional<PendingKeys.Pending> find(String address) throws StoreException {
        Optional<PendingKeys.Pending> inStore = store.pendingKeys().find(address);
        if (inStore.isPresent()) {
            return inStore;
        }
        Optional<TokenEnrolment> token = store.tokenEnrolment();
        return token.isPresent() ? findIn(token.get().pending(), address) : Optional.empty();
    }

    private static Optional<PendingKeys.Pending> findIn(List<PendingKeys.Pending> pending, String address) {
        return pending.stream().filter(key -> key.address().equalsIgnoreCase(address)).max(Comparator.comparing(PendingKeys.Pending::created));
    }

    private void discard(PendingKeys.Pending pending) throws StoreException {
        Optional<TokenEnrolment> token = store.tokenEnrolment();
        if (token.isPresent() && pending.source().startsWith("pkcs11:")) {
            token.get().discard(token.get().alias(pending));
            store.refreshToken();
        } else {
            store.pendingKeys().delete(pending.address());
        }
    }
}
