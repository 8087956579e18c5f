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

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.jamessmime.core.failure.FailureKind;

/**
 * The store's view of its PKCS#11 token at each check: the token listed, each entry checked by the store's rules
 * (only when the listing changed), expiry and revocation applied, one report per entry, and the token's entry of the
 * store index. Used by {@link CertificateStore} under its lock.
 */
final class TokenEntries {
    private static final Logger LOGGER = LoggerFactory.getLogger(TokenEntries.class);

    private final Pkcs11Token token;
    private final CertificateRules rules;
    private final RevocationChecker revocation;
    /** What the last listing made of the token's entries, reused while the token holds the same ones. */
    private TokenListing lastListing;
    /** The entries' refusals at the last check, so that each is logged once. */
    private Map<String, String> lastRefusals = Map.of();
    private Optional<String> problem = Optional.empty();

    TokenEntries(Pkcs11Token token, CertificateRules rules, RevocationChecker revocation) {
        this.token = token;
        this.rules = rules;
        this.revocation = revocation;
    }

    String name() {
        return token.name();
    }

    Pkcs11Token token() {
        return token;
    }

    /** The token's entry in the store index: its certificates, so that a restart while the token is down knows whose they were. */
    String indexKey() {
        return token.source("");
    }

    /** What one token listing made of its entries: each entry's identity, or why it was refused. */
    private static final class TokenListing {
        final String digest;
        final Provider provider;
        final List<TokenItem> items;

        TokenListing(String digest, Provider provider, List<TokenItem> items) {
            this.digest = digest;
            this.provider = provider;
            this.items = items;
        }
    }

    private static final class TokenItem {
        final String alias;
        final Optional<SigningIdentity> identity;
        final Optional<Refusal> refusal;

        TokenItem(String alias, Optional<SigningIdentity> identity, Optional<Refusal> refusal) {
            this.alias = alias;
            this.identity = identity;
            this.refusal = refusal;
        }
    }

    /**
     * The token's reports, its entry for the index (as it was when the token could not be listed), the digest of its
     * listing (empty when it could not be listed) and its problem.
     */
    static final class Load {
        static final Load NONE = new Load(List.of(), Optional.empty(), "", Optional.empty());

        final List<CertificateStore.FileReport> reports;
        final Optional<StoreIndex.IndexedFile> indexed;
        final String digest;
        final Optional<String> problem;

        Load(List<CertificateStore.FileReport> reports, Optional<StoreIndex.IndexedFile> indexed, String digest, Optional<String> problem) {
            this.reports = reports;
            this.indexed = indexed;
            this.digest = digest;
            this.problem = problem;
        }
    }

    /**
     * Lists the token; entries are checked by the rules (a probe signature each) only when the token holds other
     * entries than at the last listing. A token that cannot be listed, or fails while its entries are checked, keeps
     * the identities the index knows from its last listing, with keys that fail (so that their senders' mail follows
     * the failure policy), and its entry in the index as it was. A refusal is logged when it is new, not at every check.
     */
    Load read(StoreIndex.IndexedFile known, Instant now) {
        TokenListing current;
        try {
            Pkcs11Token.Listing listing = token.entries();
            String digest = digest(listing);
            TokenListing previous = lastListing;
            current = previous != null && previous.digest.equals(digest) && previous.provider == listing.provider
                ? withKeysOf(previous, listing) : check(listing, digest, now);
        } catch (StoreException e) {
            if (!problem.equals(Optional.of(e.getMessage()))) {
                // once per problem, not at every check while it lasts
                LOGGER.error("S/MIME certificate store: {}; its senders' mail follows the failure policy until it can be listed again",
                    e.getMessage());
            }
            problem = Optional.of(e.getMessage());
            return new Load(remembered(known, e.getMessage(), now), Optional.ofNullable(known), "", problem);
        }
        if (problem.isPresent()) {
            LOGGER.info("S/MIME certificate store: PKCS#11 token '{}' can be listed again", token.name());
        }
        problem = Optional.empty();
        lastListing = current;
        List<CertificateStore.FileReport> reports = new ArrayList<>();
        List<StoreIndex.IndexedIdentity> indexed = new ArrayList<>();
        StringBuilder verdicts = new StringBuilder(current.digest);
        for (TokenItem item : current.items) {
            if (item.identity.isPresent()) {
                SigningIdentity identity = item.identity.get();
                reports.add(tokenReport(token.source(item.alias), identity, now));
                List<X509Certificate> chain = new ArrayList<>();
                chain.add(identity.certificate());
                chain.addAll(identity.intermediates());
                indexed.add(new StoreIndex.IndexedIdentity(item.alias, chain));
                verdicts.append('\n').append(item.alias);
            } else {
                reports.add(CertificateStore.FileReport.refused(token.source(item.alias), Optional.empty(), item.refusal.orElseThrow()));
            }
        }
        logNewRefusals(reports, true);
        // the index entry changes with the listing and with which of its entries are usable
        String indexKey = StoreIndex.sha256(verdicts.toString().getBytes(StandardCharsets.UTF_8));
        return new Load(reports, Optional.of(new StoreIndex.IndexedFile(indexKey, Optional.empty(), indexed)), current.digest,
            Optional.empty());
    }

