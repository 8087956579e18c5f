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
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.CertException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.jamessmime.core.net.AddressPolicy;
import io.github.jamessmime.core.net.BoundedHttp;

/**
 * The OCSP status (RFC 6960) of a signer certificate, asked of the responder its Authority Information Access names
 * (http), with a nonce. A response counts only when it is signed by the certificate's issuer or by a responder the
 * issuer authorised (issued by it, with the OCSP-signing extended key usage, valid now), covers this certificate,
 * echoes the nonce if it carries one, and is current; it is cached until its nextUpdate, and at most {@code maxAge}.
 * "Revoked" makes the certificate unusable; "unknown", an unreachable responder and a response that does not count
 * follow {@link Unavailable}. An unreachable responder is not asked again for five minutes.
 *
 * <p>A load of the store only reads what is known ({@link #refusal}); the questions it leaves (never asked, or stale)
 * are asked by {@link #questions()}, outside the store's lock, and the next load uses their answers. Until then a
 * certificate never asked about is usable under {@link Unavailable#USE} and not under {@link Unavailable#REFUSE}.
 */
public final class OcspChecker {
    private static final Logger LOGGER = LoggerFactory.getLogger(OcspChecker.class);
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    private static final Duration UNREACHABLE_BACKOFF = Duration.ofMinutes(5);
    /** How long an answer without nextUpdate still counts after its refresh time, while the new one is being asked for. */
    private static final Duration STALE_GRACE = Duration.ofMinutes(2);
    /** The shortest an answer is kept, whatever its nextUpdate. */
    private static final Duration MIN_KEEP = Duration.ofMinutes(1);
    private static final int MAX_RESPONSE_BYTES = 1024 * 1024;
    private static final int CERTIFICATE_HOLD = 6;
    /** RFC 8954 2.1: a nonce of 32 octets. */
    private static final int NONCE_BYTES = 32;

    /** What a status that is not "good" or "revoked" does ({@code revocation.ocsp.unavailable}). */
    public enum Unavailable {
        /** The certificate stays usable (CRLs still apply); a warning is logged. */
        USE,
        /** The certificate is not used until its responder answers "good". */
        REFUSE;

        /** @throws IllegalArgumentException naming the accepted values */
        public static Unavailable parse(String value) {
            String setting = value.trim().toLowerCase(Locale.ROOT);
            if (setting.equals("use")) {
                return USE;
            }
            if (setting.equals("refuse")) {
                return REFUSE;
            }
            throw new IllegalArgumentException("'" + value + "' is not a choice; use use or refuse");
        }
    }

    /** The operator's settings: {@code revocation.ocsp}, {@code revocation.ocsp.timeoutSeconds}, {@code revocation.ocsp.unavailable}. */
    public static final class Settings {
        /** Asking responders, 5 s timeout, "unknown" keeps the certificate usable. */
        public static final Settings DEFAULT = new Settings(true, Duration.ofSeconds(5), Unavailable.USE);
        /** Asking nobody. */
        public static final Settings OFF = new Settings(false, Duration.ofSeconds(5), Unavailable.USE);

        final boolean enabled;
        final Duration timeout;
        final Unavailable unavailable;

        public Settings(boolean enabled, Duration timeout, Unavailable unavailable) {
            this.enabled = enabled;
            this.timeout = timeout;
            this.unavailable = unavailable;
        }

        @Override
        public String toString() {
            return enabled ? "ocsp(timeout " + timeout.toSeconds() + " s, unavailable=" + unavailable.name().toLowerCase(Locale.ROOT) + ")"
                : "no ocsp";
        }
    }

    private final boolean enabled;
    private final Duration timeout;
    private final BoundedHttp http;
    private final Unavailable unavailable;
    private final Duration maxAge;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    /** The last failure to get a verified answer, per question, until which it is not asked again. */
    private final Map<String, Answer> failures = new ConcurrentHashMap<>();
    private final Map<String, Instant> unreachableUntil = new ConcurrentHashMap<>();
    /** Questions a load found unanswered or stale, asked by {@link #questions()} outside the store's lock. */
    private final Map<String, Question> pending = new ConcurrentHashMap<>();
    /** Verified revocations (but certificateHold), by issuer and serial: never asked again. */
    private final Map<String, String> revoked = new ConcurrentHashMap<>();

