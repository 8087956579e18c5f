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

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.jamessmime.it.SmtpSink.ReceivedMail;
import io.github.jamessmime.testing.SoftHsm;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.Verifiers;

/**
 * Sender keys in a PKCS#11 token (SoftHSM2) in a real James 3.8.1: an RSA and an EC key sign in the token through the
 * drop-in jar, a key put on the token while James runs is used after the next reload, the WebAdmin listing and the health
 * check show the token, and a restart with a wrong PIN makes health unhealthy while the token's senders' mail follows the
 * failure policy (the shipped one: delivered unsigned, with the reason logged) and a file-held sender still signs.
 */
class Pkcs11InJamesTest {
    private static final String BILLING = "billing@shop.example";
    private static final String ORDERS = "orders@shop.example";
    private static final String PARCELS = "parcels@shop.example";
    private static final String SUPPORT = "support@shop.example";
    private static final String PASSWORD = "user-secret";
    private static final String RECIPIENT = "customer@remote.example";
    private static final Duration DELIVERY = Duration.ofSeconds(60);
    private static final String HEALTH = "/healthcheck/checks/" + WebAdminClient.encodeSegment("S/MIME certificates");

    private static Path run;
    private static ItStore store;
    private static SoftHsm.Token token;
    private static Path pinFile;
    private static TestPki.Issued billing;
    private static TestPki.Issued orders;
    private static X509Certificate support;
    private static SmtpSink sink;
    private static JamesServerProcess james;

    @RegisterExtension
    static final PrintJamesLogOnFailure PRINT_LOG = new PrintJamesLogOnFailure(() -> james, 150);

    @BeforeAll
    static void startJames() throws Exception {
        run = ItEnvironment.newRunDirectory(Pkcs11InJamesTest.class.getSimpleName());
        store = ItStore.create(run.resolve("pki"));
        token = SoftHsm.shared().token(0);
        token.clear();
        billing = store.pki().sender(BILLING).issue();
        orders = store.pki().sender(ORDERS).keyType(TestPki.KeyType.EC_P256).issue();
        token.put("billing", billing.privateKey(), billing.chain());
        token.put("orders", orders.privateKey(), orders.chain());
        support = store.add("support.p12", store.pki().sender(SUPPORT).keyIndex(2));
        pinFile = token.writePin(run.resolve("token.pin"));
        sink = SmtpSink.start();
        james = james("james", pinFile);
        james.webAdmin().createDomain("shop.example");
        for (String user : new String[] {BILLING, ORDERS, PARCELS, SUPPORT}) {
            james.webAdmin().createUser(user, PASSWORD);
        }
    }

    private static JamesServerProcess james(String name, Path pin) throws Exception {
        return JamesServerProcess.builder(name)
            .workingDirectory(run.resolve(name))
            .relayGateway(sink.host(), sink.port())
            .smimeStore(store)
            .env("SMIME_PKCS11_LIBRARY", SoftHsm.LIBRARY.toString())
            .env("SMIME_PKCS11_NAME", "hsm")
            .env("SMIME_PKCS11_SLOT", Long.toString(token.slot()))
            .env("SMIME_PKCS11_PIN_FILE", pin.toString())
            .env("SMIME_STORE_RELOAD_SECONDS", "1")
            .start();
    }

    @AfterAll
    static void stop() throws Exception {
        ItEnvironment.closeAll(james, sink);
    }

    private static ReceivedMail send(JamesServerProcess server, String from, String subject) throws Exception {
        TestMessage mail = TestMessage.text(from, RECIPIENT, subject);
        mail.sendAuthenticated(ItEnvironment.LOOPBACK, server.submissionPort(), from, PASSWORD);
        return sink.awaitMessageId(mail.messageId(), DELIVERY);
    }