    /** The identities the index knows from the token's last listing, with keys that fail with {@code problem}. */
    private List<CertificateStore.FileReport> remembered(StoreIndex.IndexedFile known, String problem, Instant now) {
        List<CertificateStore.FileReport> reports = new ArrayList<>();
        if (known == null) {
            return reports;
        }
        SigningIdentity.KeySource unavailable = () -> {
            throw new StoreException(FailureKind.TOKEN_UNAVAILABLE, problem);
        };
        for (StoreIndex.IndexedIdentity entry : known.identities) {
            String source = token.source(entry.alias);
            try {
                reports.add(tokenReport(source, CertificateFile.identity(source, unavailable, Optional.empty(), entry.chain,
                    CertificateRules.addresses(entry.chain.get(0))), now));
            } catch (StoreException refused) {
                reports.add(CertificateStore.FileReport.refused(source, Optional.empty(), Refusal.of(refused)));
            }
        }
        logNewRefusals(reports, false);
        return reports;
    }

    /** A token entry's report: usable, or refused as expired or revoked (without a log line: see {@link #logNewRefusals}). */
    private CertificateStore.FileReport tokenReport(String source, SigningIdentity identity, Instant now) {
        return CertificateStore.unusable(revocation, List.of(identity), now)
            .map(reason -> CertificateStore.FileReport.expiredOrRevoked(source, Optional.empty(), List.of(identity), reason))
            .orElseGet(() -> CertificateStore.FileReport.usable(source, Optional.empty(), List.of(identity)));
    }

    /**
     * One WARN line per token entry refused for a reason it was not refused for at the last check. With {@code listed}
     * false (identities remembered while the token is down), the refusals known from the last listing are kept, so that
     * they are not logged again when the token is back.
     */
    private void logNewRefusals(List<CertificateStore.FileReport> reports, boolean listed) {
        Map<String, String> verdicts = listed ? new HashMap<>() : new HashMap<>(lastRefusals);
        for (CertificateStore.FileReport report : reports) {
            String refusal = report.refusal().orElse("");
            if (!refusal.isEmpty() && !refusal.equals(lastRefusals.get(report.name()))) {
                LOGGER.warn("S/MIME certificate store: {} refused: {}", report.name(), refusal);
            }
            if (listed || !refusal.isEmpty()) {
                verdicts.put(report.name(), refusal);
            }
        }
        lastRefusals = Map.copyOf(verdicts);
    }

    /**
     * The verdicts of an unchanged listing, its identities with the key handles just listed: a handle from an earlier
     * login may have gone stale (an HSM that was restarted) while the token's content stayed the same.
     */
    private static TokenListing withKeysOf(TokenListing previous, Pkcs11Token.Listing listing) {
        Map<String, PrivateKey> keys = new HashMap<>();
        listing.entries.forEach(entry -> keys.put(entry.alias, entry.key));
        List<TokenItem> items = new ArrayList<>();
        for (TokenItem item : previous.items) {
            Optional<SigningIdentity> identity = item.identity.map(known -> known.withKey(keys.get(item.alias)));
            items.add(new TokenItem(item.alias, identity, item.refusal));
        }
        return new TokenListing(previous.digest, previous.provider, List.copyOf(items));
    }

    private TokenListing check(Pkcs11Token.Listing listing, String digest, Instant now) throws Pkcs11Token.Failure {
        List<TokenItem> items = new ArrayList<>();
        for (Pkcs11Token.Entry entry : listing.entries) {
            String source = token.source(entry.alias);
            if (TokenEnrolment.isPlaceholder(entry.chain.get(0))) {
                items.add(new TokenItem(entry.alias, Optional.empty(), Optional.of(Refusal.of(FailureKind.PENDING, "the key awaits its"
                    + " CA-issued certificate (a pending request); install the certificate (install, or token-certificate --alias "
                    + entry.alias + ")").naming(CertificateRules.namedAddresses(entry.chain.get(0))))));
                continue;
            }
            try {
                SigningIdentity identity = rules.validate(source, entry.key, Optional.of(listing.provider), entry.chain, now);
                items.add(new TokenItem(entry.alias, Optional.of(identity), Optional.empty()));
            } catch (Pkcs11Token.Failure e) {
                // the token failed, the entry may be fine: no verdict is kept, the whole listing counts as failed
                throw new Pkcs11Token.Failure("PKCS#11 token '" + token.name() + "' " + e.getMessage()
                    + "; its entries are checked again at the next store check", e);
            } catch (StoreException e) {
                items.add(new TokenItem(entry.alias, Optional.empty(), Optional.of(Refusal.of(e))));
            } catch (RuntimeException e) {
                items.add(new TokenItem(entry.alias, Optional.empty(), Optional.of(Refusal.of(FailureKind.UNEXPECTED, "unexpected error: " + e))));
            }
        }
        return new TokenListing(digest, listing.provider, List.copyOf(items));
    }

    /** What identifies a listing's content: the aliases (the listing is in alias order) and the certificates stored with them. */
    private static String digest(Pkcs11Token.Listing listing) {
        StringBuilder text = new StringBuilder();
        for (Pkcs11Token.Entry entry : listing.entries) {
            text.append(entry.alias.length()).append(':').append(entry.alias);
            for (X509Certificate certificate : entry.chain) {
                text.append(',').append(CertificateFile.fingerprint(certificate));
            }
            text.append('\n');
        }
        return StoreIndex.sha256(text.toString().getBytes(StandardCharsets.UTF_8));
    }
}
