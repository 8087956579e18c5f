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

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CRL;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.jamessmime.core.net.AddressPolicy;
import io.github.jamessmime.core.net.BoundedHttp;

/**
 * Whether a signer certificate is revoked, from CRLs, then from its OCSP responder ({@link OcspChecker}). CRLs: those
 * in a configured directory ({@code .crl}, DER or PEM),
 * and those at the certificate's CRL distribution points (http), fetched when reachable and cached until their
 * nextUpdate. A CRL counts only when its issuer is the certificate's issuer and its signature verifies with that
 * issuer's key (taken from the certificate's chain). An unreachable distribution point is logged, not fatal: the
 * certificate stays usable unless a CRL that was read revokes it.
 *
 * <p>{@link #revocation} never touches the network: it judges by what was fetched before and notes what is missing or
 * stale; {@link #fetchPending()} fetches that, outside the store's lock, each request within one deadline
 * ({@link BoundedHttp}), and a service that failed is not asked again for five minutes.
 */
public final class RevocationChecker {
    private static final Logger LOGGER = LoggerFactory.getLogger(RevocationChecker.class);
    /** CRLs of real CAs reach a few MB; a larger answer is cut off. */
    private static final long MAX_CRL_BYTES = 10L * 1024 * 1024;
    private static final Duration UNREACHABLE_BACKOFF = Duration.ofMinutes(5);
    private static final Duration MIN_KEEP = Duration.ofMinutes(1);
    static final int PARALLEL_REQUESTS = 8;
    /** Revocation requests of every store, a bounded number at once; daemon threads, so that they never keep the JVM up. */
    private static final ExecutorService REQUESTS = Executors.newFixedThreadPool(PARALLEL_REQUESTS, runnable -> {
        Thread thread = new Thread(runnable, "smime-revocation-request");
        thread.setDaemon(true);
        return thread;
    });

    private final Optional<Path> crlDirectory;
    private final boolean fetchDistributionPoints;
    private final BoundedHttp http;
    private final Clock clock;
    private final Map<String, CachedCrl> fetched = new ConcurrentHashMap<>();
    /** Distribution points a load found never fetched or stale, fetched by {@link #fetchPending()}. */
    private final Set<String> pendingCrls = ConcurrentHashMap.newKeySet();
    private final Map<String, Instant> unreachableUntil = new ConcurrentHashMap<>();
    private volatile List<X509CRL> fromDirectory = List.of();
    private final OcspChecker ocsp;

    public RevocationChecker(Optional<Path> crlDirectory, boolean fetchDistributionPoints, Duration timeout, Clock clock) {
        this(crlDirectory, fetchDistributionPoints, timeout, clock, OcspChecker.disabled());
    }

    /** Fetching CRLs from distribution points at public addresses only. */
    public RevocationChecker(Optional<Path> crlDirectory, boolean fetchDistributionPoints, Duration timeout, Clock clock,
                             OcspChecker ocsp) {
        this(crlDirectory, fetchDistributionPoints, timeout, clock, ocsp, AddressPolicy.publicOnly());
    }

    /**
     * @param timeout   the longest one CRL fetch may take, over its whole length
     * @param ocsp      asked after the CRLs, for certificates that name an OCSP responder
     * @param addresses which distribution points may be asked ({@code revocation.allowedHosts})
     */
    public RevocationChecker(Optional<Path> crlDirectory, boolean fetchDistributionPoints, Duration timeout, Clock clock,
                             OcspChecker ocsp, AddressPolicy addresses) {
        this.ocsp = ocsp;
        this.crlDirectory = crlDirectory;
        this.fetchDistributionPoints = fetchDistributionPoints;
        this.http = new BoundedHttp(timeout, MAX_CRL_BYTES, addresses);
        this.clock = clock;
    }

    /** A checker that revokes nothing. */
    public static RevocationChecker none() {
        return new RevocationChecker(Optional.empty(), false, Duration.ofSeconds(5), Clock.systemUTC());
    }

    private static final class CachedCrl {
        final X509CRL crl;
        final Instant refreshAfter;

        CachedCrl(X509CRL crl, Instant refreshAfter) {
            this.crl = crl;
            this.refreshAfter = refreshAfter;
        }
    }

