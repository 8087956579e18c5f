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
import java.util.Optional;
import java.util.function.Function;

/**
 * Where a secret comes from (the store password, the token PIN): a file, an environment variable, or the value
 * itself. Parsing only notes which; {@link #read} reads it, when the running parts are made. Never logged: {@link
 * #origin()} and {@link #toString()} name the source only.
 */
public final class SecretSetting {
    private final String key;
    private final Optional<Path> file;
    private final Optional<String> variable;
    private final Optional<String> value;

    private SecretSetting(String key, Optional<Path> file, Optional<String> variable, Optional<String> value) {
        this.key = key;
        this.file = file;
        this.variable = variable;
        this.value = value;
    }

    static SecretSetting file(String key, Path file) {
        return new SecretSetting(key, Optional.of(file), Optional.empty(), Optional.empty());
    }

    static SecretSetting environment(String key, String variable) {
        return new SecretSetting(key, Optional.empty(), Optional.of(variable), Optional.empty());
    }

    static SecretSetting inline(String key, String value) {
        return new SecretSetting(key, Optional.empty(), Optional.empty(), Optional.of(value));
    }

    /** The file it is read from, when it is: read again at every store check. */
    public Optional<Path> file() {
        return file;
    }

    /** The secret now: the file's first line, the variable's value, or the value given. */
    public char[] read(Function<String, String> environment) throws InvalidConfigurationException {
        if (file.isPresent()) {
            return PasswordFile.firstLine(file.get(), key);
        }
        if (variable.isPresent()) {
            String secret = environment.apply(variable.get());
            if (secret == null) {
                throw new InvalidConfigurationException("smime.properties: " + key + " names environment variable " + variable.get()
                    + ", which is not set; set it for the James process");
            }
            return secret.toCharArray();
        }
        return value.orElseThrow().toCharArray();
    }

    /** The setting and its file or variable ({@code store.password.file /etc/james/store.password}), never the secret. */
    public String origin() {
        return key + file.map(path -> " " + path).or(() -> variable.map(name -> " " + name)).orElse("");
    }

    @Override
    public String toString() {
        return origin();
    }
}
