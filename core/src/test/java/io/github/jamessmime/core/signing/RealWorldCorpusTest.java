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

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import javax.mail.Header;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.ParseException;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.testing.RelaySimulator;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

/**
 * Messages from other projects' public MIME parser test suites (core/src/test/resources/corpus, sources and
 * licences in its SOURCES.md): each is signed so that openssl and BouncyCastle's re-serialising SMIMESigned both
 * verify it with every leaf intact, also after every relay change {@link RelaySimulator} makes, or refused with one
 * line.
 */
class RealWorldCorpusTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");

    static TestPki pki;
    static SigningIdentity identity;

    @BeforeAll
    static void setUp() throws Exception {
        pki = TestPki.create(NOW);
        identity = SignedChecks.identity(pki);
    }

    static List<String> corpus() throws IOException {
        try (InputStream index = RealWorldCorpusTest.class.getResourceAsStream("/corpus/index.txt")) {
            assertThat(index).as("corpus/index.txt").isNotNull();
            return new String(index.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#")).collect(Collectors.toList());
        }
    }

    static byte[] read(String name) throws IOException {
        try (InputStream in = RealWorldCorpusTest.class.getResourceAsStream("/corpus/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    /** The name of the message's From field as javax.mail reads it: with a byte-order mark when one precedes it. */
    static String fromName(MimeMessage message) throws Exception {
        for (Header header : Collections.list(message.getAllHeaders())) {
            if (header.getName().replace("\u00EF\u00BB\u00BF", "").replace("\uFEFF", "").equalsIgnoreCase("From")) {
                return header.getName();
            }
        }
        return "From";
    }

    @Test
    void signerShouldSignEveryRealWorldMessageVerifiablyOrRefuseItWithOneLine() throws Exception {
        signEveryRealWorldMessage(false);
    }

    @Test
    void signerShouldSignEveryRealWorldMessageWithProtectedHeadersVerifiablyOrRefuseItWithOneLine() throws Exception {
        signEveryRealWorldMessage(true);
    }

    /** With header protection, the signed copies of the fields must also read as the outer ones ({@link ProtectedFieldCheck}). */
    private void signEveryRealWorldMessage(boolean protectHeaders) throws Exception {
        SmimeSigner signer = new SmimeSigner(DigestAlgorithm.SHA_256, Clock.fixed(NOW, ZoneOffset.UTC));
        Map<String, byte[]> signed = new LinkedHashMap<>();
        Map<String, byte[]> originals = new LinkedHashMap<>();
        Map<String, String> nameOf = new LinkedHashMap<>();
        Map<String, String> refused = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        List<String> uncompared = new ArrayList<>();
        List<String> unprotected = new ArrayList<>();
        List<String> names = corpus();
        for (String name : names) {
            byte[] raw = read(name);
            MimeMessage message;
            try {
                message = Verifiers.parse(raw);
                message.getAllHeaderLines();
            } catch (Exception e) {
                refused.put(name, "javax.mail cannot parse it (James would not accept it): " + e);
                continue;
            }
            String id = "m" + nameOf.size();
            try {
                // as the signer's sender would send it: clients check that the certificate names the From address
                message.setHeader(fromName(message), "Shop Billing <" + SignedChecks.SENDER + ">");
                SignedMessage signedMessage = signer.sign(message, identity, Set.of(), protectHeaders);
                byte[] bytes = Verifiers.serialize(signedMessage);
                if (protectHeaders && signedMessage.unprotectedHeaders().isEmpty()) {
                    ProtectedFieldCheck.differences(bytes).forEach(difference -> failures.add(name + ": " + difference));
                }
                signedMessage.unprotectedHeaders().ifPresent(reason -> unprotected.add(name + ": " + reason));
                signed.put(id, bytes);
                originals.put(id, raw);
                nameOf.put(id, name);
            } catch (SigningException e) {
                if (e.getMessage().contains("\n") || e.getMessage().contains("\r")) {
                    failures.add(name + ": refusal is not one line: " + e.getMessage());
                }
                refused.put(name, e.getMessage());
            } catch (Throwable e) {
                failures.add(name + ": crashed with " + e);
            }
        }
        Map<String, Verifiers.Verdict> verdicts = Verifiers.independentVerify(signed, pki.root(), NOW);
        for (Map.Entry<String, Verifiers.Verdict> entry : verdicts.entrySet()) {
            String name = nameOf.get(entry.getKey());
            Verifiers.Verdict verdict = entry.getValue();
            if (!verdict.allOk()) {
                failures.add(name + ": " + verdict);
                continue;
            }
            try {
                List<String> verified = Verifiers.leaves(Verifiers.parse(verdict.opensslContent));
                if (!Verifiers.leaves(Verifiers.parse(verdict.bcContent)).equals(verified)) {
                    failures.add(name + ": openssl and BouncyCastle verified content with other leaves");
                }
                List<String> expected;
                try {
                    expected = Verifiers.leaves(Verifiers.parse(originals.get(entry.getKey())));
                } catch (ParseException e) {
                    // javax.mail cannot read the original's structure strictly; the signer read it leniently
                    uncompared.add(name);
                    continue;
                }
                if (!verified.equals(expected)) {
                    failures.add(name + ": the verified content has other leaves than the original");
                }
            } catch (Exception e) {
                failures.add(name + ": the leaves cannot be compared: " + e);
            }
        }
        RelaySimulator.Outcome relays = RelaySimulator.checkAll(signed, pki.root(), NOW);
        relays.failuresByMessage.forEach((id, broken) -> broken.forEach((transformation, verdict) ->
            failures.add(nameOf.get(id) + ": signature broken by a relay: " + transformation + ": " + verdict)));
        System.out.println(relays.summary());
        System.out.printf("corpus%s: %d messages, %d signed and verified by openssl and BouncyCastle, %d refused%n",
            protectHeaders ? " (header protection on)" : "", names.size(), signed.size(), refused.size());
        refused.forEach((name, reason) -> System.out.println("  refused " + name + ": " + reason));
        unprotected.forEach(line -> System.out.println("  " + line));
        uncompared.forEach(name -> System.out.println("  verified, leaves not compared with the original (javax.mail cannot read "
            + "its Content-Type strictly): " + name));

        assertThat(failures).as("messages neither verifiably signed nor refused with one line").isEmpty();
        assertThat(signed.size()).as("signed messages").isGreaterThan(names.size() / 2);
    }
}
