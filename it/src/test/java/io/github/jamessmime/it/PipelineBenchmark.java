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
package io.github.jamessmime.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.github.jamessmime.testing.TestPki;

/**
 * The James pipeline benchmark: what signing costs a real James 3.8.1, measured, not asserted. Not a test: its name
 * matches none of surefire's patterns, so {@code bin/test} never runs it; {@code bench/pipeline} does.
 *
 * <p>One James with the drop-in jar and the shipped {@code james-conf/}, relaying to a lean loopback sink. Batches of
 * N mails are submitted over several SMTP AUTH connections, alternating, in the same James and the same run,
 * between a sender without a certificate (the same pipeline, archive copy included, with signing off: the matcher
 * finds no certificate) and senders with an RSA-2048 and an EC P-256 certificate. A batch's rate is N divided by
 * the time from its first connection to the last of its mails at the sink; James's CPU time per mail is read from
 * the process. Every delivered mail is counted and checked to be signed or not as its sender asks, and the last
 * signed mail of each key is verified with openssl.
 *
 * <p>System properties: {@code pipeline.size} (10KB: a plain-text mail; 1MB: an invoice with a PDF-like attachment),
 * {@code pipeline.mails} (per batch, default 1000 of 10 KB, 100 of 1 MB), {@code pipeline.connections} (4),
 * {@code pipeline.rounds} (3), {@code pipeline.dkim} (false: DKIM off for every sender, so the ratio is the S/MIME
 * signature's alone; true: DKIM as shipped, for every sender), {@code pipeline.provider} (auto; native or jdk).
 */
class PipelineBenchmark {

    private static final String DOMAIN = "shop.example";
    private static final String PASSWORD = "bench-secret";
    private static final String RECIPIENT = "customer@client.example";
    private static final Duration BATCH_TIMEOUT = Duration.ofMinutes(10);

    /** A sender of the benchmark: who, and whether its mail must arrive signed. */
    private enum Kind {
        UNSIGNED("news@" + DOMAIN, "no certificate (signing off)", false),
        RSA_2048("billing@" + DOMAIN, "RSA-2048 certificate", true),
        EC_P256("parcels@" + DOMAIN, "EC P-256 certificate", true);

        final String sender;
        final String label;
        final boolean signed;

        Kind(String sender, String label, boolean signed) {
            this.sender = sender;
            this.label = label;
            this.signed = signed;
        }
    }

