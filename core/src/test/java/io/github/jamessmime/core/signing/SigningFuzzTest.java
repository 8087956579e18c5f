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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.testing.FailureReport;
import io.github.jamessmime.testing.MimeMutator;
import io.github.jamessmime.testing.MimeTreeGenerator;
import io.github.jamessmime.testing.RelaySimulator;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

/**
 * Broken and hostile input, from fixed seeds: for every message the signer either returns a signed message both
 * independent verifiers accept, also after every relay change {@link RelaySimulator} makes, or refuses it with a
 * {@link SigningException} of one line. Any other throwable is a
 * failure. Input that javax.mail itself cannot parse is counted apart: James hands the mailet mail it has parsed.
 *
 * <p>{@code -Dsmime.fuzz.count=N} mutated inputs (default 2000), {@code -Dsmime.fuzz.seed=S} (default 7),
 * {@code -Dsmime.fuzz.first=I} starts at input I: {@code -Dsmime.fuzz.first=123 -Dsmime.fuzz.count=1} repeats input
 * 123 alone. {@code bin/fuzz N} runs a long campaign.
 */
class SigningFuzzTest {
    static final int COUNT = Integer.getInteger("smime.fuzz.count", 2000);
    static final long SEED = Long.getLong("smime.fuzz.seed", 7L);
    static final int FIRST = Integer.getInteger("smime.fuzz.first", 0);
    static final int BATCH = 200;
    static final String HEADERS = "From: " + SignedChecks.SENDER + "\r\nTo: customer@client.example\r\nSubject: Deep\r\n"
        + "Date: Mon, 30 Nov 2026 06:00:00 +0000\r\nMessage-ID: <deep.1@shop.example>\r\nMIME-Version: 1.0\r\n";

    static TestPki pki;
    static SigningIdentity identity;
    static ExecutorService pool;
    private static List<Map.Entry<String, byte[]>> shapes;

    @BeforeAll
    static void setUp() throws Exception {
        pki = TestPki.create(SignedChecks.NOW);
        identity = SignedChecks.identity(pki);
        pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
    }

    /** The known shapes inputs are mutated from: the test messages and the real-world shapes. */
    static synchronized List<Map.Entry<String, byte[]>> shapes() {
        if (shapes == null) {
            Map<String, byte[]> all = new LinkedHashMap<>(TestMessages.all(SignedChecks.SENDER));
            CanonicalShapesTest.realWorldShapes().forEach((name, bytes) -> all.put("real-world " + name, bytes));
            shapes = new ArrayList<>(all.entrySet());
        }
        return shapes;
    }

    @AfterAll
    static void tearDown() {
        pool.shutdownNow();
    }

    /** One input: what it was made from, and its bytes. */
    static final class Input {
        final String id;
        final byte[] bytes;

        Input(String id, byte[] bytes) {
            this.id = id;
            this.bytes = bytes;
        }
    }

    /** Input {@code index}: a generated message or a known shape, mutated one to three times. */
    static Input mutated(int index) {
        SplittableRandom random = new SplittableRandom(SEED * 0x9E3779B97F4A7C15L + index);
        String base;
        byte[] bytes;
        if (random.nextInt(5) < 3) {
            long seed = random.nextLong(1_000_000);
            base = "generated " + seed;
            bytes = MimeTreeGenerator.generateSmall(seed).bytes;
        } else {
            List<Map.Entry<String, byte[]>> known = shapes();
            Map.Entry<String, byte[]> shape = known.get(random.nextInt(known.size()));
            base = shape.getKey();
            bytes = shape.getValue();
        }
        MimeMutator.Mutated mutated = MimeMutator.mutate(bytes, random);
        return new Input("input " + index + " [" + base + " | " + String.join(",", mutated.mutations) + "]", mutated.bytes);
    }