    /** Asking responders at public addresses only. */
    public OcspChecker(Settings settings, Duration maxAge, Clock clock) {
        this(settings, maxAge, clock, AddressPolicy.publicOnly());
    }

    /**
     * @param maxAge    the longest an answer is kept, whatever its nextUpdate (below the store's revocation refresh)
     * @param addresses which responders may be asked ({@code revocation.allowedHosts})
     */
    public OcspChecker(Settings settings, Duration maxAge, Clock clock, AddressPolicy addresses) {
        this.http = new BoundedHttp(settings.timeout, MAX_RESPONSE_BYTES, addresses);
        this.enabled = settings.enabled;
        this.timeout = settings.timeout;
        this.unavailable = settings.unavailable;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    /** A checker that asks nobody. */
    public static OcspChecker disabled() {
        return new OcspChecker(Settings.OFF, Duration.ofHours(1), Clock.systemUTC());
    }

    /** A responder's verified answer, or why there is none; kept until {@code refreshAfter}. */
    private static final class Answer {
        final CertificateStatus status;
        final String problem;
        final Instant refreshAfter;
        /** Until when a verified answer counts while a newer one cannot be had: its nextUpdate, or shortly after refreshAfter. */
        final Instant validUntil;

        Answer(CertificateStatus status, String problem, Instant refreshAfter) {
            this(status, problem, refreshAfter, refreshAfter);
        }

        Answer(CertificateStatus status, String problem, Instant refreshAfter, Instant validUntil) {
            this.status = status;
            this.problem = problem;
            this.refreshAfter = refreshAfter;
            this.validUntil = validUntil;
        }

        static Answer failed(String problem) {
            return new Answer(null, problem, Instant.MIN);
        }

        static final Answer NOT_ASKED = failed("not asked yet (it is asked in the background)");

        boolean verified() {
            return problem == null;
        }
    }

    /** Why {@code certificate} may not be used by what its OCSP responders say, or empty. */
    Optional<String> refusal(X509Certificate certificate, X509Certificate issuer, String addresses) {
        if (!enabled) {
            return Optional.empty();
        }
        String key = issuer.getSubjectX500Principal().getName() + " " + certificate.getSerialNumber();
        String revokedBefore = revoked.get(key);
        if (revokedBefore != null) {
            // a verified revocation is final: a later failure to ask (or a blocked responder) does not undo it
            return Optional.of(revokedBefore);
        }
        List<String> problems = new ArrayList<>();
        boolean onlyNotAsked = true;
        for (String uri : responders(certificate)) {
            Answer answer = answer(uri, certificate, issuer);
            onlyNotAsked &= answer == Answer.NOT_ASKED;
            if (!answer.verified()) {
                problems.add(uri + ": " + answer.problem);
                continue;
            }
            if (answer.status instanceof RevokedStatus) {
                Optional<String> refusal = revocation(certificate, (RevokedStatus) answer.status, addresses, uri);
                if (refusal.isPresent()) {
                    if (!onHold((RevokedStatus) answer.status)) {
                        revoked.put(key, refusal.get());
                    }
                    return refusal;
                }
                problems.add(uri + ": unreadable revocation details");
                continue;
            }
            if (answer.status instanceof UnknownStatus) {
                problems.add(uri + ": the responder does not know the certificate");
                continue;
            }
            return Optional.empty();
        }
        if (onlyNotAsked && unavailable == Unavailable.USE) {
            // usable as with an unreachable responder, without a warning: the question is on its way
            return Optional.empty();
        }
        return unavailable(certificate, addresses, problems);
    }

    /**
     * For a certificate whose issuer is not at hand (not in its file's chain): its responder cannot be asked, which
     * follows the unavailable policy when it names one.
     */
    Optional<String> refusalWithoutIssuer(X509Certificate certificate, String addresses) {
        if (!enabled || responders(certificate).isEmpty()) {
            return Optional.empty();
        }
        return unavailable(certificate, addresses, List.of("its issuer's certificate is not in the file's chain, so its responder"
            + " cannot be asked"));
    }

    /** The refusal of a revoked certificate; a certificateHold is not kept beyond the answer's lifetime. */
    private static Optional<String> revocation(X509Certificate certificate, RevokedStatus status, String addresses, String uri) {
        try {
            boolean hasReason = status.hasRevocationReason();
            return Optional.of("certificate for " + addresses + " (serial " + certificate.getSerialNumber().toString(16)
                + ") was revoked on " + status.getRevocationTime().toInstant()
                + (hasReason ? " (" + reason(status.getRevocationReason()) + ")" : "")
                + " according to its OCSP responder " + uri + "; import a new certificate");
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static boolean onHold(RevokedStatus status) {
        try {
            return status.hasRevocationReason() && status.getRevocationReason() == CERTIFICATE_HOLD;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private Optional<String> unavailable(X509Certificate certificate, String addresses, List<String> problems) {
        if (problems.isEmpty()) {
            return Optional.empty();
        }
        String what = "OCSP status of the certificate for " + addresses + " (serial " + certificate.getSerialNumber().toString(16)
            + ") is not known (" + String.join("; ", problems) + ")";
        if (unavailable == Unavailable.REFUSE) {
            return Optional.of(what + "; it is not used (revocation.ocsp.unavailable=refuse)");
        }
        LOGGER.warn("S/MIME {}; it stays usable (revocation.ocsp.unavailable=use), CRLs still apply", what);
        return Optional.empty();
    }

    /**
     * The answer known now, without asking: a current one, or why there is none. A question never asked, or whose answer
     * is stale, is noted for {@link #questions()}; a stale verified answer counts until the new one arrives.
     */
    private Answer answer(String uri, X509Certificate certificate, X509Certificate issuer) {
        Instant now = clock.instant();
        String key = uri + " " + issuer.getSubjectX500Principal().getName() + " " + certificate.getSerialNumber();
        Answer cached = answers.get(key);
        if (cached != null && now.isBefore(cached.refreshAfter)) {
            return cached;
        }
        // stale: it counts only as long as the responder vouched for it (its nextUpdate); after that it is no answer
        Answer stale = cached != null && now.isBefore(cached.validUntil) ? cached : null;
        Instant backoff = unreachableUntil.get(uri);
        Answer failure = failures.get(key);
        if (backoff != null && now.isBefore(backoff)) {
            return stale != null ? stale
                : Answer.failed(failure != null ? failure.problem : "unreachable, not asked again before " + backoff);
        }
        if (failure != null && now.isBefore(failure.refreshAfter)) {
            return stale != null ? stale : failure;
        }
        pending.put(key, new Question(key, uri, certificate, issuer));
        if (stale != null) {
            return stale;
        }
        return cached != null ? Answer.failed("its last answer expired on " + cached.validUntil + " and a new one is being asked for")
            : Answer.NOT_ASKED;
    }

    /** Whether a load left questions to ask. */
    boolean hasQuestions() {
        return !pending.isEmpty();
    }

    /**
     * The questions loads left, each to be run once (outside the store's lock): it asks its responder within the
     * timeout and keeps the answer, or the failure; gives true when it learnt something a load would use.
     */
    List<Callable<Boolean>> questions() {
        List<Callable<Boolean>> tasks = new ArrayList<>();
        for (String key : new ArrayList<>(pending.keySet())) {
            Question question = pending.remove(key);
            if (question != null) {
                tasks.add(question::ask);
            }
        }
        return tasks;
    }

    /** One certificate's question to one responder. */
    private final class Question {
        final String key;
        final String uri;
        final X509Certificate certificate;
        final X509Certificate issuer;

        Question(String key, String uri, X509Certificate certificate, X509Certificate issuer) {
            this.key = key;
            this.uri = uri;
            this.certificate = certificate;
            this.issuer = issuer;
        }

        boolean ask() {
            Instant now = clock.instant();
            Instant backoff = unreachableUntil.get(uri);
            if (backoff != null && now.isBefore(backoff)) {
                // another question to this responder failed meanwhile
                failures.put(key, new Answer(null, "unreachable, not asked again before " + backoff, backoff));
                return true;
            }
            Answer answer;
            try {
                answer = OcspChecker.this.ask(uri, certificate, issuer, now);
            } catch (IOException e) {
                Instant until = now.plus(UNREACHABLE_BACKOFF);
                unreachableUntil.put(uri, until);
                failures.put(key, new Answer(null, "unreachable (" + e.getMessage() + ")", until));
                return true;
            } catch (OCSPException | GeneralSecurityException | OperatorCreationException | RuntimeException e) {
                failures.put(key, new Answer(null, "unreadable response (" + e.getMessage() + ")", now.plus(UNREACHABLE_BACKOFF)));
                return true;
            }
            unreachableUntil.remove(uri);
            if (answer.verified()) {
                failures.remove(key);
                answers.put(key, answer);
            } else {
                failures.put(key, new Answer(null, answer.problem, now.plus(UNREACHABLE_BACKOFF)));
            }
            return true;
        }
    }

    private Answer ask(String uri, X509Certificate certificate, X509Certificate issuer, Instant now)
        throws IOException, OCSPException, GeneralSecurityException, OperatorCreationException {
        DigestCalculatorProvider digests = new JcaDigestCalculatorProviderBuilder().build();
        X509CertificateHolder issuerHolder = new JcaX509CertificateHolder(issuer);
        CertificateID id = new CertificateID(digests.get(CertificateID.HASH_SHA1), issuerHolder, certificate.getSerialNumber());
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        // RFC 8954: the extension's value is the DER encoding of an OCTET STRING holding the nonce
        Extension nonceExtension = new Extension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce, false,
            new DEROctetString(new DEROctetString(nonce).getEncoded()));
        byte[] request = new OCSPReqBuilder().addRequest(id).setRequestExtensions(new Extensions(nonceExtension)).build().getEncoded();
        OCSPResp response = new OCSPResp(post(uri, request));
        if (response.getStatus() != OCSPResp.SUCCESSFUL) {
            return Answer.failed("the responder answered with status " + response.getStatus() + " instead of a response");
        }
        if (!(response.getResponseObject() instanceof BasicOCSPResp)) {
            return Answer.failed("not a basic OCSP response");
        }
        BasicOCSPResp basic = (BasicOCSPResp) response.getResponseObject();
        if (!signedByAuthorisedResponder(basic, issuerHolder, issuer, now)) {
            return Answer.failed("the response is not signed by the issuer nor by a responder it authorised");
        }
        Extension echoed = basic.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
        if (echoed != null && !Arrays.equals(echoed.getExtnValue().getOctets(), nonceExtension.getExtnValue().getOctets())) {
            return Answer.failed("the response answers another request (nonce)");
        }
        for (SingleResp single : basic.getResponses()) {
            CertificateID answered = single.getCertID();
            if (!answered.getSerialNumber().equals(certificate.getSerialNumber()) || !answered.matchesIssuer(issuerHolder, digests)) {
                continue;
            }
            if (single.getThisUpdate().toInstant().isAfter(now.plus(CLOCK_SKEW))) {
                return Answer.failed("the response is dated in the future (" + single.getThisUpdate().toInstant() + ")");
            }
            Date nextUpdate = single.getNextUpdate();
            if (nextUpdate != null && nextUpdate.toInstant().isBefore(now.minus(CLOCK_SKEW))) {
                return Answer.failed("the response expired on " + nextUpdate.toInstant());
            }
            // RFC 6960 3.2: without our nonce and without nextUpdate, only a recent answer is current (no replay)
            if (echoed == null && nextUpdate == null && single.getThisUpdate().toInstant().isBefore(now.minus(maxAge).minus(CLOCK_SKEW))) {
                return Answer.failed("the response of " + single.getThisUpdate().toInstant() + " has neither a nonce nor a nextUpdate"
                    + " and is too old to be current");
            }
            Instant keepUntil = now.plus(maxAge);
            if (nextUpdate != null && nextUpdate.toInstant().isBefore(keepUntil)) {
                keepUntil = nextUpdate.toInstant();
            }
            // an answer at the end of its life is not asked for again at once, over and over (within maxAge)
            Instant shortest = now.plus(MIN_KEEP.compareTo(maxAge) < 0 ? MIN_KEEP : maxAge);
            if (keepUntil.isBefore(shortest)) {
                keepUntil = shortest;
            }
            // a stale answer counts while the next is being asked for, never beyond what the responder vouched for
            Instant validUntil = nextUpdate != null ? nextUpdate.toInstant() : keepUntil.plus(STALE_GRACE);
            return new Answer(single.getCertStatus(), null, keepUntil, validUntil.isAfter(keepUntil) ? validUntil : keepUntil);
        }
        return Answer.failed("the response does not cover this certificate");
    }

    private static boolean signedByAuthorisedResponder(BasicOCSPResp response, X509CertificateHolder issuerHolder,
                                                       X509Certificate issuer, Instant now) throws OperatorCreationException {
        ContentVerifierProvider issuerKey = new JcaContentVerifierProviderBuilder().build(issuer.getPublicKey());
        if (valid(response, issuerKey)) {
            return true;
        }
        Date date = Date.from(now);
        for (X509CertificateHolder responder : response.getCerts()) {
            try {
                if (!responder.getIssuer().equals(issuerHolder.getSubject()) || !responder.isSignatureValid(issuerKey)
                    || !responder.isValidOn(date) || !ocspSigning(responder)) {
                    continue;
                }
                if (valid(response, new JcaContentVerifierProviderBuilder().build(responder))) {
                    return true;
                }
            } catch (GeneralSecurityException | CertException | RuntimeException e) {
                LOGGER.debug("OCSP responder certificate {} not usable: {}", responder.getSubject(), e.getMessage());
            }
        }
        return false;
    }

    private static boolean valid(BasicOCSPResp response, ContentVerifierProvider key) {
        try {
            return response.isSignatureValid(key);
        } catch (OCSPException | RuntimeException e) {
            return false;
        }
    }

    private static boolean ocspSigning(X509CertificateHolder responder) {
        ExtendedKeyUsage eku = ExtendedKeyUsage.fromExtensions(responder.getExtensions());
        return eku != null && eku.hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning);
    }

    /** One exchange, cut at the timeout over its whole length; no redirect followed; internal addresses only when allowed. */
    private byte[] post(String uri, byte[] request) throws IOException {
        return http.post(uri, "application/ocsp-request", request, "application/ocsp-response");
    }

    private static String reason(int code) {
        String[] names = {"unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
            "cessationOfOperation", "certificateHold", "unused", "removeFromCRL", "privilegeWithdrawn", "aACompromise"};
        return code >= 0 && code < names.length ? names[code] : "reason " + code;
    }

    /** The http OCSP responders of the certificate's Authority Information Access (RFC 6960 and the CA/B rules use http). */
    static List<String> responders(X509Certificate certificate) {
        List<String> uris = new ArrayList<>();
        byte[] extension = certificate.getExtensionValue(Extension.authorityInfoAccess.getId());
        if (extension == null) {
            return uris;
        }
        try {
            AuthorityInformationAccess access = AuthorityInformationAccess.getInstance(JcaX509ExtensionUtils.parseExtensionValue(extension));
            for (AccessDescription description : access.getAccessDescriptions()) {
                GeneralName location = description.getAccessLocation();
                String uri = location.getName().toString();
                if (description.getAccessMethod().equals(AccessDescription.id_ad_ocsp)
                    && location.getTagNo() == GeneralName.uniformResourceIdentifier
                    && uri.startsWith("http://")) {
                    uris.add(uri);
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            LOGGER.warn("S/MIME certificate {}: unreadable Authority Information Access ({})", certificate.getSubjectX500Principal(),
                e.getMessage());
        }
        return uris;
    }
}
