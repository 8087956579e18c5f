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

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A properties file read as James reads {@code conf/smime.properties}: the command line's {@code --config} takes the very
 * file James runs with, {@code ${env:NAME}} and {@code ${env:NAME:-default}} replaced from the environment as James's
 * configuration does (an unset variable without a default stays as written, and is then refused by its key's parser).
 */
public final class PropertiesFile {
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private PropertiesFile() {
    }

    /** The keys and values of {@code file}, as written. */
    static Map<String, String> read(Path file, String what) throws InvalidConfigurationException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new InvalidConfigurationException(what + ": cannot read " + file.toAbsolutePath() + " (" + e.getClass().getSimpleName() + ")");
        }
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> map.put(name, properties.getProperty(name)));
        return map;
    }

    /** The keys and values of {@code file}, with {@code ${env:…}} replaced from {@code environment}. */
    public static Map<String, String> readInterpolated(Path file, Function<String, String> environment) throws InvalidConfigurationException {
        Map<String, String> properties = read(file, file.getFileName().toString());
        properties.replaceAll((key, value) -> interpolate(value, environment));
        return properties;
    }

    static String interpolate(String value, Function<String, String> environment) {
        Matcher matcher = VARIABLE.matcher(value);
        StringBuilder result = new StringBuilder();
        while (matcher.find()) {
            String set = environment.apply(matcher.group(1));
            String replacement = set != null ? set : matcher.group(2) != null ? matcher.group(2) : matcher.group();
            matcher.appendReplacement(result, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(result);
        return result.toString();
    }
}
