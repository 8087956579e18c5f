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

import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.jamessmime.it.SmtpSink.ReceivedMail;
import io.github.jamessmime.testing.TestPki;

/**
 * Two James nodes mount one certificate store: a certificate imported with the CLI while both run is used by the
 * other node for its next message, without a restart, and the usage counts of both nodes add up.
 */
class SharedStoreTwoNodesTest {
    private static final String BILLING = "billing@shop.example";
    private static final String PARCELS = "parcels@shop.example";
    private static final String PASSWORD = "user-secret";
    private static final Duration DELIVERY = Duration.ofSeconds(60);

    private static Path run;
    private static ItStore shared;
    private static Path store;
    private static Path storePassword;
    private static Path rootPem;
    private static TestPki pki;
    private static SmtpSink sink;
    private static JamesServerProcess nodeA;
    private static JamesServerProcess nodeB;

    @BeforeAll
    static void startTwoNodes() throws Exception {
        run = ItEnvironment.newRunDirectory(SharedStoreTwoNodesTest.class.getSimpleName());
        shared = ItStore.create(run.resolve("shared"));
        pki = shared.pki();
        store = shared.directory();
        storePassword = shared.passwordFile();
        rootPem = shared.rootPem();
        shared.add("billing.p12", pki.sender(BILLING));
        sink = SmtpSink.start();
        nodeA = start("node-a");
        nodeB = start("node-b");
    }

    private static JamesServerProcess start(String node) throws Exception {
        return start(node, node);
    }

    private static JamesServerProcess start(String directory, String node) throws Exception {
        JamesServerProcess james = JamesServerProcess.builder(node)
            .workingDirectory(run.resolve(directory))
            .relayGateway(sink.host(), sink.port())
            .smimeStore(shared)
            .env("SMIME_STORE_RELOAD_SECONDS", "1")
            .env("SMIME_USAGE_NODE", node)
            .start();
        james.webAdmin().createDomain("shop.example");
        james.webAdmin().createUser(BILLING, PASSWORD);
        james.webAdmin().createUser(PARCELS, PASSWORD);
        return james;
    }

    @AfterAll
    static void stopNodes() throws Exception {
        ItEnvironment.closeAll(nodeA, nodeB, sink);
    }

    @Test
    void certificateImportedWhileRunningShouldBeUsedByTheOtherNodeAndUsageShouldAddUp() throws Exception {
        TestMessage before = TestMessage.text(PARCELS, "customer@remote.example", "Parcel notice before import");
        before.sendAuthenticated(ItEnvironment.LOOPBACK, nodeB.submissionPort(), PARCELS, PASSWORD);
        assertThat(sink.awaitMessageId(before.messageId(), DELIVERY).contentType()).startsWithIgnoringCase("text/plain");

        Path p12 = pki.sender(PARCELS).keyType(TestPki.KeyType.EC_P256).issue()
            .writePkcs12(run.resolve("parcels-from-ca.p12"), "ca-secret".toCharArray());
        Path p12Password = Files.writeString(run.resolve("ca.password"), "ca-secret\n");
        List<String> output = cli("import", "--store", store.toString(), "--password-file", storePassword.toString(),
            "--p12", p12.toString(), "--p12-password-file", p12Password.toString(), "--trust-store", rootPem.toString());
        assertThat(output).anyMatch(line -> line.startsWith("imported "));

        ReceivedMail signed = awaitSignedFrom(nodeB, PARCELS, Duration.ofSeconds(30));
        Path file = Files.write(run.resolve("parcels-signed-by-node-b.eml"), signed.raw());
        OpenSsl.Result openssl = OpenSsl.cmsVerify(file, rootPem);
        assertThat(openssl.ok()).as("openssl: %s", openssl).isTrue();

        TestMessage fromNodeA = TestMessage.text(BILLING, "customer@remote.example", "Invoice from node a");
        fromNodeA.sendAuthenticated(ItEnvironment.LOOPBACK, nodeA.submissionPort(), BILLING, PASSWORD);
        assertThat(sink.awaitMessageId(fromNodeA.messageId(), DELIVERY).contentType()).startsWithIgnoringCase("multipart/signed");

        // each node writes its counts every 10 s; the route of either node adds up both files
        Instant deadline = Instant.now().plus(Duration.ofSeconds(40));
        String usage = "";
        while (Instant.now().isBefore(deadline)) {
            usage = new String(nodeA.webAdmin().get("/smime/usage?month=" + YearMonth.now(ZoneOffset.UTC)).body(), StandardCharsets.UTF_8);
            if (usage.contains("\"" + PARCELS + "\":1") && usage.contains("\"" + BILLING + "\":1")) {
                break;
            }
            JamesServerProcess.sleep(Duration.ofMillis(500));
        }
        assertThat(usage).contains("\"" + PARCELS + "\":1").contains("\"" + BILLING + "\":1").contains("\"activeSenders\":2");

        // a restarted node goes on from its counts: node A stops right after a signature it has not flushed yet
        TestMessage beforeRestart = TestMessage.text(BILLING, "customer@remote.example", "Invoice before restart");
        beforeRestart.sendAuthenticated(ItEnvironment.LOOPBACK, nodeA.submissionPort(), BILLING, PASSWORD);
        sink.awaitMessageId(beforeRestart.messageId(), DELIVERY);
        nodeA.close();
        nodeA = start("node-a-restarted", "node-a");
        String afterRestart = new String(nodeA.webAdmin().get("/smime/usage").body(), StandardCharsets.UTF_8);
        assertThat(afterRestart).as("usage after node A restarted").contains("\"" + BILLING + "\":2").contains("\"" + PARCELS + "\":1");
    }

