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
package io.github.jamessmime.core.policy;

import java.util.Locale;

/** {@code signing.mode}: whether an entitled sender's mail is signed unless it asks not to be, or only when it asks. */
public enum SigningMode {
    /** Signed unless the submitter sets {@code X-Smime-Sign: no} (the default). */
    ALWAYS("always"),
    /** Signed only when the submitter sets {@code X-Smime-Sign: yes}. */
    ON_REQUEST("on-request");

    private final String setting;

    SigningMode(String setting) {
        this.setting = setting;
    }

    /** @throws IllegalArgumentException naming the accepted values */
    public static SigningMode parse(String value) {
        String setting = value.trim().toLowerCase(Locale.ROOT);
        for (SigningMode mode : values()) {
            if (mode.setting.equals(setting)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not a signing mode; use always or on-request");
    }

    @Override
    public String toString() {
        return setting;
    }
}
