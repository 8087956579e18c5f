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
package io.github.jamessmime.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;

import javax.mail.Session;
import javax.mail.internet.MimeMessage;
import javax.mail.util.SharedByteArrayInputStream;

import io.github.jamessmime.core.signing.SmimeSigner;
import io.github.jamessmime.core.store.CertificateRules;
import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.Pkcs11Token;
import io.github.jamessmime.core.store.RevocationChecker;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.testing.SoftHsm;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;

/**
 * What every benchmark process shares: the messages (one file per size) and the sender keys (one PKCS#12 per key
 * type, each in its own store directory). The orchestrator writes them once per run into a fixtures directory;
 * the JMH forks and the heap probes read them, so the signing benchmark and the raw signature benchmark of one
 * key type use the very same key.
 */
final class Fixtures {
    static final String FROM = "billing@bench.example";
    static final char[] PASSWORD = "bench-store-password".toCharArray();
    /** The root the bench certificates chain to, in each store directory (a dot file: not a certificate file). */
    static final String ROOT_PEM = ".root.pem";
    static final String FIXTURES_PROPERTY = "bench.fixtures";
    /** As javax.mail's MimeMultipart makes them: ----=_Part_counter_hash.millis */
    static final String BOUNDARY = "----=_Part_4711_1394813476.1700000000000";
    static final Session SESSION = Session.getInstance(new Properties());

    /** Message sizes: the whole RFC 5322 message as James holds it (headers and encoded body). */
    enum Size {
        KB_10("10KB", 10 * 1024, 76), KB_100("100KB", 100 * 1024, 76), MB_1("1MB", 1024 * 1024, 76),
        MB_25("25MB", 25 * 1024 * 1024, 76),
        /** 1 MB whose attachment is base64 in lines of 72, as some generators write it: re-wrapped to 76 while signed. */
        MB_1_COLUMNS_72("1MB-72col", 1024 * 1024, 72);

        /** The sizes of the main table; the 72-column message has a row of its own. */
        static final List<Size> MAIN = List.of(KB_10, KB_100, MB_1, MB_25);

        final String label;
        final int bytes;
        final int base64Columns;

        Size(String label, int bytes, int base64Columns) {
            this.label = label;
            this.bytes = bytes;
            this.base64Columns = base64Columns;
        }

        static Size of(String label) {
            for (Size size : values()) {
                if (size.label.equals(label)) {
                    return size;
                }
            }
            throw new IllegalArgumentException(label);
        }
    }

    /** The key types measured, with the JCA signature algorithm SmimeSigner uses for them with SHA-256. */
    enum Key {
        RSA_2048(TestPki.KeyType.RSA_2048, "SHA256withRSA", "RSA-2048"),
        RSA_3072(TestPki.KeyType.RSA_3072, "SHA256withRSA", "RSA-3072"),
        EC_P256(TestPki.KeyType.EC_P256, "SHA256withECDSA", "EC P-256");

        final TestPki.KeyType type;
        final String jcaSignature;
        final String label;

        Key(TestPki.KeyType type, String jcaSignature, String label) {
            this.type = type;
            this.jcaSignature = jcaSignature;
            this.label = label;
        }
    }

    private Fixtures() {
    }

    static Path directory() {
        String dir = System.getProperty(FIXTURES_PROPERTY);
        if (dir == null) {
            throw new IllegalStateException("-D" + FIXTURES_PROPERTY + " is not set; run the benchmark with bench/run");
        }
        return Path.of(dir);
    }

    static Path messageFile(Path fixtures, Size size) {
        return fixtures.resolve("message-" + size.label + ".eml");
    }

    static Path storeDirectory(Path fixtures, Key key) {
        return fixtures.resolve("store-" + key.name());
    }