    private static void assertSignedBy(ReceivedMail received, X509Certificate signer, String name) throws Exception {
        assertThat(received.contentType()).as(name).startsWith("multipart/signed");
        Path file = Files.write(run.resolve(name + ".eml"), received.raw());
        OpenSsl.Result openssl = OpenSsl.cmsVerify(file, store.rootPem());
        assertThat(openssl.ok()).as("openssl verification of %s:\n%s", file, openssl).isTrue();
        Verifiers.BcResult bc = Verifiers.bouncyCastle(received.raw());
        assertThat(bc.signatureValid).as("BouncyCastle's re-serialising verifier").isTrue();
        assertThat(bc.signer).isEqualTo(signer);
    }

    @Test
    void rsaAndEcKeysInTheTokenShouldSignMailThatVerifies() throws Exception {
        assertSignedBy(send(james, BILLING, "Invoice – RSA key in the token"), billing.certificate(), "token-rsa");
        assertSignedBy(send(james, ORDERS, "Order – EC key in the token"), orders.certificate(), "token-ec");

        assertThat(james.log()).contains("entries of PKCS#11 token 'hsm'").doesNotContain(token.pin());
    }

    @Test
    void webAdminAndHealthShouldShowTheTokenEntries() {
        HttpResponse<byte[]> list = james.webAdmin().get("/smime/certificates");
        String body = new String(list.body(), StandardCharsets.UTF_8);
        assertThat(list.statusCode()).as(body).isEqualTo(200);
        assertThat(body).contains("\"file\":\"pkcs11:hsm/billing\"").contains("\"file\":\"pkcs11:hsm/orders\"").contains("support.p12");

        HttpResponse<byte[]> health = james.webAdmin().get(HEALTH);
        assertThat(health.statusCode()).as(new String(health.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(new String(health.body(), StandardCharsets.UTF_8)).contains("\"status\":\"healthy\"");
        assertThat(james.gauge("smime_pkcs11_token_unavailable")).isEqualTo(0.0);
    }

    @Test
    void aKeyPutOnTheTokenWhileJamesRunsShouldSignAfterTheNextReload() throws Exception {
        TestPki.Issued parcels = store.pki().sender(PARCELS).keyType(TestPki.KeyType.EC_P384).keyIndex(1).issue();
        token.put("parcels", parcels.privateKey(), parcels.chain());
        JamesServerProcess.sleep(Duration.ofSeconds(3));

        assertSignedBy(send(james, PARCELS, "Parcel – key added to the running token"), parcels.certificate(), "token-added");
    }

    @Test
    void aWrongPinShouldMakeHealthUnhealthyAndTheTokenSendersFollowTheFailurePolicy() throws Exception {
        Path wrongPin = Files.writeString(run.resolve("wrong.pin"), "not-the-pin\n");
        // a second James on the same store: its index (written by the first) knows whose keys the token holds
        JamesServerProcess locked = james("james-wrong-pin", wrongPin);
        try {
            locked.webAdmin().createDomain("shop.example");
            locked.webAdmin().createUser(BILLING, PASSWORD);
            locked.webAdmin().createUser(SUPPORT, PASSWORD);

            HttpResponse<byte[]> health = locked.webAdmin().get(HEALTH);
            String body = new String(health.body(), StandardCharsets.UTF_8);
            assertThat(health.statusCode()).as(body).isEqualTo(503);
            assertThat(body).contains("\"status\":\"unhealthy\"").contains("PKCS#11 token 'hsm' cannot be opened (CKR_PIN_INCORRECT)");
            assertThat(locked.gauge("smime_pkcs11_token_unavailable")).isEqualTo(1.0);

            ReceivedMail unsigned = send(locked, BILLING, "Invoice while the token is locked");
            assertThat(unsigned.contentType()).doesNotStartWith("multipart/signed");
            assertThat(locked.log()).contains("could not be S/MIME signed as " + BILLING + ": PKCS#11 token 'hsm' cannot be opened")
                .doesNotContain("not-the-pin").doesNotContain(token.pin());

            assertSignedBy(send(locked, SUPPORT, "Support – file key while the token is locked"), support, "file-while-locked");
        } finally {
            locked.close();
        }
    }
}
