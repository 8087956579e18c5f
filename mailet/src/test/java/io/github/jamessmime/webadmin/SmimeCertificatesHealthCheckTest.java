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
package io.github.jamessmime.webadmin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import org.apache.james.core.healthcheck.Result;
import org.apache.james.core.healthcheck.ResultStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import io.github.jamessmime.core.SmimeSigningService;
import io.github.jamessmime.core.signing.SignatureProvider;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.TestServices;

class SmimeCertificatesHealthCheckTest {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final String BILLING = "billing@shop.example";

    @TempDir
    Path conf;
    TestPki pki = TestPki.create(NOW);

    private Result checkWithBillingValidUntil(Instant notAfter) throws Exception {
        Path store = Files.createDirectories(conf.resolve("store"));
        pki.sender(BILLING).validity(NOW.minus(Duration.ofDays(400)), notAfter).issue()
            .writePkcs12(store.resolve("billing.p12"), "pw".toCharArray());
        try (SmimeSigningService service = TestServices.start(conf, pki, Clock.fixed(NOW, ZoneOffset.UTC), Map.of())) {
            return Mono.from(new SmimeCertificatesHealthCheck(service).check()).block();
        }
    }

    @Test
    void checkShouldBeHealthyWhenTheSendersCertificateLastsBeyondTheWarning() throws Exception {
        Result result = checkWithBillingValidUntil(NOW.plus(Duration.ofDays(200)));

        assertThat(result.getComponentName()).isEqualTo(SmimeCertificatesHealthCheck.COMPONENT);
        assertThat(result.getStatus()).isEqualTo(ResultStatus.HEALTHY);
    }

    @Test
    void checkShouldBeDegradedNamingTheSenderWhenItsCertificateExpiresWithinTheWarning() throws Exception {
        Result result = checkWithBillingValidUntil(NOW.plus(Duration.ofDays(10)));

        assertThat(result.getStatus()).isEqualTo(ResultStatus.DEGRADED);
        assertThat(result.getCause()).hasValueSatisfying(cause -> assertThat(cause).contains(BILLING));
    }

    @Test
    void checkShouldBeUnhealthyNamingTheSenderWhenItsOnlyCertificateExpired() throws Exception {
        Result result = checkWithBillingValidUntil(NOW.minus(Duration.ofDays(1)));

        assertThat(result.getStatus()).isEqualTo(ResultStatus.UNHEALTHY);
        assertThat(result.getCause()).hasValueSatisfying(cause -> assertThat(cause).contains(BILLING).contains("expired")
            .endsWith("; key operations: " + SignatureProvider.select(SignatureProvider.Setting.AUTO).description()));
    }
}
