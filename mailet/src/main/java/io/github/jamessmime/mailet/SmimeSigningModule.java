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
package io.github.jamessmime.mailet;

import java.io.FileNotFoundException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import javax.inject.Singleton;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.metrics.api.GaugeRegistry;
import org.apache.james.utils.PropertiesProvider;

import io.github.jamessmime.core.SmimeSigningService;
import io.github.jamessmime.core.assembly.SmimeParts;
import io.github.jamessmime.core.config.InvalidConfigurationException;
import io.github.jamessmime.core.config.SmimeConfiguration;
import io.github.jamessmime.core.store.StoreException;

/**
 * Gives the matcher and the mailet one {@link SmimeSigningService} per James server, configured by
 * {@code conf/smime.properties}. Declare it in {@code conf/extensions.properties}:
 * {@code guice.extension.module=io.github.jamessmime.mailet.SmimeSigningModule}.
 */
public class SmimeSigningModule extends AbstractModule {
    public static final String CONFIGURATION_NAME = "smime";
    /** Days until the first sender's usable certificate expires (-1 when none is usable). */
    public static final String DAYS_TO_FIRST_EXPIRY_GAUGE = "smime.certificates.daysToFirstExpiry";
    /** Signed messages that failed the self-check since start, so were not sent signed. */
    public static final String SELF_CHECK_FAILURES_GAUGE = "smime.signing.selfCheckFailures";
    /** Sender addresses with a certificate usable now. */
    public static final String USABLE_SENDERS_GAUGE = "smime_certificates_usable_senders";
    /** Files of the store refused at the last load (any reason, expiry and revocation included). */
    public static final String REFUSED_FILES_GAUGE = "smime_certificates_refused_files";
    /** 1 when the key operations run in the native provider, 0 when in the JDK's ({@code signing.provider}). */
    public static final String NATIVE_PROVIDER_GAUGE = "smime_signing_native_provider";
    /** 1 when the PKCS#11 token ({@code pkcs11.*}) could not be listed at the last store check, 0 otherwise (or without one). */
    public static final String TOKEN_UNAVAILABLE_GAUGE = "smime_pkcs11_token_unavailable";
    /** Senders whose certificate expires within health.expiryWarningDays with no pending renewal request. */
    public static final String EXPIRING_WITHOUT_RENEWAL_GAUGE = "smime_certificates_expiring_without_renewal";
    /** Pending certificate requests (keys awaiting their certificates, in the store or the token). */
    public static final String PENDING_REQUESTS_GAUGE = "smime_certificates_pending_requests";

    @Provides
    @Singleton
    SmimeSigningService provideSigningService(PropertiesProvider propertiesProvider,
                                              org.apache.james.server.core.configuration.Configuration jamesConfiguration,
                                              GaugeRegistry gauges)
        throws InvalidConfigurationException, StoreException {
        Map<String, String> properties = new HashMap<>();
        try {
            Configuration configuration = propertiesProvider.getConfiguration(CONFIGURATION_NAME);
            for (Iterator<String> keys = configuration.getKeys(); keys.hasNext(); ) {
                String key = keys.next();
                properties.put(key, String.join(",", configuration.getStringArray(key)));
            }
        } catch (FileNotFoundException e) {
            throw new InvalidConfigurationException("conf/" + CONFIGURATION_NAME
                + ".properties is missing; the S/MIME extension needs it (see james-conf/smime.properties)", e);
        } catch (ConfigurationException e) {
            throw new InvalidConfigurationException("conf/" + CONFIGURATION_NAME
                + ".properties cannot be read: " + e.getMessage(), e);
        }
        Path confDirectory = Path.of(jamesConfiguration.directories().getConfDirectory());
        Path varDirectory = Path.of(jamesConfiguration.directories().getVarDirectory());
        SmimeSigningService service = SmimeSigningService.start(
            SmimeParts.of(SmimeConfiguration.parse(properties, confDirectory, varDirectory), Clock.systemUTC(), System::getenv));
        gauges.register(DAYS_TO_FIRST_EXPIRY_GAUGE, () -> service.health().daysToFirstExpiry().orElse(-1L));
        gauges.register(SELF_CHECK_FAILURES_GAUGE, service::selfCheckFailures);
        gauges.register(USABLE_SENDERS_GAUGE, () -> service.store().usableSenders());
        gauges.register(NATIVE_PROVIDER_GAUGE, () -> service.signatureProvider().isNative() ? 1 : 0);
        gauges.register(TOKEN_UNAVAILABLE_GAUGE, () -> service.store().tokenProblem().isPresent() ? 1 : 0);
        gauges.register(REFUSED_FILES_GAUGE, () -> service.store().reports().stream().filter(report -> !report.usable()).count());
        gauges.register(EXPIRING_WITHOUT_RENEWAL_GAUGE, () -> service.health().expiringWithoutRenewal().size());
        gauges.register(PENDING_REQUESTS_GAUGE, () -> service.store().pendingAddresses().size());
        return service;
    }

    @Override
    protected void configure() {
        // everything is provided by provideSigningService
    }
}