    /** Writes the messages and one fresh sender certificate per key type. */
    static void write(Path fixtures) throws IOException {
        Files.createDirectories(fixtures);
        for (Size size : Size.values()) {
            Files.write(messageFile(fixtures, size), message(size.bytes, size.base64Columns));
        }
        TestPki pki = TestPki.create(Instant.now());
        for (Key key : Key.values()) {
            Path store = storeDirectory(fixtures, key);
            Files.createDirectories(store);
            pki.writeRootPem(store.resolve(ROOT_PEM));
            pki.sender(FROM).keyType(key.type).issue().writePkcs12(store.resolve("sender.p12"), PASSWORD);
        }
    }

    static byte[] readMessage(Path fixtures, Size size) throws IOException {
        return Files.readAllBytes(messageFile(fixtures, size));
    }

    static SigningIdentity identity(Path fixtures, Key key) throws Exception {
        CertificateStore store = CertificateStore.open(storeDirectory(fixtures, key), PASSWORD, Clock.systemUTC(), Optional.empty(), RevocationChecker.none(),
            CertificateRules.trusting(storeDirectory(fixtures, key).resolve(ROOT_PEM)));
        return store.find(FROM).orElseThrow(() -> new IllegalStateException("no identity for " + FROM + " in " + store));
    }

