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
package io.github.jamessmime.core.store;

/**
 * Where the store password comes from: read again at every store check, so that a corrected password file is taken
 * up without a restart. Its {@link #origin()} names the setting and the file or variable, never the secret.
 */
public interface StorePassword {
    /** The password now (a file is read again). */
    char[] current() throws StoreException;

    /** The setting that gives it, as an operator fixes it: {@code store.password.file /etc/james/smime.password}. */
    String origin();

    /** A password given once (a test, a command line's file read once): it never changes. */
    static StorePassword fixed(char[] password, String origin) {
        char[] copy = password.clone();
        return new StorePassword() {
            @Override
            public char[] current() {
                return copy.clone();
            }

            @Override
            public String origin() {
                return origin;
            }
        };
    }
}
