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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.files.AtomicFiles;

/**
 * What the store learnt about each file, keyed by the file's SHA-256, so that a restart or a reload does not
 * decrypt every PKCS#12 again (each costs three PBKDF2 derivations): the verdict, and for a usable file the
 * alias and the public certificates of each entry. The private keys are not in it; an identity built from
 * the index decrypts its key from the file on first use.
 *
 * <p>The file holds only public data and ends with an HMAC-SHA256 of everything before it, under a key derived from
 * the store password (PBKDF2, salted), and names the trust anchors it was written under: an index altered by anyone
 * without the password, written under another password or under other anchors is not used. An entry is used only
 * for the exact file bytes (SHA-256) it names, and a key decrypted on first use is checked against the indexed
 * certificate. It is written atomically; a missing or unusable index is rebuilt, except by a node whose password
 * opens neither the index nor any file (see {@link CertificateStore#passwordMismatch()}).
 */
final class StoreIndex {
    private static final Logger LOGGER = LoggerFactory.getLogger(StoreIndex.class);
    private static final String MAGIC = "james-smime-store-index 3";
    private static final int CHECK_ITERATIONS = 10_000;

    private StoreIndex() {
    }

    /** One key entry of an indexed file. */
    static final class IndexedIdentity {
        final String alias;
        /** Certificate first, then the intermediates. */
        final List<X509Certificate> chain;

        IndexedIdentity(String alias, List<X509Certificate> chain) {
            this.alias = alias;
            this.chain = List.copyOf(chain);
        }
    }

    /** The verdict on one file's content. */
    static final class IndexedFile {
        final String sha256;
        final Optional<Refusal> refusal;
        final List<IndexedIdentity> identities;
        /** The identities built from it in this JVM (keys already decrypted stay so), or null. */
        volatile List<SigningIdentity> built;

        IndexedFile(String sha256, Optional<Refusal> refusal, List<IndexedIdentity> identities) {
            this.sha256 = sha256;
            this.refusal = refusal;
            this.identities = List.copyOf(identities);
        }

        boolean sameVerdict(IndexedFile other) {
            return other != null && sha256.equals(other.sha256) && refusal.equals(other.refusal);
        }
    }

