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
package io.github.jamessmime.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

import io.github.jamessmime.core.SmimeSigningService;
import io.github.jamessmime.core.config.SmimeConfiguration;

/** A real signing service over a store of freshly issued certificates, for the matcher and mailet tests. */
public final class TestServices {
    private TestServices() {
    }

    /**
     * @param conf    an empty directory: it gets store/ with one PKCS#12 per sender
     * @param extra   more smime.properties entries (for example entitlement.trustedNetworks)
     */
    public static SmimeSigningService start(Path conf, TestPki pki, Clock clock, Map<String, String> extra, String... senders)
        throws Exception {
        Path store = Files.createDirectories(conf.resolve("store"));
        for (String sender : senders) {
            pki.sender(sender).issue().writePkcs12(store.resolve(sender + ".p12"), "pw".toCharArray());
        }
        pki.writeRootPem(conf.resolve("trust-anchors.pem"));
        Map<String, String> properties = new HashMap<>(extra);
        properties.putIfAbsent("store.trustAnchors", "trust-anchors.pem");
        properties.put("store.directory", "store");
        properties.put("store.password", "pw");
        properties.put("store.reloadIntervalSeconds", "0");
        return SmimeSigningService.start(SmimeConfiguration.parse(properties, conf), clock);
    }
}