    @Test
    void measureSignedAgainstUnsignedPipeline() throws Exception {
        String size = System.getProperty("pipeline.size", "10KB");
        if (!size.equals("10KB") && !size.equals("1MB")) {
            throw new IllegalArgumentException("pipeline.size is 10KB or 1MB, not " + size);
        }
        int mails = Integer.getInteger("pipeline.mails", size.equals("1MB") ? 100 : 1000);
        int connections = Integer.getInteger("pipeline.connections", 4);
        int rounds = Integer.getInteger("pipeline.rounds", 3);
        boolean dkim = Boolean.parseBoolean(System.getProperty("pipeline.dkim", "false"));
        String provider = System.getProperty("pipeline.provider", "auto");

        Path run = ItEnvironment.newRunDirectory("pipeline-benchmark");
        ItStore store = ItStore.create(run.resolve("pki"));
        store.add("billing.p12", store.pki().sender(Kind.RSA_2048.sender).keyType(TestPki.KeyType.RSA_2048));
        store.add("parcels.p12", store.pki().sender(Kind.EC_P256.sender).keyType(TestPki.KeyType.EC_P256).keyIndex(1));

        try (CountingSink sink = CountingSink.start();
             JamesServerProcess james = james(run, store, sink, dkim, provider)) {
            WebAdminClient webAdmin = james.webAdmin();
            webAdmin.createDomain(DOMAIN);
            for (Kind kind : Kind.values()) {
                webAdmin.createUser(kind.sender, PASSWORD);
            }
            byte[][] bodies = new byte[Kind.values().length][];
            for (Kind kind : Kind.values()) {
                bodies[kind.ordinal()] = size.equals("1MB") ? InvoiceMail.body(kind.sender, 1024 * 1024) : TenKilobyteMail.body(kind.sender);
            }
            System.out.printf("[pipeline] James %s, %d mails of %s per batch over %d connections, %d rounds, DKIM %s, provider %s%n",
                james, mails, size, connections, rounds, dkim ? "on" : "off", provider);

            // Warm-up: one batch of each kind, not counted.
            for (Kind kind : Kind.values()) {
                batch(james, sink, kind, "warmup", mails, connections, bodies[kind.ordinal()]);
            }
            Map<Kind, List<Batch>> results = new LinkedHashMap<>();
            for (int round = 1; round <= rounds; round++) {
                for (Kind kind : Kind.values()) {
                    Batch batch = batch(james, sink, kind, "round" + round, mails, connections, bodies[kind.ordinal()]);
                    System.out.printf("[pipeline] round %d %-8s %7.1f mails/s, James CPU %.3f ms per mail%n", round, kind,
                        batch.rate(), batch.cpuMillisPerMail());
                    results.computeIfAbsent(kind, any -> new ArrayList<>()).add(batch);
                }
            }
            for (Kind kind : Kind.values()) {
                if (kind.signed) {
                    Path file = Files.write(run.resolve("last-" + kind.name().toLowerCase(Locale.ROOT) + ".eml"), sink.last(kind));
                    OpenSsl.Result verification = OpenSsl.cmsVerify(file, store.rootPem());
                    assertThat(verification.ok()).as("openssl verification of %s:\n%s", file, verification).isTrue();
                }
            }
            String table = table(results, mails, size.equals("1MB") ? "1 MB (text and a PDF-like attachment in base64)" : "10 KB (plain text)",
                connections, dkim, james.signingDescription());
            Path output = Path.of(System.getProperty("pipeline.results", "target/pipeline-results.md"));
            Files.createDirectories(output.toAbsolutePath().getParent());
            Files.writeString(output, table, StandardCharsets.UTF_8);
            System.out.println("[pipeline] results written to " + output.toAbsolutePath());
        }
    }

    private static JamesServerProcess james(Path run, ItStore store, CountingSink sink, boolean dkim, String provider)
        throws IOException {
        JamesServerProcess.Builder builder = JamesServerProcess.builder("pipeline")
            .workingDirectory(run.resolve("james"))
            .relayGateway(ItEnvironment.LOOPBACK, sink.port())
            .smimeStore(store)
            .env("SMIME_REVOCATION_FETCH", "false")
            .env("SMIME_SIGNING_PROVIDER", provider)
            .startupTimeout(Duration.ofMinutes(3));
        if (!dkim) {
            // SenderOwnsFromAddress matches no sender of this domain: DKIMSign is skipped for all of them.
            builder.env("DKIM_DOMAIN", "dkim-off.invalid");
        }
        return builder.start();
    }