    /** Re-reads the CRL directory (the store calls it at every load). */
    void refreshDirectory() {
        if (crlDirectory.isEmpty() || !Files.isDirectory(crlDirectory.get())) {
            fromDirectory = List.of();
            return;
        }
        List<X509CRL> crls = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(crlDirectory.get())) {
            for (Path file : files) {
                String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
                if (!name.endsWith(".crl") && !name.endsWith(".pem")) {
                    continue;
                }
                try (InputStream in = Files.newInputStream(file)) {
                    for (CRL crl : CertificateFactory.getInstance("X.509").generateCRLs(in)) {
                        crls.add((X509CRL) crl);
                    }
                } catch (IOException | GeneralSecurityException e) {
                    LOGGER.warn("S/MIME CRL file {} cannot be read ({}); it is left out", file, e.getMessage());
                }
            }
        } catch (IOException e) {
            LOGGER.warn("S/MIME CRL directory {} cannot be read ({})", crlDirectory.get(), e.getMessage());
        }
        fromDirectory = List.copyOf(crls);
    }

    /** Why the identity's certificate is revoked, or empty. */
    Optional<String> revocation(SigningIdentity identity) {
        X509Certificate certificate = identity.certificate();
        List<X509Certificate> named = identity.intermediates().stream()
            .filter(ca -> ca.getSubjectX500Principal().equals(certificate.getIssuerX500Principal()))
            .collect(Collectors.toList());
        // the chain was validated when the file was loaded; only of a re-keyed CA (two certificates of one name) does
        // the key that signed this certificate have to be found again
        Optional<X509Certificate> issuer = named.size() == 1 ? Optional.of(named.get(0))
            : named.stream().filter(ca -> signed(ca, certificate)).findFirst();
        if (issuer.isEmpty()) {
            return ocsp.refusalWithoutIssuer(certificate, identity.addresses().toString());
        }
        List<X509CRL> candidates = new ArrayList<>(fromDirectory);
        if (fetchDistributionPoints) {
            for (String uri : distributionPoints(certificate)) {
                known(uri).ifPresent(candidates::add);
            }
        }
        for (X509CRL crl : candidates) {
            if (!crl.getIssuerX500Principal().equals(certificate.getIssuerX500Principal())) {
                continue;
            }
            try {
                crl.verify(issuer.get().getPublicKey());
            } catch (GeneralSecurityException e) {
                LOGGER.warn("S/MIME CRL of {} does not verify with the issuer's key ({}); it is ignored",
                    crl.getIssuerX500Principal().getName(), e.getMessage());
                continue;
            }
            X509CRLEntry entry = crl.getRevokedCertificate(certificate);
            if (entry != null) {
                return Optional.of("certificate for " + identity.addresses() + " (serial " + certificate.getSerialNumber().toString(16)
                    + ") was revoked on " + entry.getRevocationDate().toInstant()
                    + (entry.getRevocationReason() != null ? " (" + entry.getRevocationReason() + ")" : "")
                    + "; import a new certificate");
            }
        }
        return ocsp.refusal(certificate, issuer.get(), identity.addresses().toString());
    }

    private static boolean signed(X509Certificate issuer, X509Certificate certificate) {
        try {
            certificate.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The CRL of {@code uri} as last fetched, without fetching: one never fetched, or past its nextUpdate, is noted for
     * {@link #fetchPending}; a stale copy counts until a new one arrives.
     */
    private Optional<X509CRL> known(String uri) {
        Instant now = clock.instant();
        CachedCrl cached = fetched.get(uri);
        if (cached == null || !now.isBefore(cached.refreshAfter)) {
            Instant backoff = unreachableUntil.get(uri);
            if (backoff == null || !now.isBefore(backoff)) {
                pendingCrls.add(uri);
            }
        }
        return cached == null ? Optional.empty() : Optional.of(cached.crl);
    }

    /** Whether the last loads left CRLs to fetch or OCSP questions to ask. */
    boolean hasPending() {
        return !pendingCrls.isEmpty() || ocsp.hasQuestions();
    }

    /**
     * Fetches the CRLs and asks the OCSP questions that loads left, several at once (at most {@value #PARALLEL_REQUESTS}),
     * each within its deadline; never called under the store's lock. Completes, true when anything arrived that the next
     * load uses, once they all are done.
     */
    CompletableFuture<Boolean> fetchPending() {
        List<Callable<Boolean>> tasks = new ArrayList<>();
        for (String uri : new ArrayList<>(pendingCrls)) {
            if (pendingCrls.remove(uri)) {
                tasks.add(() -> fetch(uri));
            }
        }
        tasks.addAll(ocsp.questions());
        List<CompletableFuture<Boolean>> results = new ArrayList<>();
        for (Callable<Boolean> task : tasks) {
            results.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return task.call();
                } catch (Exception | Error e) {
                    LOGGER.warn("S/MIME revocation request failed unexpectedly: {}", e.toString());
                    return false;
                }
            }, REQUESTS));
        }
        return CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0]))
            .thenApply(done -> results.stream().anyMatch(CompletableFuture::join));
    }

    /** Fetches one CRL (network); true when a new one was kept. */
    private boolean fetch(String uri) {
        Instant now = clock.instant();
        CachedCrl cached = fetched.get(uri);
        try {
            byte[] bytes = http.get(uri, "application/pkix-crl, application/x-pkcs7-crl, */*");
            X509CRL crl = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(bytes));
            Instant next = crl.getNextUpdate() != null ? crl.getNextUpdate().toInstant() : now.plus(Duration.ofHours(1));
            fetched.put(uri, new CachedCrl(crl, next.isAfter(now.plus(MIN_KEEP)) ? next : now.plus(Duration.ofMinutes(5))));
            unreachableUntil.remove(uri);
            return true;
        } catch (IOException | GeneralSecurityException | ClassCastException | IllegalArgumentException e) {
            Instant until = now.plus(UNREACHABLE_BACKOFF);
            unreachableUntil.put(uri, until);
            LOGGER.warn("S/MIME CRL distribution point {} unreachable or unreadable ({}); {}; not asked again before {}", uri, e.getMessage(),
                cached != null ? "using the copy fetched before" : "revocation not known from it", until);
            return false;
        }
    }

    static List<String> distributionPoints(X509Certificate certificate) {
        List<String> uris = new ArrayList<>();
        byte[] extension = certificate.getExtensionValue(Extension.cRLDistributionPoints.getId());
        if (extension == null) {
            return uris;
        }
        try {
            ASN1Primitive value = JcaX509ExtensionUtils.parseExtensionValue(extension);
            for (DistributionPoint point : CRLDistPoint.getInstance(value).getDistributionPoints()) {
                DistributionPointName name = point.getDistributionPoint();
                if (name == null || name.getType() != DistributionPointName.FULL_NAME) {
                    continue;
                }
                for (GeneralName general : GeneralNames.getInstance(name.getName()).getNames()) {
                    String uri = general.getName().toString();
                    if (general.getTagNo() == GeneralName.uniformResourceIdentifier
                        && uri.startsWith("http://")) {
                        uris.add(uri);
                    }
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            LOGGER.warn("S/MIME certificate {}: unreadable CRL distribution points ({})", certificate.getSubjectX500Principal(), e.getMessage());
        }
        return uris;
    }
}
