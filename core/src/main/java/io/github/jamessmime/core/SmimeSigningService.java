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
package io.github.jamessmime.core;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Enumeration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import javax.mail.Header;
import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.jamessmime.core.address.Addresses;
import io.github.jamessmime.core.address.FromAddress;
import io.github.jamessmime.core.assembly.SmimeParts;
import io.github.jamessmime.core.config.InvalidConfigurationException;
import io.github.jamessmime.core.config.SmimeConfiguration;
import io.github.jamessmime.core.config.StateLocations;
import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.health.FailureRate;
import io.github.jamessmime.core.health.StoreHealth;
import io.github.jamessmime.core.lifecycle.CertificateAdministration;
import io.github.jamessmime.core.lifecycle.CertificateRequests;
import io.github.jamessmime.core.lifecycle.StoreMaintenance;
import io.github.jamessmime.core.policy.Eligibility;
import io.github.jamessmime.core.policy.ReplayCheck;
import io.github.jamessmime.core.policy.SenderEntitlement;
import io.github.jamessmime.core.policy.SigningDecision;
import io.github.jamessmime.core.policy.SigningRequest;
import io.github.jamessmime.core.signing.SelfCheckException;
import io.github.jamessmime.core.signing.SignatureProvider;
import io.github.jamessmime.core.signing.SignedMessage;
import io.github.jamessmime.core.signing.SigningException;
import io.github.jamessmime.core.signing.SmimeSigner;
import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.core.store.StoreException;
import io.github.jamessmime.core.usage.SignatureAudit;
import io.github.jamessmime.core.usage.UsageCounter;

/**
 * The entry point the matcher, the mailet and the WebAdmin routes share, one per James server: it puts together the
 * store and its maintenance, the signing decision, the signer, the usage count and audit, and the health.
 */
public final class SmimeSigningService implements AutoCloseable {
    /** Instructions to this gateway (the request header): the signed copy does not carry them. */
    private static final Set<String> GATEWAY_HEADERS = Set.of(SigningRequest.HEADER);
    private static final Logger LOGGER = LoggerFactory.getLogger(SmimeSigningService.class);

    private final CertificateStore store;
    private final StoreMaintenance maintenance;
    private final SigningDecision decision;
    private final ReplayCheck replay;
    private final SmimeSigner signer;
    private final UsageCounter usage;
    private final SignatureAudit audit;
    private final FailureRate failureRate;
    private final Duration expiryWarning;
    private final int maxHeaderFields;
    private final boolean headerProtection;
    private final boolean smtpUtf8;
    private final Clock clock;
    private final AtomicLong selfCheckFailures = new AtomicLong();

    private SmimeSigningService(CertificateStore store, StoreMaintenance maintenance, SigningDecision decision, SmimeSigner signer,
                                UsageCounter usage, SignatureAudit audit, FailureRate failureRate, Duration expiryWarning,
                                int maxHeaderFields, boolean headerProtection, boolean smtpUtf8, Clock clock) {
        this.store = store;
        this.maintenance = maintenance;
        this.decision = decision;
        this.replay = new ReplayCheck(store, decision.entitlement());
        this.signer = signer;
        this.usage = usage;
        this.audit = audit;
        this.failureRate = failureRate;
        this.expiryWarning = expiryWarning;
        this.maxHeaderFields = maxHeaderFields;
        this.headerProtection = headerProtection;
        this.smtpUtf8 = smtpUtf8;
        this.clock = clock;
    }

    /**
     * Opens the store, starts its maintenance and writes audit lines on {@value SignatureAudit#LOGGER_NAME}; the password and
     * PIN variables the settings name are read from the process's environment.
     */
    public static SmimeSigningService start(SmimeConfiguration configuration, Clock clock) throws StoreException, InvalidConfigurationException {
        return start(SmimeParts.of(configuration, clock, System::getenv));
    }

    /** As {@link #start(SmimeConfiguration, Clock)}, with the parts made by {@code parts} (its clock and environment). */
    public static SmimeSigningService start(SmimeParts parts) throws StoreException, InvalidConfigurationException {
        return start(parts, new SignatureAudit(parts.clock()));
    }

