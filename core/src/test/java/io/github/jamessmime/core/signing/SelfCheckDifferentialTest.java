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
import java.util.SplittableRandom;
import java.util.TreeMap;

import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.testing.FailureReport;
import io.github.jamessmime.testing.MimeMutator;
import io.github.jamessmime.testing.MimeTreeGenerator;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

/**
 * The self-check's fast reading ({@link VerifierView}) against its reference, the full javax.mail re-serialisation
 * ({@link SelfCheck#reserialisedProblem}), on what the signer writes for every corpus message, known shape, generated
 * tree and fuzz input: both must pass or both fail. Then each signed content is broken (a flipped byte in a
 * delimiter line, a header line or a body, a stray line break, an extra delimiter-like line, and
 * {@link MimeMutator}'s mutations) and the fast reading must refuse whatever the reference refuses; where it is
 * stricter, the self-check asks the reference, so those are only counted. A disagreement prints the content.
 *
 * <p>{@code -Dsmime.differential.count=N} generated trees and fuzz inputs each (default 400).
 */
class SelfCheckDifferentialTest {
    static final int COUNT = Integer.getInteger("smime.differential.count", 400);
    static final int MUTATIONS = 12;
    private static final byte[] REPLACEMENTS = {' ', '\t', '-', 'x', '\r', '\n', ':', 0, (byte) 0xE4};

    static TestPki pki;
    static SigningIdentity identity;
    static SmimeSigner unchecked;

    @BeforeAll
    static void setUp() throws Exception {
        pki = TestPki.create(SignedChecks.NOW);
        identity = SignedChecks.identity(pki);
        unchecked = new SmimeSigner(DigestAlgorithm.SHA_256, SignedChecks.CLOCK, SmimeSigner.DEFAULT_MAX_DEPTH, false);
    }

    /** The inputs by name: corpus, known shapes, generated trees, fuzz inputs and extreme shapes. */
    static Map<String, byte[]> inputs() throws Exception {
        Map<String, byte[]> inputs = new LinkedHashMap<>();
        for (String name : RealWorldCorpusTest.corpus()) {
            inputs.put("corpus " + name, RealWorldCorpusTest.read(name));
        }
        SigningFuzzTest.shapes().forEach(shape -> inputs.put("shape " + shape.getKey(), shape.getValue()));
        for (int seed = 0; seed < COUNT; seed++) {
            inputs.put("generated " + seed, seed % 10 == 0 ? MimeTreeGenerator.generate(seed).bytes : MimeTreeGenerator.generateSmall(seed).bytes);
        }
        for (int i = 0; i < COUNT; i++) {
            SigningFuzzTest.Input input = SigningFuzzTest.mutated(i);
            inputs.put("fuzz " + input.id, input.bytes);
        }
        for (SigningFuzzTest.Input input : SigningFuzzTest.extremes()) {
            inputs.put("extreme " + input.id, input.bytes);
        }
        return inputs;
    }

    /** The signed content (the first part's bytes) the signer writes for {@code raw}, or null when it refuses it. */
    static byte[] signedContent(byte[] raw) {
        try {
            MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
            byte[] signed = Verifiers.serialize(unchecked.sign(message, identity));
            return Verifiers.rawPart(signed, Verifiers.parse(signed));
        } catch (SigningException e) {
            return null;
        } catch (Exception | StackOverflowError e) {
            return null; // not parseable by javax.mail: James never hands such mail to the signer
        }
    }

    /** The fast reading's problem, or null. */
    static String fast(byte[] content) {
        return VerifierView.problem(content, 0, content.length);
    }

    /** The reference's problem, or null. */
    static String reference(byte[] content) {
        MessageBuffer buffer = new MessageBuffer(content.length);
        buffer.write(content, 0, content.length);
        try {
            return SelfCheck.reserialisedProblem(buffer, 0, content.length);
        } catch (Exception | StackOverflowError e) {
            return "cannot be read back: " + e;
        }
    }

