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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A password kept in a file of its own, as James's operators and the CLI give them. */
public final class PasswordFile {
    private PasswordFile() {
    }

    /**
     * The first line of the file, without its line break.
     *
     * @param what the setting or option that named the file, for the error
     */
    public static char[] firstLine(Path path, String what) throws InvalidConfigurationException {
        try {
            String content = Files.readString(path, StandardCharsets.UTF_8);
            int end = content.indexOf('\n');
            String first = end < 0 ? content : content.substring(0, end);
            if (first.endsWith("\r")) {
                first = first.substring(0, first.length() - 1);
            }
            return first.toCharArray();
        } catch (IOException e) {
            throw new InvalidConfigurationException(what + ": cannot read password file " + path.toAbsolutePath()
                + " (" + e.getClass().getSimpleName() + "); create it with the password on its first line");
        }
    }
}
