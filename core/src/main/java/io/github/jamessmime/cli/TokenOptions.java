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
package io.github.jamessmime.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import picocli.CommandLine.Option;

import io.github.jamessmime.core.config.InvalidConfigurationException;
import io.github.jamessmime.core.config.PasswordFile;
import io.github.jamessmime.core.config.SettingKeys;
import io.github.jamessmime.core.store.Pkcs11Token;

/** The options that name a PKCS#11 token, as the {@code pkcs11.*} keys of smime.properties do. */
final class TokenOptions {
    @Option(names = "--pkcs11-library", paramLabel = "FILE",
        description = "the PKCS#11 library of a token whose key entries count as store entries too, as pkcs11.library")
    Path pkcs11Library;

    @Option(names = "--pkcs11-slot", paramLabel = "ID", description = "the token's slot id, as pkcs11.slot (default: the first slot)")
    Long pkcs11Slot;

    @Option(names = "--pkcs11-slot-index", paramLabel = "N",
        description = "the token's position in the slot list when no slot id is given, as pkcs11.slotListIndex (default 0)")
    Integer pkcs11SlotIndex;

    @Option(names = "--pkcs11-pin-file", paramLabel = "FILE", description = "file holding the token's user PIN on its first line")
    Path pkcs11PinFile;

    @Option(names = "--pkcs11-name", paramLabel = "NAME",
        description = "names the token's entries (pkcs11:NAME/alias), as pkcs11.name (default: token)")
    String pkcs11Name;

    /**
     * These options as the {@code pkcs11.*} keys they stand for, over what {@code properties} (from {@code --config}) holds:
     * given on the command line, they win.
     */
    void override(Map<String, String> properties) {
        if (pkcs11Library != null) {
            properties.put(SettingKeys.PKCS11_LIBRARY.key(), pkcs11Library.toAbsolutePath().toString());
        }
        if (pkcs11Slot != null) {
            properties.put(SettingKeys.PKCS11_SLOT.key(), pkcs11Slot.toString());
            properties.remove(SettingKeys.PKCS11_SLOT_LIST_INDEX.key());
        }
        if (pkcs11SlotIndex != null) {
            properties.put(SettingKeys.PKCS11_SLOT_LIST_INDEX.key(), pkcs11SlotIndex.toString());
            properties.remove(SettingKeys.PKCS11_SLOT.key());
        }
        if (pkcs11PinFile != null) {
            properties.put(SettingKeys.PKCS11_PIN_FILE.key(), pkcs11PinFile.toAbsolutePath().toString());
            properties.remove(SettingKeys.PKCS11_PIN_ENV.key());
        }
        if (pkcs11Name != null) {
            properties.put(SettingKeys.PKCS11_NAME.key(), pkcs11Name);
        }
    }

    /** The token the options name, if they name one. */
    Optional<Pkcs11Token> token() throws InvalidConfigurationException {
        if (pkcs11Library == null) {
            return Optional.empty();
        }
        if (pkcs11PinFile == null) {
            throw new InvalidConfigurationException("--pkcs11-pin-file is needed with --pkcs11-library");
        }
        try {
            return Optional.of(Pkcs11Token.of(new Pkcs11Token.Settings(pkcs11Name == null ? "token" : pkcs11Name, pkcs11Library,
                Optional.ofNullable(pkcs11Slot), pkcs11SlotIndex == null ? 0 : pkcs11SlotIndex,
                PasswordFile.firstLine(pkcs11PinFile, "--pkcs11-pin-file"), Optional.of(pkcs11PinFile))));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("--pkcs11-name or --pkcs11-library: " + e.getMessage());
        }
    }

    /** The token the options name; {@code --pkcs11-library} is required here. */
    Pkcs11Token required() throws InvalidConfigurationException {
        return token().orElseThrow(() -> new InvalidConfigurationException("--pkcs11-library is needed: name the token's PKCS#11 library"));
    }
}