    @Test
    void fastSelfCheckShouldAgreeWithTheReferenceOnWhatTheSignerWritesAndCatchWhatItCatchesInBrokenContent() throws Exception {
        FailureReport disagreements = new FailureReport("signed contents and their mutations");
        Map<String, Integer> stricter = new TreeMap<>();
        int signed = 0;
        int mutated = 0;
        int refusedByBoth = 0;
        for (Map.Entry<String, byte[]> input : inputs().entrySet()) {
            byte[] content = signedContent(input.getValue());
            if (content == null) {
                continue;
            }
            signed++;
            String fast = fast(content);
            String reference = reference(content);
            if ((fast == null) != (reference == null)) {
                disagreements.add(input.getKey(), "on the signer's output the fast check " + verdict(fast) + " but the reference "
                    + verdict(reference), (fast != null ? fast : reference) + "\n" + shown(content));
            }
            SplittableRandom random = new SplittableRandom(input.getKey().hashCode());
            for (int i = 0; i < MUTATIONS; i++) {
                Broken broken = i < 6 ? flip(content, i % 3, random) : other(content, random);
                if (broken == null) {
                    continue;
                }
                mutated++;
                String fastBroken = fast(broken.bytes);
                String referenceBroken = reference(broken.bytes);
                if (fastBroken == null && referenceBroken != null) {
                    disagreements.add(input.getKey() + " " + broken.name, "the fast check passes broken content the reference refuses",
                        referenceBroken + "\n" + shown(broken.bytes));
                } else if (fastBroken != null && referenceBroken == null) {
                    stricter.merge(cause(fastBroken), 1, Integer::sum);
                } else if (fastBroken != null) {
                    refusedByBoth++;
                }
            }
        }
        System.out.println("self-check differential: " + signed + " signed contents, " + mutated + " mutations, " + refusedByBoth
            + " refused by both; stricter than the reference (the reference decides): " + stricter);

        assertThat(signed).isGreaterThan(COUNT);
        assertThat(refusedByBoth).isGreaterThan(mutated / 4);
        assertThat(disagreements.isEmpty()).withFailMessage("%s", disagreements.render()).isTrue();
    }

    private static String verdict(String problem) {
        return problem == null ? "passes" : "refuses (" + problem + ")";
    }

    /** The problem without its offsets, to count by cause. */
    private static String cause(String problem) {
        return problem.replaceAll("\\d+", "N");
    }

    /** The content as text, control bytes escaped, for the report. */
    private static String shown(byte[] content) {
        String text = new String(content, StandardCharsets.ISO_8859_1);
        if (text.length() > 4000) {
            text = text.substring(0, 4000) + "...";
        }
        return FailureReport.oneLine(text);
    }

    static final class Broken {
        final String name;
        final byte[] bytes;

        Broken(String name, byte[] bytes) {
            this.name = name;
            this.bytes = bytes;
        }
    }

    /** One byte replaced, inserted or removed in a delimiter line (0), a header line (1) or a body line (2). */
    static Broken flip(byte[] content, int where, SplittableRandom random) {
        List<int[]> lines = lines(content, where);
        if (lines.isEmpty()) {
            return null;
        }
        int[] line = lines.get(random.nextInt(lines.size()));
        int at = line[0] + random.nextInt(line[1] - line[0] + 2);
        byte b = REPLACEMENTS[random.nextInt(REPLACEMENTS.length)];
        String place = new String[] {"delimiter", "header", "body"}[where];
        switch (random.nextInt(3)) {
            case 0:
                byte[] replaced = content.clone();
                replaced[Math.min(at, content.length - 1)] = b;
                return new Broken("[" + place + " byte " + at + " := " + (b & 0xFF) + "]", replaced);
            case 1:
                return new Broken("[" + place + " byte " + (b & 0xFF) + " inserted at " + at + "]", splice(content, at, 0, new byte[] {b}));
            default:
                return new Broken("[" + place + " byte " + at + " removed]", splice(content, Math.min(at, content.length - 1), 1, new byte[0]));
        }
    }