    static SmimeSigningService start(SmimeParts parts, SignatureAudit audit) throws StoreException, InvalidConfigurationException {
        SmimeConfiguration configuration = parts.settings();
        Clock clock = parts.clock();
        // made first: a setting that cannot be used stops the start before anything runs
        SmimeSigner signer = parts.signer();
        SenderEntitlement entitlement = parts.entitlement();
        StateLocations.Resolved locations = configuration.stateLocations().resolve();
        locations.note().ifPresent(note -> LOGGER.info("S/MIME: {}", note));
        CertificateStore store = parts.openStore(locations.indexFile());
        UsageCounter usage = new UsageCounter(locations.usageDirectory(), parts.usageNode(), clock);
        // known before the first mail needs it: the health check says so from the start
        usage.check();
        StoreMaintenance maintenance = StoreMaintenance.start(store, usage, configuration.reloadInterval(), configuration.revocationRefresh());
        LOGGER.info("S/MIME signing started: {}", configuration);
        LOGGER.info("S/MIME key operations: {}", signer.provider().description());
        return new SmimeSigningService(store, maintenance, new SigningDecision(store, entitlement, configuration.mode()),
            signer, usage, audit, new FailureRate(clock, configuration.failureWindow(), configuration.failureRatePercent()),
            configuration.expiryWarning(), configuration.maxHeaderFields(), configuration.headerProtection(),
            configuration.smtpUtf8(), clock);
    }

    public CertificateStore store() {
        return store;
    }

    /** Where the key operations run ({@code signing.provider}). */
    public SignatureProvider signatureProvider() {
        return signer.provider();
    }

    /** Requests, installs and renewals of certificates whose keys are made where they sign, for WebAdmin and the CLI. */
    public CertificateRequests requests() {
        return new CertificateRequests(store, clock);
    }

    /** How long before a sender's certificate expires it is renewed ({@code health.expiryWarningDays}). */
    public Duration expiryWarning() {
        return expiryWarning;
    }

    /** Listing, import and delete, for WebAdmin and the CLI. */
    public CertificateAdministration administration() {
        return new CertificateAdministration(store, clock);
    }

    /** Whether {@code message} is signed, and as which identity (see {@link SigningDecision#eligibility}). */
    public Eligibility eligibility(MimeMessage message, Optional<String> authenticatedUser, Optional<String> remoteAddress)
        throws MessagingException {
        return decision.eligibility(message, authenticatedUser, remoteAddress);
    }

    /**
     * Why the message has too many header fields to be signed (or, in the shipped configuration, DKIM-signed: James's
     * DKIMSign takes time quadratic in their number), if it has.
     */
    public Optional<String> headerFieldProblem(MimeMessage message) throws MessagingException {
        int count = 0;
        for (Enumeration<Header> fields = message.getAllHeaders(); fields.hasMoreElements(); fields.nextElement()) {
            if (++count > maxHeaderFields) {
                return Optional.of("the message has more than " + maxHeaderFields + " header fields (mime.maxHeaderFields)");
            }
        }
        return Optional.empty();
    }

    /**
     * Why an already signed {@code message} must not be relayed as it is: it carries a signature made with a certificate
     * this store holds, and the submitter is not entitled to that certificate's addresses (see {@link ReplayCheck}).
     */
    public Optional<String> replayOfHeldCertificate(MimeMessage message, Optional<String> authenticatedUser,
                                                    Optional<String> remoteAddress) throws MessagingException {
        return replay.replay(message, authenticatedUser, remoteAddress);
    }

    /** Whether the submitter owns the From address (see {@link SigningDecision#ownsFrom}): what gates DKIM. */
    public SenderEntitlement.Decision ownsFrom(MimeMessage message, Optional<String> authenticatedUser, Optional<String> remoteAddress,
                                               Set<String> domains) throws MessagingException {
        return decision.ownsFrom(message, authenticatedUser, remoteAddress, domains);
    }

