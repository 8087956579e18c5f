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
package io.github.jamessmime.it;

import java.util.Optional;
import java.util.function.Supplier;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/** Prints the tail of the James log when a test fails: {@code @RegisterExtension static PrintJamesLogOnFailure log = ...}. */
final class PrintJamesLogOnFailure implements TestWatcher {

    private final Supplier<JamesServerProcess> james;
    private final int lines;

    PrintJamesLogOnFailure(Supplier<JamesServerProcess> james, int lines) {
        this.james = james;
        this.lines = lines;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        JamesServerProcess server = james.get();
        if (server != null) {
            System.err.println("Test " + context.getDisplayName() + " failed; " + server
                + (server.isAlive() ? "" : " (NOT RUNNING)") + "\n" + server.logTail(lines));
        }
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        testFailed(context, cause);
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
    }
}
