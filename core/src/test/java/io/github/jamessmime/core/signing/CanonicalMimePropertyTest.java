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
package io.github.jamessmime.core.signing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.testing.FailureReport;
import io.github.jamessmime.testing.MimeTreeGenerator;
import io.github.jamessmime.testing.RelaySimulator;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

/**
 * Legal MIME of every shape, generated from fixed seeds, signed: the output is 7-bit canonical everywhere, both
 * independent verifiers accept it, the content they verify decodes to the leaves the generator put in, and it still
 * verifies after every relay change {@link RelaySimulator} makes.
 *
 * <p>{@code -Dsmime.generated.count=N} signs N messages (default 300), {@code -Dsmime.generated.seed=S} starts at
 * seed S (default 0): {@code -Dsmime.generated.seed=42 -Dsmime.generated.count=1} reproduces seed 42 alone.
 */
class CanonicalMimePropertyTest {
    static final int COUNT = Integer.getInteger("smime.generated.count", 300);
    static final long FIRST_SEED = Long.getLong("smime.generated.seed", 0L);
    /** Messages signed and verified per round, so that a long run does not hold every message at once. */
    static final int BATCH = 100;

    static TestPki pki;
    static SigningIdentity identity;
    static ExecutorService pool;

    @BeforeAll
    static void setUp() throws Exception {
        pki = TestPki.create(SignedChecks.NOW);
        identity = SignedChecks.identity(pki);
        pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
    }

    @AfterAll
    static void tearDown() {
        pool.shutdownNow();
    }

    @Test
    void signerShouldKeepGeneratedTreesSevenBitVerifiableAndIntact() throws Exception {
        FailureReport report = new FailureReport(COUNT + " generated messages (seeds " + FIRST_SEED + ".." + (FIRST_SEED + COUNT - 1) + ")");
        SmimeSigner signer = new SmimeSigner(DigestAlgorithm.SHA_256, SignedChecks.CLOCK);
        RelayChecks relays = new RelayChecks();
        for (long batchStart = FIRST_SEED; batchStart < FIRST_SEED + COUNT; batchStart += BATCH) {
            Map<Long, Future<Signed>> futures = new LinkedHashMap<>();
            for (long seed = batchStart; seed < Math.min(batchStart + BATCH, FIRST_SEED + COUNT); seed++) {
                long s = seed;
                futures.put(seed, pool.submit(() -> sign(signer, MimeTreeGenerator.generate(s), report)));
            }
            Map<String, byte[]> toVerify = new LinkedHashMap<>();
            Map<String, Signed> byId = new LinkedHashMap<>();
            for (Future<Signed> future : futures.values()) {
                Signed signed = future.get();
                if (signed.bytes != null) {
                    toVerify.put(signed.id, signed.bytes);
                    byId.put(signed.id, signed);
                }
            }
            Map<String, Verifiers.Verdict> outcomes = Verifiers.independentVerify(toVerify, pki.root(), SignedChecks.NOW);
            for (Map.Entry<String, Verifiers.Verdict> outcome : outcomes.entrySet()) {
                check(byId.get(outcome.getKey()), outcome.getValue(), report);
            }
            relays.add(RelaySimulator.checkAll(toVerify, pki.root(), SignedChecks.NOW), report);
        }
        System.out.println(relays);
        assertThat(report.isEmpty()).withFailMessage("%s", report.render()).isTrue();
    }

    /** A generated message and its signed, serialised form (null when signing failed, which is reported). */
    static final class Signed {
        final String id;
        final MimeTreeGenerator.Generated generated;
        final byte[] bytes;

        Signed(String id, MimeTreeGenerator.Generated generated, byte[] bytes) {
            this.id = id;
            this.generated = generated;
            this.bytes = bytes;
        }
    }

    private static Signed sign(SmimeSigner signer, MimeTreeGenerator.Generated generated, FailureReport report) {
        String id = "seed " + generated.seed + " " + FailureReport.excerpt(generated.shape, 150);
        byte[] bytes = null;
        try {
            MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(generated.bytes));
            bytes = Verifiers.serialize(signer.sign(message, identity));
        } catch (SigningException e) {
            report.add(id, "signer refused legal MIME: " + SignedChecks.cause(e.getMessage()), e.getMessage());
        } catch (Throwable e) {
            report.add(id, "signer threw " + e.getClass().getSimpleName() + ": " + SignedChecks.cause(e.getMessage()), String.valueOf(e));
        }
        if (bytes != null) {
            for (String[] problem : SignedChecks.sevenBitProblems(bytes)) {
                report.add(id, problem[0], problem[1]);
            }
        }
        return new Signed(id, generated, bytes);
    }

    private static void check(Signed signed, Verifiers.Verdict outcome, FailureReport report) {
        if (!outcome.opensslOk) {
            report.add(signed.id, "openssl rejects: " + SignedChecks.cause(outcome.opensslError), outcome.opensslError);
        } else {
            compareLeaves(signed, "openssl", outcome.opensslContent, report);
        }
        if (!outcome.bcOk) {
            report.add(signed.id, "BouncyCastle rejects: " + SignedChecks.cause(outcome.bcError), outcome.bcError);
        } else {
            compareLeaves(signed, "BouncyCastle", outcome.bcContent, report);
        }
    }

    private static void compareLeaves(Signed signed, String verifier, byte[] content, FailureReport report) {
        List<String> leaves;
        try {
            leaves = Verifiers.leaves(Verifiers.parse(content));
        } catch (Exception e) {
            report.add(signed.id, "content verified by " + verifier + " does not parse: " + e.getClass().getSimpleName(), String.valueOf(e));
            return;
        }
        String difference = MimeTreeGenerator.difference(signed.generated.leaves, leaves);
        if (!difference.isEmpty()) {
            report.add(signed.id, "content verified by " + verifier + " decodes to other leaves: "
                + difference.replaceAll(" differs at.*", "").replaceAll("^leaf \\d+ ", ""), difference);
        }
    }
}