    /**
     * Signs a message {@link #eligibility} found eligible, as its From address; counts the signature and writes its
     * audit line. The count is written before the signed copy is returned: a signature that cannot be counted fails.
     */
    public SignedMessage sign(MimeMessage message, Eligibility eligibility) throws SigningException {
        if (!eligibility.isEligible()) {
            throw new IllegalArgumentException("not eligible: " + eligibility);
        }
        SigningIdentity identity = eligibility.identity().orElseThrow();
        String sender = eligibility.fromAddress().orElseThrow();
        SignedMessage signed;
        try {
            Optional<String> tooManyHeaders = headerFieldProblem(message);
            if (tooManyHeaders.isPresent()) {
                throw new SigningException(FailureKind.TOO_LARGE, tooManyHeaders.get() + "; it follows the failure policy instead of being signed");
            }
            Optional<String> internationalised = smtpUtf8 ? Optional.empty() : FromAddress.internationalised(message);
            if (internationalised.isPresent()) {
                throw new SigningException(FailureKind.NEEDS_SMTPUTF8, needsSmtpUtf8(internationalised.get(), sender));
            }
            boolean protectHeaders = SigningRequest.headerProtection(message).orElse(headerProtection);
            signed = signer.sign(message, identity, GATEWAY_HEADERS, protectHeaders);
            usage.count(sender);
        } catch (IOException e) {
            // the usage journal cannot be written: a signature that cannot be counted is not given
            failureRate.record(true);
            throw new SigningException(FailureKind.IO, e.getMessage(), e);
        } catch (MessagingException e) {
            failureRate.record(true);
            throw new SigningException(FailureKind.BAD_INPUT, e.getMessage(), e);
        } catch (SelfCheckException e) {
            selfCheckFailures.incrementAndGet();
            failureRate.record(true);
            throw e;
        } catch (SigningException | RuntimeException e) {
            failureRate.record(true);
            throw e;
        }
        failureRate.record(false);
        audit.signed(message, sender, identity, signer.digest().jcaName(), eligibility.request(), signed.dating());
        return signed;
    }

    private static String needsSmtpUtf8(String written, String sender) {
        String remedy = Addresses.hasUnicodeLocalPart(sender) ? "set signing.smtpUtf8=true once every way out carries SMTPUTF8"
            : "write the From domain as its A-label (" + sender + "), which every client matches against the certificate, or set"
            + " signing.smtpUtf8=true once every way out carries SMTPUTF8";
        return "the From address " + Addresses.printable(written) + " is written in UTF-8 (RFC 6532), so the mail leaves only by SMTPUTF8,"
            + " which signing.smtpUtf8=false says this James does not have; it follows the failure policy instead of being signed ("
            + remedy + ")";
    }

    /**
     * The store's health now, degraded further when too many signatures failed lately or a background task of the store
     * failed (the directory cannot be read, say), and unhealthy while the usage journal cannot be written (every
     * signature fails then; see {@link StoreHealth}).
     */
    public StoreHealth health() {
        StoreHealth health = StoreHealth.evaluate(store, clock.instant(), expiryWarning);
        health = usage.problem().map(health::unhealthyBy).orElse(health);
        health = maintenance.problem().map(health::degradedBy).orElse(health);
        return failureRate.problem().map(health::degradedBy).orElse(health);
    }

    /** How many signed messages failed the self-check since start (each was left unsigned or held). */
    public long selfCheckFailures() {
        return selfCheckFailures.get();
    }

    /** The instant by the service's clock: what validity and the age of a pending request are judged at. */
    public Instant now() {
        return clock.instant();
    }

    /** The current month of the usage counts (UTC, by the service's clock). */
    public YearMonth currentMonth() {
        return YearMonth.now(clock.withZone(ZoneOffset.UTC));
    }

    /**
     * Signatures per sender address in {@code month}, over every node sharing the store.
     *
     * @throws IOException when a node's counts cannot be read (no partial total is given)
     */
    public Map<String, Long> usage(YearMonth month) throws IOException {
        return usage.usage(month);
    }

    @Override
    public void close() {
        maintenance.close();
    }
}