    /** Submits one batch and waits until all of it reached the sink, each mail signed or not as its sender asks. */
    private static Batch batch(JamesServerProcess james, CountingSink sink, Kind kind, String name, int mails, int connections,
                               byte[] body) throws Exception {
        String batchId = kind.name().toLowerCase(Locale.ROOT) + "-" + name;
        sink.expect(batchId);
        long cpuBefore = james.cpuNanos();
        long start = System.nanoTime();
        ExecutorService clients = Executors.newFixedThreadPool(connections);
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int connection = 0; connection < connections; connection++) {
                int first = mails * connection / connections;
                int end = mails * (connection + 1) / connections;
                sent.add(clients.submit(() -> {
                    submit(james.submissionPort(), kind, batchId, first, end, body);
                    return null;
                }));
            }
            for (Future<?> future : sent) {
                future.get();
            }
        } finally {
            clients.shutdownNow();
        }
        sink.await(batchId, mails, BATCH_TIMEOUT);
        long elapsed = System.nanoTime() - start;
        long cpu = james.cpuNanos() - cpuBefore;
        assertThat(sink.received(batchId)).as("mails of %s delivered", batchId).isEqualTo(mails);
        assertThat(sink.signed(batchId)).as("mails of %s delivered signed", batchId).isEqualTo(kind.signed ? mails : 0);
        return new Batch(mails, elapsed, cpu);
    }

    /** One SMTP AUTH session submitting mails {@code first} (inclusive) to {@code end} (exclusive) of a batch. */
    private static void submit(int port, Kind kind, String batchId, int first, int end, byte[] body) throws IOException {
        try (Socket socket = new Socket(ItEnvironment.LOOPBACK, port)) {
            socket.setSoTimeout(120_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            Smtp.expect(in, 220);
            Smtp.command(out, in, "EHLO bench.client.example", 250);
            String credentials = Base64.getEncoder().encodeToString(("\0" + kind.sender + "\0" + PASSWORD).getBytes(StandardCharsets.UTF_8));
            Smtp.command(out, in, "AUTH PLAIN " + credentials, 235);
            for (int i = first; i < end; i++) {
                Smtp.command(out, in, "MAIL FROM:<" + kind.sender + ">", 250);
                Smtp.command(out, in, "RCPT TO:<" + RECIPIENT + ">", 250);
                Smtp.command(out, in, "DATA", 354);
                out.write(("Message-ID: <" + batchId + "." + i + "@bench." + DOMAIN + ">\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                Smtp.command(out, in, ".", 250);
            }
            Smtp.command(out, in, "QUIT", 221);
        }
    }

    private static String table(Map<Kind, List<Batch>> results, int mails, String size, int connections, boolean dkim, String signing) {
        double unsigned = median(results.get(Kind.UNSIGNED), true);
        double unsignedCpu = median(results.get(Kind.UNSIGNED), false);
        StringBuilder table = new StringBuilder();
        table.append("| Sender | mails/s per round | median mails/s | × without signing | James CPU ms/mail (median) |\n");
        table.append("|---|---|---:|---:|---:|\n");
        for (Map.Entry<Kind, List<Batch>> entry : results.entrySet()) {
            List<String> rates = new ArrayList<>();
            for (Batch batch : entry.getValue()) {
                rates.add(String.format(Locale.ROOT, "%.0f", batch.rate()));
            }
            double median = median(entry.getValue(), true);
            table.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.2f | %.2f%s |%n", entry.getKey().label,
                String.join(", ", rates), median, median / unsigned, median(entry.getValue(), false),
                entry.getKey() == Kind.UNSIGNED ? "" : String.format(Locale.ROOT, " (%+.2f)", median(entry.getValue(), false) - unsignedCpu)));
        }
        table.append(String.format(Locale.ROOT, "%n_%d mails of %s per batch over %d SMTP AUTH connections, batches alternating in one"
            + " James 3.8.1 (memory, shipped james-conf, archive copy on, DKIM %s); %s; %d cores, Java %s._%n", mails, size, connections,
            dkim ? "on for every sender" : "off for every sender", signing, Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.version")));
        return table.toString();
    }

    private static double median(List<Batch> batches, boolean rate) {
        List<Double> values = new ArrayList<>();
        for (Batch batch : batches) {
            values.add(rate ? batch.rate() : batch.cpuMillisPerMail());
        }
        values.sort(Double::compare);
        int middle = values.size() / 2;
        return values.size() % 2 == 1 ? values.get(middle) : (values.get(middle - 1) + values.get(middle)) / 2;
    }

    private static final class Batch {
        final int mails;
        final long nanos;
        final long cpuNanos;

        Batch(int mails, long nanos, long cpuNanos) {
            this.mails = mails;
            this.nanos = nanos;
            this.cpuNanos = cpuNanos;
        }

        double rate() {
            return mails * 1e9 / nanos;
        }

        double cpuMillisPerMail() {
            return cpuNanos / 1e6 / mails;
        }
    }

    /** The rest of a 10 KB plain-text business mail after its Message-ID (which each submission adds). */
    private static final class TenKilobyteMail {
        private static final String PARAGRAPH = "Dear customer,\r\n\r\n"
            + "thank you for your order. This message confirms the items, the prices and the delivery\r\n"
            + "address we have on file. Please check them carefully and tell us within 14 days if\r\n"
            + "anything is wrong; after that the invoice becomes final and payment is due.\r\n"
            + "Item A-1001, office chair, quantity 2, unit price 149.00 EUR, total 298.00 EUR\r\n"
            + "Shipping is free for orders above 100 EUR. Your parcel leaves our warehouse within two\r\n"
            + "working days; you will get a tracking link by mail as soon as the carrier has it.\r\n"
            + "Kind regards,\r\nthe shop team\r\n";

        static byte[] body(String sender) {
            StringBuilder mail = new StringBuilder()
                .append("From: Shop <").append(sender).append(">\r\n")
                .append("To: Customer <").append(RECIPIENT).append(">\r\n")
                .append("Subject: Your order 4711\r\n")
                .append("Date: Fri, 04 Dec 2026 06:00:00 +0000\r\n")
                .append("MIME-Version: 1.0\r\n")
                .append("Content-Type: text/plain; charset=us-ascii\r\n")
                .append("Content-Transfer-Encoding: 7bit\r\n\r\n");
            while (mail.length() + PARAGRAPH.length() <= 10 * 1024) {
                mail.append(PARAGRAPH);
            }
            return mail.toString().getBytes(StandardCharsets.US_ASCII);
        }
    }

    /**
     * The rest of an invoice mail after its Message-ID: multipart/mixed with a short text and a PDF-like attachment of
     * random bytes (incompressible, as real PDFs are) in base64 lines of 76, about {@code size} bytes in all.
     */
    private static final class InvoiceMail {
        static byte[] body(String sender, int size) {
            String boundary = "----=_Part_4711_1394813476.1700000000000";
            String head = "From: Shop <" + sender + ">\r\n"
                + "To: Customer <" + RECIPIENT + ">\r\n"
                + "Subject: Your invoice 4711\r\n"
                + "Date: Fri, 04 Dec 2026 06:00:00 +0000\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n"
                + "--" + boundary + "\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
                + "Dear customer,\r\n\r\nplease find your invoice attached.\r\n\r\nKind regards,\r\nthe shop team\r\n"
                + "--" + boundary + "\r\nContent-Type: application/pdf; name=\"invoice-4711.pdf\"\r\n"
                + "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"invoice-4711.pdf\"\r\n\r\n";
            String tail = "\r\n--" + boundary + "--\r\n";
            byte[] attachment = new byte[(size - head.length() - tail.length()) * 57 / 78];
            new java.util.Random(4711).nextBytes(attachment);
            ByteArrayOutputStream mail = new ByteArrayOutputStream(size + 1024);
            mail.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
            mail.writeBytes(Base64.getMimeEncoder().encode(attachment));
            mail.writeBytes(tail.getBytes(StandardCharsets.US_ASCII));
            return mail.toByteArray();
        }
    }

    /** The few SMTP client steps the benchmark needs. */
    private static final class Smtp {
        static void command(OutputStream out, InputStream in, String line, int expected) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            expect(in, expected);
        }

        /** Reads a (possibly multi-line) reply and fails unless its code is {@code expected}. */
        static void expect(InputStream in, int expected) throws IOException {
            String line;
            do {
                line = readLine(in);
                if (line == null) {
                    throw new IOException("connection closed while waiting for " + expected);
                }
            } while (line.length() > 3 && line.charAt(3) == '-');
            if (!line.startsWith(Integer.toString(expected))) {
                throw new IOException("expected " + expected + ", got: " + line);
            }
        }

        static String readLine(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b >= 0; b = in.read()) {
                if (b == '\n') {
                    String text = line.toString(StandardCharsets.ISO_8859_1);
                    return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
                }
                line.write(b);
            }
            return null;
        }
    }

    /**
     * The loopback SMTP server James relays to: it keeps nothing but, per batch (the Message-ID's first part), how
     * many mails arrived and how many of them as multipart/signed, and the last mail of each kind.
     */
    private static final class CountingSink implements AutoCloseable {
        private final ServerSocket server;
        private final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
        private final Map<String, AtomicInteger> signed = new ConcurrentHashMap<>();
        private final Map<String, byte[]> last = new ConcurrentHashMap<>();
        private final Thread acceptor;

        private CountingSink(ServerSocket server) {
            this.server = server;
            this.acceptor = new Thread(this::accept, "pipeline-sink");
            this.acceptor.setDaemon(true);
            this.acceptor.start();
        }

        static CountingSink start() throws IOException {
            return new CountingSink(new ServerSocket(0, 200, InetAddress.getByName(ItEnvironment.LOOPBACK)));
        }

        int port() {
            return server.getLocalPort();
        }

        void expect(String batchId) {
            received.put(batchId, new AtomicInteger());
            signed.put(batchId, new AtomicInteger());
        }

        int received(String batchId) {
            return received.get(batchId).get();
        }

        int signed(String batchId) {
            return signed.get(batchId).get();
        }

        byte[] last(Kind kind) {
            return last.get(kind.name().toLowerCase(Locale.ROOT));
        }

        void await(String batchId, int mails, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (received(batchId) < mails) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + received(batchId) + " of " + mails + " mails of " + batchId
                        + " arrived within " + timeout);
                }
                Thread.sleep(2);
            }
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    Thread connection = new Thread(() -> serve(socket), "pipeline-sink-" + socket.getPort());
                    connection.setDaemon(true);
                    connection.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket socket) {
            try (socket; InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
                 OutputStream out = socket.getOutputStream()) {
                reply(out, "220 sink.bench ESMTP");
                for (String line = Smtp.readLine(in); line != null; line = Smtp.readLine(in)) {
                    String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase(Locale.ROOT) : line;
                    if (verb.equals("EHLO")) {
                        reply(out, "250-sink.bench\r\n250-8BITMIME\r\n250 SIZE 104857600");
                    } else if (verb.equals("DATA")) {
                        reply(out, "354 go on");
                        count(readData(in));
                        reply(out, "250 OK");
                    } else if (verb.equals("QUIT")) {
                        reply(out, "221 bye");
                        return;
                    } else {
                        reply(out, "250 OK");
                    }
                }
            } catch (IOException e) {
                // James closed the connection: nothing to count.
            }
        }

        private void count(byte[] message) {
            String text = new String(message, StandardCharsets.ISO_8859_1);
            int headerEnd = text.indexOf("\r\n\r\n");
            String headers = "\r\n" + (headerEnd < 0 ? text : text.substring(0, headerEnd)).toLowerCase(Locale.ROOT);
            int id = headers.indexOf("\r\nmessage-id: <");
            if (id < 0) {
                return;
            }
            int start = id + "\r\nmessage-id: <".length();
            String batchId = headers.substring(start, headers.indexOf('.', start));
            AtomicInteger count = received.get(batchId);
            if (count == null) {
                return;
            }
            if (headers.contains("\r\ncontent-type: multipart/signed")) {
                signed.get(batchId).incrementAndGet();
            }
            last.put(batchId.substring(0, batchId.indexOf('-')), message);
            count.incrementAndGet();
        }

        /** The message as sent, dot-stuffing removed. */
        private static byte[] readData(InputStream in) throws IOException {
            ByteArrayOutputStream message = new ByteArrayOutputStream(16 * 1024);
            for (String line = Smtp.readLine(in); line != null; line = Smtp.readLine(in)) {
                if (line.equals(".")) {
                    return message.toByteArray();
                }
                byte[] bytes = (line.startsWith(".") ? line.substring(1) : line).getBytes(StandardCharsets.ISO_8859_1);
                message.write(bytes, 0, bytes.length);
                message.write('\r');
                message.write('\n');
            }
            throw new IOException("connection closed in DATA");
        }

        private static void reply(OutputStream out, String text) throws IOException {
            out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
