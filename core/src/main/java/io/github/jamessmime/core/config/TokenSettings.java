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
package io.github.jamessmime.core.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** The {@code pkcs11.*} settings of a token holding sender keys: which library, slot and PIN, as parsed (nothing read yet). */
public final class TokenSettings {
    private final Path library;
    private final String name;
    private final Optional<Long> slot;
    private final int slotListIndex;
    private final SecretSetting pin;

    private TokenSettings(Path library, String name, Optional<Long> slot, int slotListIndex, SecretSetting pin) {
        this.library = library;
        this.name = name;
        this.slot = slot;
        this.slotListIndex = slotListIndex;
        this.pin = pin;
    }

    /** The token of {@code pkcs11.library} and its sub-keys, if one is configured. */
    static Optional<TokenSettings> parse(Map<String, String> properties, Path baseDirectory) throws InvalidConfigurationException {
        Optional<Path> library = SettingKeys.PKCS11_LIBRARY.read(properties, baseDirectory);
        if (library.isEmpty()) {
            Optional<String> stray = SettingKeys.ALL.stream().map(Setting::key).filter(key -> key.startsWith("pkcs11."))
                .filter(key -> SettingKeys.ALL.stream().anyMatch(setting -> setting.key().equals(key) && setting.text(properties).isPresent()))
                .sorted().findFirst();
            if (stray.isPresent()) {
                throw new InvalidConfigurationException("smime.properties: " + stray.get() + " is set but " + SettingKeys.PKCS11_LIBRARY
                    + " is not; set " + SettingKeys.PKCS11_LIBRARY + " to the token's PKCS#11 library, or remove the pkcs11.* keys");
            }
            return Optional.empty();
        }
        Optional<Long> slot = SettingKeys.PKCS11_SLOT.read(properties, baseDirectory);
        Optional<Integer> index = SettingKeys.PKCS11_SLOT_LIST_INDEX.read(properties, baseDirectory);
        if (slot.isPresent() && index.isPresent()) {
            throw new InvalidConfigurationException("smime.properties: set " + SettingKeys.PKCS11_SLOT + " or "
                + SettingKeys.PKCS11_SLOT_LIST_INDEX + ", not both");
        }
        Optional<Path> pinFile = SettingKeys.PKCS11_PIN_FILE.read(properties, baseDirectory);
        Optional<String> pinEnv = SettingKeys.PKCS11_PIN_ENV.read(properties, baseDirectory);
        if (pinFile.isPresent() == pinEnv.isPresent()) {
            throw new InvalidConfigurationException("smime.properties: set exactly one of " + SettingKeys.PKCS11_PIN_FILE + " or "
                + SettingKeys.PKCS11_PIN_ENV + " for the PKCS#11 token's user PIN");
        }
        SecretSetting pin = pinFile.map(file -> SecretSetting.file(SettingKeys.PKCS11_PIN_FILE.key(), file))
            .orElseGet(() -> SecretSetting.environment(SettingKeys.PKCS11_PIN_ENV.key(), pinEnv.get()));
        return Optional.of(new TokenSettings(library.get(), SettingKeys.PKCS11_NAME.read(properties, baseDirectory).orElseThrow(), slot,
            index.orElse(0), pin));
    }

    public Path library() {
        return library;
    }

    public String name() {
        return name;
    }

    public Optional<Long> slot() {
        return slot;
    }

    public int slotListIndex() {
        return slotListIndex;
    }

    /** Where the user PIN comes from. */
    public SecretSetting pin() {
        return pin;
    }

    @Override
    public String toString() {
        return "pkcs11{" + name + ", library=" + library + ", " + slot.map(id -> "slot=" + id).orElse("slotListIndex=" + slotListIndex) + "}";
    }
}