    /** An extra line like a delimiter, a line removed or doubled, the end cut or extended, or a {@link MimeMutator} mutation. */
    static Broken other(byte[] content, SplittableRandom random) {
        List<int[]> all = lines(content, -1);
        List<int[]> dashes = lines(content, 0);
        int[] line = all.get(random.nextInt(all.size()));
        switch (random.nextInt(5)) {
            case 0: {
                if (dashes.isEmpty()) {
                    return null;
                }
                int[] dash = dashes.get(random.nextInt(dashes.size()));
                String[] suffixes = {"", "--", " ", "x", "--x", "\t"};
                String suffix = suffixes[random.nextInt(suffixes.length)];
                byte[] extra = (new String(content, dash[0], dash[1] - dash[0], StandardCharsets.ISO_8859_1).replaceAll("--$", "") + suffix + "\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
                return new Broken("[delimiter-like line '" + FailureReport.oneLine(new String(extra, StandardCharsets.ISO_8859_1))
                    + "' inserted at " + line[0] + "]", splice(content, line[0], 0, extra));
            }
            case 1:
                return new Broken("[line at " + line[0] + " removed]", splice(content, line[0], Math.min(content.length, line[1] + 2) - line[0], new byte[0]));
            case 2:
                return new Broken("[line at " + line[0] + " doubled]", splice(content, line[0], 0,
                    java.util.Arrays.copyOfRange(content, line[0], Math.min(content.length, line[1] + 2))));
            case 3: {
                int cut = random.nextInt(content.length);
                return random.nextBoolean() ? new Broken("[cut at " + cut + "]", java.util.Arrays.copyOf(content, cut))
                    : new Broken("[text appended]", splice(content, content.length, 0, "x\r\n".getBytes(StandardCharsets.US_ASCII)));
            }
            default: {
                MimeMutator.Mutated mutation = MimeMutator.mutate(content, random);
                return new Broken("[" + String.join(",", mutation.mutations) + "]", mutation.bytes);
            }
        }
    }

    /**
     * The lines ({start, end before CRLF}) of a kind: starting with {@code --} (0), in a header block (1: before a
     * blank line, after a delimiter or the start), in a body (2), or all (-1).
     */
    static List<int[]> lines(byte[] content, int kind) {
        List<int[]> result = new ArrayList<>();
        boolean inHeaders = true;
        int start = 0;
        while (start < content.length) {
            int end = start;
            while (end < content.length && content[end] != '\r' && content[end] != '\n') {
                end++;
            }
            boolean dash = end - start >= 2 && content[start] == '-' && content[start + 1] == '-';
            boolean blank = end == start;
            if (kind == -1 || (kind == 0 && dash) || (kind == 1 && inHeaders && !blank && !dash) || (kind == 2 && !inHeaders && !dash && !blank)) {
                result.add(new int[] {start, end});
            }
            if (blank) {
                inHeaders = false;
            } else if (dash) {
                inHeaders = true;
            }
            start = end + (end + 1 < content.length && content[end] == '\r' && content[end + 1] == '\n' ? 2 : 1);
        }
        return result;
    }

    private static byte[] splice(byte[] content, int at, int removed, byte[] inserted) {
        int position = Math.min(at, content.length);
        int cut = Math.min(removed, content.length - position);
        byte[] result = new byte[content.length - cut + inserted.length];
        System.arraycopy(content, 0, result, 0, position);
        System.arraycopy(inserted, 0, result, position, inserted.length);
        System.arraycopy(content, position + cut, result, position + inserted.length, content.length - position - cut);
        return result;
    }

    @Test
    void fastSelfCheckShouldPassTheSignerOutputOfEveryTestMessage() {
        for (Map.Entry<String, byte[]> message : TestMessages.all(SignedChecks.SENDER).entrySet()) {
            byte[] content = signedContent(message.getValue());
            if (content != null) {
                assertThat(fast(content)).as(message.getKey()).isNull();
            }
        }
    }
}