    @Test
    void aCleanStopInTheMiddleOfTrafficShouldLoseNoCount() throws Exception {
        long before = billingUsage();
        List<String> messageIds = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            TestMessage mail = TestMessage.text(BILLING, "customer@remote.example", "Invoice in a burst " + i);
            mail.sendAuthenticated(ItEnvironment.LOOPBACK, nodeB.submissionPort(), BILLING, PASSWORD);
            messageIds.add(mail.messageId());
        }
        // stop while mails are being signed and delivered
        String log;
        try {
            nodeB.close();
        } finally {
            log = nodeB.log();
            nodeB = start("node-b-after-stop", "node-b");
        }
        JamesServerProcess.sleep(Duration.ofSeconds(3));
        long signedDelivered = sink.received().stream()
            .filter(mail -> messageIds.contains(mail.header("Message-ID")))
            .filter(mail -> mail.contentType().toLowerCase(Locale.ROOT).startsWith("multipart/signed"))
            .map(mail -> mail.header("Message-ID")).distinct().count();
        long auditLines = messageIds.stream().filter(id -> log.contains("smime-signature time=") && log.contains("messageId=\"" + id + "\"")).count();

        assertThat(signedDelivered).as("some mails were signed before the stop").isPositive();
        assertThat(auditLines).as("audit lines").isEqualTo(signedDelivered);
        assertThat(billingUsage() - before).as("usage counted").isEqualTo(signedDelivered);
    }

    @Test
    void aNodeWithAWrongStorePasswordShouldBeUnhealthyAndLeaveTheSharedIndexAlone() throws Exception {
        Path index = store.resolve(".james-smime-index");
        byte[] before = Files.readAllBytes(index);
        Path wrongPassword = Files.writeString(run.resolve("wrong.password"), "not-the-store-secret\n");
        JamesServerProcess wrong = JamesServerProcess.builder("node-c")
            .workingDirectory(run.resolve("node-c"))
            .relayGateway(sink.host(), sink.port())
            .smimeStore(store, wrongPassword, rootPem)
            .env("SMIME_USAGE_NODE", "node-c")
            .start();
        try {
            HttpResponse<byte[]> health = wrong.webAdminWithToken(Optional.empty()).get("/healthcheck");

            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(new String(health.body(), StandardCharsets.UTF_8)).contains("\"status\":\"unhealthy\"")
                .contains("the store password (store.password.file ").contains(") opens none of the");
            assertThat(Files.readAllBytes(index)).as("the shared index").isEqualTo(before);
            assertThat(nodeA.webAdminWithToken(Optional.empty()).get("/healthcheck").statusCode()).isEqualTo(200);
        } finally {
            wrong.close();
        }
    }

    private static long billingUsage() throws Exception {
        return cli("usage", "--store", store.toString(), "--month", YearMonth.now(ZoneOffset.UTC).toString()).stream()
            .filter(line -> line.contains(BILLING)).map(line -> line.replaceAll("\\D+$", "").replaceAll(".*\\D", ""))
            .mapToLong(Long::parseLong).findFirst().orElse(0L);
    }

    @Test
    void certificateUploadedThroughWebAdminOnOneNodeShouldSignOnTheOtherAndBeRemovable() throws Exception {
        String sales = "sales@shop.example";
        nodeA.webAdmin().createUser(sales, PASSWORD);
        nodeB.webAdmin().createUser(sales, PASSWORD);
        TestPki.Issued issued = pki.sender(sales).keyIndex(3).issue();
        byte[] p12 = Files.readAllBytes(issued.writePkcs12(run.resolve("sales-upload.p12"), "upload-secret".toCharArray()));

        HttpResponse<byte[]> uploaded = nodeA.webAdmin().upload("/smime/certificates", p12, "upload-secret");
        assertThat(uploaded.statusCode()).as(new String(uploaded.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        assertThat(new String(uploaded.body(), StandardCharsets.UTF_8)).isEqualTo("{\"imported\":[\"sales@shop.example.p12\"]}");
        String shown = new String(nodeA.webAdmin().get("/smime/certificates/" + sales).body(), StandardCharsets.UTF_8);
        assertThat(shown).contains("\"status\":\"valid\",\"inUse\":true").contains("\"addresses\":[\"" + sales + "\"]");

        ReceivedMail signed = awaitSignedFrom(nodeB, sales, Duration.ofSeconds(30));
        assertThat(OpenSsl.cmsVerify(Files.write(run.resolve("sales-signed-by-node-b.eml"), signed.raw()), rootPem).ok()).isTrue();

        byte[] wildcard = Files.readAllBytes(pki.sender("*@shop.example").issue().writePkcs12(run.resolve("wild.p12"), "x".toCharArray()));
        HttpResponse<byte[]> refused = nodeA.webAdmin().upload("/smime/certificates", wildcard, "x");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(new String(refused.body(), StandardCharsets.UTF_8)).contains("\"type\":\"InvalidArgument\"")
            .contains("wildcard or domain-only address");

        String fingerprint = String.format("%064x", new BigInteger(1, MessageDigest.getInstance("SHA-256")
            .digest(issued.certificate().getEncoded())));
        assertThat(nodeA.webAdmin().delete("/smime/certificates/" + fingerprint).statusCode()).isEqualTo(204);
        assertThat(nodeA.webAdmin().get("/smime/certificates/" + sales).statusCode()).isEqualTo(404);
        assertThat(nodeA.webAdmin().delete("/smime/certificates/" + fingerprint).statusCode()).isEqualTo(404);
    }

    /** Sends from {@code sender} through {@code node} until a copy arrives signed (the node re-reads the store every second). */
    private static ReceivedMail awaitSignedFrom(JamesServerProcess node, String sender, Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        int attempt = 0;
        while (true) {
            TestMessage mail = TestMessage.text(sender, "customer@remote.example", "Parcel notice after import " + ++attempt);
            mail.sendAuthenticated(ItEnvironment.LOOPBACK, node.submissionPort(), sender, PASSWORD);
            ReceivedMail received = sink.awaitMessageId(mail.messageId(), DELIVERY);
            if (received.contentType().toLowerCase().startsWith("multipart/signed")) {
                assertThat(attempt).as("signed without a restart, within a few reload intervals").isLessThanOrEqualTo(10);
                return received;
            }
            assertThat(Instant.now()).as("a message from %s signed by the other node", sender).isBefore(deadline);
            JamesServerProcess.sleep(Duration.ofSeconds(2));
        }
    }

    private static List<String> cli(String... args) throws Exception {
        DropInJar.Run run = DropInJar.run(args);
        assertThat(run.exitCode).as(run.output).isZero();
        return run.output.lines().collect(Collectors.toList());
    }
}
