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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.jamessmime.it.SmtpSink.ReceivedMail;
import io.github.jamessmime.testing.Verifiers;

/**
 * The drop-in jar's key operations in a real James 3.8.1: the bundled native provider loads inside James's
 * parent-first extension class loader (unrelocated, as its JNI functions need) and signs; where its library cannot be
 * unpacked (forced here by pointing its directory under a regular file) James signs with the JDK's providers after
 * one log line, and {@code signing.provider=native} refuses to start instead.
 */
class NativeProviderInJamesTest {
    private static final String BILLING = "billing@shop.example";
    private static final String PASSWORD = "user-secret";
    private static final String RECIPIENT = "customer@remote.example";
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(60);
    private static final String UNAVAILABLE = "the native provider is unavailable";

    private ItStore store;
    private SmtpSink sink;
    private JamesServerProcess james;

    @RegisterExtension
    final PrintJamesLogOnFailure printLog = new PrintJamesLogOnFailure(() -> james, 150);

    @AfterEach
    void stop() throws Exception {
        ItEnvironment.closeAll(james, sink);
    }

    private JamesServerProcess.Builder james(Path run) throws Exception {
        store = ItStore.create(run.resolve("pki"));
        store.add("billing.p12", store.pki().sender(BILLING));
        sink = SmtpSink.start();
        return JamesServerProcess.builder("james")
            .workingDirectory(run.resolve("james"))
            .relayGateway(sink.host(), sink.port())
            .smimeStore(store);
    }

    /** The native library's directory: under a regular file, where no directory can be made. */
    private static String unloadableNativeLibrary(Path run) throws Exception {
        Path file = Files.writeString(Files.createDirectories(run).resolve("not-a-directory"), "");
        return "-Dcom.amazon.corretto.crypto.provider.tmpdir=" + file.resolve("native");
    }

    private byte[] sendAndReceiveSigned(String subject) throws Exception {
        james.webAdmin().createDomain("shop.example");
        james.webAdmin().createUser(BILLING, PASSWORD);
        TestMessage mail = TestMessage.text(BILLING, RECIPIENT, subject);
        mail.sendAuthenticated(ItEnvironment.LOOPBACK, james.submissionPort(), BILLING, PASSWORD);
        ReceivedMail received = sink.awaitMessageId(mail.messageId(), DELIVERY_TIMEOUT);
        assertThat(received.contentType()).startsWith("multipart/signed");
        return received.raw();
    }

    private void assertVerifies(byte[] signed, Path file) throws Exception {
        Files.write(file, signed);
        OpenSsl.Result openssl = OpenSsl.cmsVerify(file, store.rootPem());
        assertThat(openssl.ok()).as("openssl verification of %s:\n%s", file, openssl).isTrue();
        assertThat(Verifiers.bouncyCastle(signed).signatureValid).as("BouncyCastle's re-serialising verifier").isTrue();
    }

    private double nativeGauge() {
        return james.gauge("smime_signing_native_provider");
    }

    @Test
    void jamesShouldSignWithTheNativeProviderFromTheDropInJar() throws Exception {
        Path run = ItEnvironment.newRunDirectory(getClass().getSimpleName() + "-native");
        james = james(run).start();

        byte[] signed = sendAndReceiveSigned("Invoice – native key operation");

        assertThat(james.log()).contains("S/MIME key operations: native: AWS-LC").doesNotContain(UNAVAILABLE);
        assertThat(nativeGauge()).isEqualTo(1.0);
        assertVerifies(signed, run.resolve("native.eml"));
    }

    @Test
    void jamesShouldFallBackToTheJdkWithOneLogLineWhenTheNativeLibraryCannotLoad() throws Exception {
        Path run = ItEnvironment.newRunDirectory(getClass().getSimpleName() + "-fallback");
        james = james(run).jvmOption(unloadableNativeLibrary(run)).start();

        byte[] signed = sendAndReceiveSigned("Invoice – JDK key operation");

        assertThat(james.log().lines().filter(line -> line.contains(UNAVAILABLE)))
            .as("log lines about the native provider").hasSize(1)
            .allSatisfy(line -> assertThat(line).contains("S/MIME key operations: the JDK's providers"));
        assertThat(nativeGauge()).isEqualTo(0.0);
        assertVerifies(signed, run.resolve("jdk.eml"));
    }

    @Test
    void nativeSettingShouldStopJamesWithOneReasonWhenTheNativeLibraryCannotLoad() throws Exception {
        Path run = ItEnvironment.newRunDirectory(getClass().getSimpleName() + "-required");
        JamesServerProcess.Builder builder = james(run).jvmOption(unloadableNativeLibrary(run)).env("SMIME_SIGNING_PROVIDER", "native");

        assertThatThrownBy(builder::start)
            .hasMessageContaining("James exited")
            .hasMessageContaining("smime.properties: signing.provider: native was asked for, but the native provider is unavailable")
            .hasMessageContaining("set signing.provider=auto or jdk");
    }
}
