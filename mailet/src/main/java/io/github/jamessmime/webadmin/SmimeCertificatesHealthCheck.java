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

import javax.inject.Inject;

import org.apache.james.core.healthcheck.ComponentName;
import org.apache.james.core.healthcheck.HealthCheck;
import org.apache.james.core.healthcheck.Result;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import io.github.jamessmime.core.SmimeSigningService;
import io.github.jamessmime.core.health.StoreHealth;

/**
 * James health check ({@code /healthcheck}) of the sender certificates: degraded when a sender's certificate expires
 * within {@code health.expiryWarningDays} (default 30) or none is valid yet, unhealthy when a sender's only
 * certificates expired. A cause ends with where the key operations run ({@code signing.provider}); James's healthy
 * result carries no cause, so there the gauge {@value io.github.jamessmime.mailet.SmimeSigningModule#NATIVE_PROVIDER_GAUGE}
 * and the start-up log line tell it. Registered through {@code healthcheck.properties}:
 * {@code additional.healthchecks=io.github.jamessmime.webadmin.SmimeCertificatesHealthCheck}.
 */
public class SmimeCertificatesHealthCheck implements HealthCheck {
    public static final ComponentName COMPONENT = new ComponentName("S/MIME certificates");

    private final SmimeSigningService service;

    @Inject
    public SmimeCertificatesHealthCheck(SmimeSigningService service) {
        this.service = service;
    }

    @Override
    public ComponentName componentName() {
        return COMPONENT;
    }

    @Override
    public Publisher<Result> check() {
        return Mono.fromCallable(() -> {
            StoreHealth health = service.health();
            String cause = health.summary() + "; key operations: " + service.signatureProvider().description();
            switch (health.status()) {
                case UNHEALTHY:
                    return Result.unhealthy(COMPONENT, cause);
                case DEGRADED:
                    return Result.degraded(COMPONENT, cause);
                default:
                    return Result.healthy(COMPONENT);
            }
        });
    }
}