    /** The same private key the store hands to the signer, read from the same file the same way (JDK PKCS12). */
    static PrivateKey privateKey(Path fixtures, Key key) throws IOException, GeneralSecurityException {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(storeDirectory(fixtures, key).resolve("sender.p12"))) {
            keyStore.load(in, PASSWORD);
        }
        return (PrivateKey) keyStore.getKey("sender", PASSWORD);
    }

    /** The sender certificate and the CA certificates above it, as the fixture's file holds them. */
    static List<X509Certificate> chain(Path fixtures, Key key) throws IOException, GeneralSecurityException {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(storeDirectory(fixtures, key).resolve("sender.p12"))) {
            keyStore.load(in, PASSWORD);
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (Certificate certificate : keyStore.getCertificateChain("sender")) {
            chain.add((X509Certificate) certificate);
        }
        return chain;
    }

    /**
     * The fixture's sender identity with its key in a SoftHSM2 token instead of its file, as the store lists it: the key
     * and certificates are put on a fresh token of this JVM first ({@code SOFTHSM2_CONF} is set by bench/run).
     */
    static SigningIdentity tokenIdentity(Path fixtures, Key key) throws Exception {
        SoftHsm.Token token = SoftHsm.shared().token(0);
        token.clear();
        token.put("sender", privateKey(fixtures, key), chain(fixtures, key));
        Path empty = Files.createTempDirectory("bench-token-store");
        CertificateStore store = CertificateStore.open(empty, PASSWORD, Clock.systemUTC(), Optional.empty(), RevocationChecker.none(),
            CertificateRules.trusting(storeDirectory(fixtures, key).resolve(ROOT_PEM)),
            Optional.of(Pkcs11Token.of(new Pkcs11Token.Settings("bench", SoftHsm.LIBRARY, Optional.of(token.slot()), 0,
                token.pin().toCharArray()))));
        SigningIdentity identity = store.find(FROM).orElseThrow(() -> new IllegalStateException("no token identity for " + FROM
            + ": " + store.reports() + " " + store.tokenProblem().orElse("")));
        if (identity.keyProvider().isEmpty()) {
            throw new IllegalStateException("the identity for " + FROM + " does not sign in the token");
        }
        return identity;
    }

    /** Parses as James holds a message: a MimeMessage over a SharedByteArrayInputStream of its bytes. */
    static MimeMessage parse(byte[] bytes) throws Exception {
        return new MimeMessage(SESSION, new SharedByteArrayInputStream(bytes));
    }

    /** Signs and serialises; gives the number of bytes written, so that nothing can be optimised away. */
    static long signAndWrite(SmimeSigner signer, byte[] message, SigningIdentity identity)
        throws Exception {
        MimeMessage signed = signer.sign(parse(message), identity);
        CountingNullStream out = new CountingNullStream();
        signed.writeTo(out);
        return out.count;
    }

    static final class CountingNullStream extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            count += length;
        }
    }

    /**
     * A deterministic message of about {@code target} bytes. Up to 64 KB: a plain-text letter (7bit). Larger: a
     * multipart/mixed with a short text part and a base64 PDF-like attachment of random bytes (incompressible,
     * as real attachments are), sized so that the whole message is within a line of {@code target}. The boundary
     * has the length of the ones javax.mail generates (about 40 characters; Thunderbird's and Outlook's are as
     * long or longer): javax.mail's multipart parser reads in boundary-sized steps, so a short test boundary would
     * make parsing several times slower than for real mail.
     */
    static byte[] message(int target, int base64Columns) {
        String from = FROM;
        if (target <= 64 * 1024) {
            StringBuilder text = new StringBuilder(TestMessages.headers(from, "Invoice 4711 plain")
                + "Content-Type: text/plain; charset=us-ascii\r\n"
                + "Content-Transfer-Encoding: 7bit\r\n\r\n");
            appendProse(text, target - 2);
            return text.toString().getBytes(StandardCharsets.US_ASCII);
        }
        StringBuilder head = new StringBuilder(TestMessages.headers(from, "Invoice 4711 with attachment")
            + "Content-Type: multipart/mixed; boundary=\"" + BOUNDARY + "\"\r\n\r\n"
            + "This is a multi-part message in MIME format.\r\n"
            + "--" + BOUNDARY + "\r\n"
            + "Content-Type: text/plain; charset=us-ascii\r\n"
            + "Content-Transfer-Encoding: 7bit\r\n\r\n");
        appendProse(head, head.length() + 2000);
        head.append("--" + BOUNDARY + "\r\n"
            + "Content-Type: application/pdf; name=\"statement-4711.pdf\"\r\n"
            + "Content-Transfer-Encoding: base64\r\n"
            + "Content-Disposition: attachment; filename=\"statement-4711.pdf\"\r\n\r\n");
        String tail = "\r\n--" + BOUNDARY + "--\r\n";
        int encodedBudget = target - head.length() - tail.length();
        // MIME base64: a line of base64Columns characters and CRLF for each base64Columns / 4 * 3 bytes.
        int raw = encodedBudget / (base64Columns + 2) * (base64Columns / 4 * 3);
        byte[] attachment = new byte[raw];
        new Random(4711).nextBytes(attachment);
        ByteArrayOutputStream out = new ByteArrayOutputStream(target + 1024);
        out.writeBytes(head.toString().getBytes(StandardCharsets.US_ASCII));
        // as Python, PHPMailer and javax.mail's encoder write it: every line ends in CRLF, then the delimiter's CRLF
        out.writeBytes(Base64.getMimeEncoder(base64Columns, new byte[] {'\r', '\n'}).encode(attachment));
        out.writeBytes(("\r\n" + tail).getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static final List<String> PROSE = List.of(
        "Dear customer,",
        "",
        "thank you for your order. This message confirms the items, the prices and the delivery",
        "address we have on file. Please check them carefully and tell us within 14 days if",
        "anything is wrong; after that the invoice becomes final and payment is due.",
        "Item A-1001, office chair, quantity 2, unit price 149.00 EUR, total 298.00 EUR",
        "Item B-2002, desk lamp, quantity 1, unit price 39.90 EUR, total 39.90 EUR",
        "Item C-3003, cable set, quantity 4, unit price 9.95 EUR, total 39.80 EUR",
        "Shipping is free for orders above 100 EUR. Your parcel leaves our warehouse within two",
        "working days; you will get a tracking link by mail as soon as the carrier has it.",
        "Kind regards,",
        "the billing team");

    /** Appends CRLF lines of prose until the builder holds exactly {@code total} characters (then a CRLF). */
    private static void appendProse(StringBuilder text, int total) {
        int i = 0;
        while (text.length() < total) {
            String line = PROSE.get(i++ % PROSE.size());
            int room = total - text.length();
            if (line.length() + 2 > room) {
                line = "x".repeat(Math.max(0, room - 2));
            }
            text.append(line).append("\r\n");
        }
    }
}
