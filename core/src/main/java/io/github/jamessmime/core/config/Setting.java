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

/**
 * One key of {@code smime.properties}, declared once ({@link SettingKeys}): its name, its default, the parser of its
 * value, the environment variable the shipped file reads it from, and one line saying what it does. Reading it is
 * pure: the value's text in, the value out, or an {@link InvalidConfigurationException} naming the key.
 *
 * @param <T> the parsed value
 */
public final class Setting<T> {
    /**
     * Turns a value's text (trimmed, never blank) into the value; an {@link IllegalArgumentException} says what is wrong,
     * quoting the value.
     */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(String text, Path baseDirectory);
    }

    private final String key;
    private final Optional<String> defaultText;
    private final Optional<String> environment;
    private final String description;
    private final Parser<T> parser;

    Setting(String key, Optional<String> defaultText, Optional<String> environment, String description, Parser<T> parser) {
        this.key = key;
        this.defaultText = defaultText;
        this.environment = environment;
        this.description = description;
        this.parser = parser;
    }

    public String key() {
        return key;
    }

    /** The value used when the key is left out or blank, as text; empty when there is none (the key is optional or required). */
    public Optional<String> defaultText() {
        return defaultText;
    }

    /** The environment variable the shipped {@code smime.properties} reads this key from, if it does. */
    public Optional<String> environment() {
        return environment;
    }

    /** What the key does, in one line. */
    public String description() {
        return description;
    }

    /** The value given, or the default; empty when neither is. */
    public Optional<T> read(Map<String, String> properties, Path baseDirectory) throws InvalidConfigurationException {
        Optional<String> text = text(properties).or(() -> defaultText);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(parser.parse(text.get(), baseDirectory));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException("smime.properties: " + key + ": " + e.getMessage());
        }
    }

    /** The value given, or the default; a key that has neither is missing, with {@code remedy} saying what to set. */
    public T require(Map<String, String> properties, Path baseDirectory, String remedy) throws InvalidConfigurationException {
        Optional<T> value = read(properties, baseDirectory);
        if (value.isEmpty()) {
            throw new InvalidConfigurationException("smime.properties: " + key + " is missing; " + remedy);
        }
        return value.get();
    }

    /** The value's text as given (trimmed), or empty when left out or blank. */
    public Optional<String> text(Map<String, String> properties) {
        String value = properties.get(key);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    @Override
    public String toString() {
        return key;
    }
}