    static String sha256(byte[] content) {
        try {
            return CertificateFile.hex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What an index file gave: its entries, and whether it was written under another password (or tampered with). */
    static final class Contents {
        static final Contents NONE = new Contents(new HashMap<>(), false);

        final Map<String, IndexedFile> entries;
        final boolean foreign;

        Contents(Map<String, IndexedFile> entries, boolean foreign) {
            this.entries = entries;
            this.foreign = foreign;
        }
    }

    /**
     * The index of {@code file}: its entries when its MAC verifies under {@code password} and it was written under the
     * same trust anchors ({@code rules}); otherwise none, flagged foreign when the MAC does not verify.
     */
    static Contents read(Path file, char[] password, String rules) {
        if (!Files.isRegularFile(file)) {
            return Contents.NONE;
        }
        try {
            byte[] content = Files.readAllBytes(file);
            int macLine = lastLineStart(content);
            String text = new String(content, StandardCharsets.US_ASCII);
            String[] lines = text.substring(0, macLine).split("\n");
            if (lines.length < 3 || !MAGIC.equals(lines[0]) || !lines[1].startsWith("key ")
                || !text.startsWith("mac ", macLine)) {
                LOGGER.info("S/MIME store index {} is not an index of this version; rebuilding it", file);
                return Contents.NONE;
            }
            byte[] salt = Base64.getDecoder().decode(lines[1].substring("key ".length()));
            byte[] expected = mac(password, salt, content, macLine);
            byte[] actual = Base64.getDecoder().decode(text.substring(macLine + "mac ".length()).trim());
            if (!MessageDigest.isEqual(expected, actual)) {
                LOGGER.warn("S/MIME store index {} does not verify under this store password (written under another one,"
                    + " or altered); it is not used", file);
                return new Contents(new HashMap<>(), true);
            }
            if (!lines[2].equals("rules " + rules)) {
                LOGGER.info("S/MIME store index {} was written under other trust anchors; rebuilding it", file);
                return Contents.NONE;
            }
            return new Contents(entries(lines), false);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            LOGGER.info("S/MIME store index {} cannot be read ({}); rebuilding it", file, e.toString());
            return Contents.NONE;
        }
    }

    private static Map<String, IndexedFile> entries(String[] lines) throws GeneralSecurityException {
        Map<String, IndexedFile> entries = new HashMap<>();
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        Map<String, X509Certificate> certificates = new HashMap<>();
        String name = null;
        String sha = null;
        Optional<Refusal> refusal = Optional.empty();
        List<IndexedIdentity> identities = new ArrayList<>();
        for (int i = 3; i < lines.length; i++) {
            String[] fields = lines[i].split(" ");
            if (fields[0].equals("file")) {
                if (name != null) {
                    entries.put(name, new IndexedFile(sha, refusal, identities));
                }
                name = text(fields[1]);
                sha = fields[2];
                refusal = fields[3].equals("ok") ? Optional.empty() : Optional.of(refusal(fields));
                identities = new ArrayList<>();
            } else if (fields[0].equals("id")) {
                List<X509Certificate> chain = new ArrayList<>();
                for (String der : fields[2].split(",")) {
                    X509Certificate certificate = certificates.get(der);
                    if (certificate == null) {
                        certificate = (X509Certificate) factory.generateCertificate(
                            new ByteArrayInputStream(Base64.getDecoder().decode(der)));
                        certificates.put(der, certificate);
                    }
                    chain.add(certificate);
                }
                identities.add(new IndexedIdentity(text(fields[1]), chain));
            }
        }
        if (name != null) {
            entries.put(name, new IndexedFile(sha, refusal, identities));
        }
        return entries;
    }

    /** Where the last line of {@code content} (its MAC) starts. */
    private static int lastLineStart(byte[] content) {
        int end = content.length;
        while (end > 0 && content[end - 1] == '\n') {
            end--;
        }
        int start = end;
        while (start > 0 && content[start - 1] != '\n') {
            start--;
        }
        return start;
    }

    /** Writes the index atomically; a store directory that cannot be written only costs the next start time. */
    static void write(Path file, char[] password, String rules, Map<String, IndexedFile> entries) {
        try {
            byte[] salt = new byte[16];
            new SecureRandom().nextBytes(salt);
            Base64.Encoder base64 = Base64.getEncoder();
            StringBuilder text = new StringBuilder();
            text.append(MAGIC).append('\n');
            text.append("key ").append(base64.encodeToString(salt)).append('\n');
            text.append("rules ").append(rules).append('\n');
            for (Map.Entry<String, IndexedFile> entry : entries.entrySet()) {
                IndexedFile indexed = entry.getValue();
                text.append("file ").append(code(entry.getKey())).append(' ').append(indexed.sha256).append(' ')
                    .append(indexed.refusal.map(StoreIndex::refused).orElse("ok")).append('\n');
                for (IndexedIdentity identity : indexed.identities) {
                    List<String> ders = new ArrayList<>();
                    for (X509Certificate certificate : identity.chain) {
                        ders.add(base64.encodeToString(certificate.getEncoded()));
                    }
                    text.append("id ").append(code(identity.alias)).append(' ').append(String.join(",", ders)).append('\n');
                }
            }
            byte[] body = text.toString().getBytes(StandardCharsets.US_ASCII);
            byte[] mac = ("mac " + base64.encodeToString(mac(password, salt, body, body.length)) + "\n").getBytes(StandardCharsets.US_ASCII);
            // its default place on a read-only store (James's var/smime/) may not exist yet at the first start
            Files.createDirectories(file.toAbsolutePath().getParent());
            AtomicFiles.write(file, out -> {
                out.write(body);
                out.write(mac);
            });
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            LOGGER.info("S/MIME store index {} cannot be written ({}); the store works without it, starts are slower", file, e.toString());
        }
    }

    /** HMAC-SHA256 of the first {@code length} bytes under a key derived from the store password. */
    private static byte[] mac(char[] password, byte[] salt, byte[] content, int length) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(passwordCheck(password, salt), "HmacSHA256"));
        mac.update(content, 0, length);
        return mac.doFinal();
    }

    private static byte[] passwordCheck(char[] password, byte[] salt) throws GeneralSecurityException {
        return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
            .generateSecret(new PBEKeySpec(password, salt, CHECK_ITERATIONS, 256)).getEncoded();
    }

    /** {@code refused REASON KIND RULE|- ADDRESS,…|-}, each text base64url-coded. */
    private static String refused(Refusal refusal) {
        return "refused " + code(refusal.reason()) + " " + refusal.kind().name() + " " + refusal.rule().map(Enum::name).orElse("-") + " "
            + (refusal.addresses().isEmpty() ? "-" : refusal.addresses().stream().map(StoreIndex::code).collect(Collectors.joining(",")));
    }

    private static Refusal refusal(String[] fields) {
        List<String> addresses = fields[7].equals("-") ? List.of()
            : Arrays.stream(fields[7].split(",")).map(StoreIndex::text).collect(Collectors.toList());
        return new Refusal(FailureKind.valueOf(fields[5]), fields[6].equals("-") ? Optional.empty() : Optional.of(CertificateRule.valueOf(fields[6])),
            text(fields[4]), addresses);
    }

    private static String code(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(String code) {
        return new String(Base64.getUrlDecoder().decode(code), StandardCharsets.UTF_8);
    }
}
