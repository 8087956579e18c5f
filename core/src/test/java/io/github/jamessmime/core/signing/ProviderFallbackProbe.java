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

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;

import javax.mail.internet.MimeMessage;

import io.github.jamessmime.core.SmimeSigningService;
import io.github.jamessmime.core.policy.Eligibility;
import io.github.jamessmime.testing.TestMessages;
import io.github.jamessmime.testing.TestPki;
import io.github.jamessmime.testing.TestServices;
import io.github.jamessmime.testing.Verifiers;

/**
 * Run by {@link SignatureProviderTest} in a JVM of its own, where the native library cannot load: starts the service
 * with {@code signing.provider} as given, signs one message as its sender and writes it with the root certificate into
 * the directory given, for the test to verify. Prints the provider the service chose.
 */
final class ProviderFallbackProbe {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final String SENDER = "billing@shop.example";

    private ProviderFallbackProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[0]);
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        TestPki pki = TestPki.create(NOW);
        SmimeSigningService service = TestServices.start(Files.createDirectories(directory.resolve("conf")), pki, clock,
            Map.of("signing.provider", args[1]), SENDER);
        try {
            System.out.println("provider=" + service.signatureProvider().name());
            Eligibility eligibility = service.eligibility(Verifiers.parse(TestMessages.plain7bit(SENDER)), Optional.of(SENDER),
                Optional.of("192.0.2.7"));
            MimeMessage signed = service.sign(Verifiers.parse(TestMessages.plain7bit(SENDER)), eligibility);
            Files.write(directory.resolve("signed.eml"), Verifiers.serialize(signed));
            pki.writeRootPem(directory.resolve("root.pem"));
        } finally {
            service.close();
        }
    }
}
