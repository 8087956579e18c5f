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

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The message digests a signature may use, with the names RFC 8551 gives them in {@code micalg}. */
public enum DigestAlgorithm {
    SHA_256("SHA-256", "sha-256", "SHA256"),
    SHA_384("SHA-384", "sha-384", "SHA384"),
    SHA_512("SHA-512", "sha-512", "SHA512");

    private final String jcaName;
    private final String micalg;
    private final String signaturePrefix;

    DigestAlgorithm(String jcaName, String micalg, String signaturePrefix) {
        this.jcaName = jcaName;
        this.micalg = micalg;
        this.signaturePrefix = signaturePrefix;
    }

    /** Accepts {@code SHA-256}, {@code sha256}, {@code sha-256} and the like. */
    public static DigestAlgorithm parse(String value) {
        String normalized = value.trim().toUpperCase(Locale.ROOT).replace("-", "");
        for (DigestAlgorithm algorithm : values()) {
            if (algorithm.jcaName.replace("-", "").equals(normalized)) {
                return algorithm;
            }
        }
        throw new IllegalArgumentException("unsupported digest '" + value + "'; use one of "
            + Arrays.stream(values()).map(DigestAlgorithm::jcaName).collect(Collectors.joining(", ")));
    }

    public String jcaName() {
        return jcaName;
    }

    /** The {@code micalg} parameter of {@code multipart/signed}. */
    public String micalg() {
        return micalg;
    }

    /** The JCA signature name prefix, as in {@code SHA256withRSA}. */
    String signaturePrefix() {
        return signaturePrefix;
    }
}