    /** Extreme shapes, in every run: nesting far beyond any limit, huge headers. */
    static List<Input> extremes() {
        List<Input> inputs = new ArrayList<>();
        for (int depth : new int[] {31, 32, 33, 63, 64, 65, 200, 5000}) {
            inputs.add(new Input("multipart nested " + depth, nestedMultiparts(depth, "deep\r\n", true)));
            inputs.add(new Input("rfc822 nested " + depth, nestedMessages(depth, "innermost\r\n")));
        }
        inputs.add(new Input("multipart nested 5000 without close delimiters", nestedMultiparts(5000, "deep\r\n", false)));
        inputs.add(new Input("multipart nested 5000, 8bit leaf", nestedMultiparts(5000, "Gr\u00fc\u00dfe\r\n", true)));
        inputs.add(new Input("rfc822 nested 5000, 8bit leaf", nestedMessages(5000, "Gr\u00fc\u00dfe\r\n")));
        inputs.add(new Input("multipart and rfc822 alternating 5000", alternating(5000)));
        inputs.add(new Input("alternating 40", alternating(40)));
        StringBuilder huge = new StringBuilder("X-Huge: ");
        for (int i = 0; i < 2_000_000; i++) {
            huge.append((char) ('a' + i % 26));
        }
        inputs.add(new Input("2 MB header line", latin1(HEADERS + huge + "\r\nContent-Type: text/plain\r\n\r\nHello\r\n")));
        inputs.add(new Input("2 MB part header line", latin1(HEADERS + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
            + huge + "\r\nContent-Type: text/plain\r\n\r\nHello\r\n--b--\r\n")));
        StringBuilder folded = new StringBuilder("Content-Type: text/plain; charset=us-ascii");
        for (int i = 0; i < 100_000; i++) {
            folded.append(";\r\n x").append(i).append("=y");
        }
        inputs.add(new Input("100000 folded Content-Type parameters", latin1(HEADERS + folded + "\r\n\r\nHello\r\n")));
        StringBuilder parts = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            parts.append("--b\r\nContent-Type: text/plain\r\n\r\npart ").append(i).append("\r\n");
        }
        inputs.add(new Input("5000 parts", latin1(HEADERS + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" + parts + "--b--\r\n")));
        inputs.add(new Input("uuencode body", latin1(HEADERS + "Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n"
            + "begin 644 x\r\nM!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_\r\nnot uu\r\n`\r\nend\r\n")));
        return inputs;
    }

    static byte[] nestedMultiparts(int depth, String leaf, boolean close) {
        StringBuilder body = new StringBuilder(HEADERS + "Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n");
        for (int i = 0; i < depth; i++) {
            body.append("--b").append(i).append("\r\nContent-Type: multipart/mixed; boundary=\"b").append(i + 1).append("\"\r\n\r\n");
        }
        body.append("--b").append(depth).append("\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
            .append(leaf);
        if (close) {
            for (int i = depth; i >= 0; i--) {
                body.append("--b").append(i).append("--\r\n");
            }
        }
        return latin1(body.toString());
    }

    static byte[] nestedMessages(int depth, String innermostBody) {
        StringBuilder message = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            message.append(HEADERS).append("Content-Type: message/rfc822\r\n\r\n");
        }
        message.append(HEADERS).append("Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
            .append(innermostBody);
        return latin1(message.toString());
    }

    static byte[] alternating(int depth) {
        StringBuilder open = new StringBuilder(HEADERS);
        StringBuilder close = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            if (i % 2 == 0) {
                open.append("Content-Type: multipart/mixed; boundary=\"a").append(i).append("\"\r\n\r\n--a").append(i).append("\r\n");
                close.insert(0, "\r\n--a" + i + "--\r\n");
            } else {
                open.append("Content-Type: message/rfc822\r\n\r\n").append(HEADERS);
            }
        }
        open.append("Content-Type: text/plain\r\n\r\ninnermost");
        return latin1(open.toString() + close);
    }

    @Test
    void signerShouldSignSoThatVerifiersAcceptOrRefuseWithOneLine() throws Exception {
        fuzz(COUNT, false);
    }

    /** The same inputs (a quarter of them) with header protection on: the signed header copies must read as the outer fields. */
    @Test
    void signerWithProtectedHeadersShouldSignSoThatVerifiersAcceptOrRefuseWithOneLine() throws Exception {
        fuzz(Math.max(1, COUNT / 4), true);
    }

    private void fuzz(int count, boolean protectHeaders) throws Exception {
        List<Input> extremes = FIRST == 0 ? extremes() : List.of();
        FailureReport failures = new FailureReport("fuzz inputs (seed " + SEED + ", inputs " + FIRST + ".." + (FIRST + count - 1)
            + " and " + extremes.size() + " extreme shapes" + (protectHeaders ? ", header protection on" : "") + ")");
        Tally tally = new Tally();
        SmimeSigner signer = new SmimeSigner(DigestAlgorithm.SHA_256, SignedChecks.CLOCK);
        RelayChecks relays = new RelayChecks();
        int total = extremes.size() + count;
        for (int batchStart = 0; batchStart < total; batchStart += BATCH) {
            List<Future<Signed>> futures = new ArrayList<>();
            for (int i = batchStart; i < Math.min(total, batchStart + BATCH); i++) {
                int n = i;
                futures.add(pool.submit(() -> sign(signer, n < extremes.size() ? extremes.get(n) : mutated(FIRST + n - extremes.size()),
                    protectHeaders, failures, tally)));
            }
            Map<String, byte[]> toVerify = new LinkedHashMap<>();
            for (Future<Signed> future : futures) {
                Signed signed = future.get();
                if (signed != null) {
                    toVerify.put(signed.id, signed.bytes);
                }
            }
            relays.add(RelaySimulator.checkAll(toVerify, pki.root(), SignedChecks.NOW), failures);
            for (Map.Entry<String, Verifiers.Verdict> outcome : Verifiers.independentVerify(toVerify, pki.root(), SignedChecks.NOW).entrySet()) {
                Verifiers.Verdict result = outcome.getValue();
                if (!result.opensslOk) {
                    failures.add(outcome.getKey(), "signed, but openssl rejects: " + SignedChecks.cause(result.opensslError), result.opensslError);
                }
                if (!result.bcOk) {
                    failures.add(outcome.getKey(), "signed, but BouncyCastle rejects: " + SignedChecks.cause(result.bcError), result.bcError);
                }
            }
        }
        System.out.println(tally);
        System.out.println(relays);
        assertThat(failures.isEmpty()).withFailMessage("%s\n%s", failures.render(), tally).isTrue();
    }

    static final class Signed {
        final String id;
        final byte[] bytes;

        Signed(String id, byte[] bytes) {
            this.id = id;
            this.bytes = bytes;
        }
    }

    /** How the inputs fared, for the log: signed, refused (by cause), not parseable by javax.mail. */
    static final class Tally {
        final AtomicInteger signed = new AtomicInteger();
        final AtomicInteger unparseable = new AtomicInteger();
        final Map<String, Integer> refusals = new TreeMap<>();

        synchronized void refused(String cause) {
            refusals.merge(cause, 1, Integer::sum);
        }

        @Override
        public synchronized String toString() {
            StringBuilder text = new StringBuilder("signed " + signed + ", not parseable by javax.mail " + unparseable + ", refused "
                + refusals.values().stream().mapToInt(Integer::intValue).sum() + ":");
            refusals.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(25)
                .forEach(e -> text.append("\n  ").append(e.getValue()).append("x ").append(FailureReport.excerpt(e.getKey(), 200)));
            return text.toString();
        }
    }

    private static Signed sign(SmimeSigner signer, Input input, boolean protectHeaders, FailureReport failures, Tally tally) {
        MimeMessage message;
        try {
            message = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(input.bytes));
        } catch (MessagingException | RuntimeException e) {
            tally.unparseable.incrementAndGet();
            return null;
        }
        MimeMessage result;
        try {
            result = signer.sign(message, identity, Set.of(), protectHeaders);
        } catch (SigningException e) {
            String text = String.valueOf(e.getMessage());
            if (text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0) {
                failures.add(input.id, "SigningException message spans lines: " + SignedChecks.cause(text.split("[\r\n]")[0]), text);
            } else {
                tally.refused(SignedChecks.cause(text));
            }
            return null;
        } catch (Throwable e) {
            failures.add(input.id, "signer threw " + e.getClass().getName() + ": " + SignedChecks.cause(FailureReport.excerpt(
                String.valueOf(e.getMessage()), 200)), e + " at " + (e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "?"));
            return null;
        }
        try {
            byte[] bytes = Verifiers.serialize(result);
            // a message whose fields cannot all be written relay-proof is signed without protection, saying why
            if (protectHeaders && ((SignedMessage) result).unprotectedHeaders().isEmpty()) {
                for (String difference : ProtectedFieldCheck.differences(bytes)) {
                    failures.add(input.id, "a signed header copy differs from the outer field", difference);
                }
            }
            tally.signed.incrementAndGet();
            return new Signed(input.id, bytes);
        } catch (Throwable e) {
            failures.add(input.id, "writing the signed message threw " + e.getClass().getName(), String.valueOf(e));
            return null;
        }
    }

    private static byte[] latin1(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
