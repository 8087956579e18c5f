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

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import io.github.jamessmime.core.failure.FailureKind;

/**
 * The command line's exit codes: the one table from a {@link FailureKind} to a code (a test checks it covers every
 * kind, the README lists the codes).
 */
final class ExitCodes {
    /** Done, or every file is usable. */
    static final int OK = 0;
    /** Refused: the input, a file or a certificate is judged not usable (the line says why and what to do). */
    static final int REFUSED = 1;
    /** The command line or {@code --config} is wrong (picocli's own usage errors exit 2 as well). */
    static final int CONFIGURATION = 2;
    /** This machine failed: a disk, the token, a key operation; trying again may help. */
    static final int FAILED = 3;

    static final Map<FailureKind, Integer> BY_KIND = codes();

    private ExitCodes() {
    }

    private static Map<FailureKind, Integer> codes() {
        Map<FailureKind, Integer> codes = new EnumMap<>(FailureKind.class);
        for (FailureKind kind : List.of(FailureKind.WRONG_PASSWORD, FailureKind.UNREADABLE, FailureKind.RULE, FailureKind.NOT_TRUSTED,
            FailureKind.EXPIRED, FailureKind.REVOKED, FailureKind.HELD_IN_TOKEN, FailureKind.PENDING, FailureKind.NOT_FOUND,
            FailureKind.BAD_INPUT, FailureKind.NOT_CANONICAL, FailureKind.NEEDS_SMTPUTF8, FailureKind.TOO_LARGE)) {
            codes.put(kind, REFUSED);
        }
        codes.put(FailureKind.CONFIGURATION, CONFIGURATION);
        for (FailureKind kind : List.of(FailureKind.IO, FailureKind.TOKEN_UNAVAILABLE, FailureKind.KEY_FAILED, FailureKind.SELF_CHECK,
            FailureKind.UNEXPECTED)) {
            codes.put(kind, FAILED);
        }
        return Collections.unmodifiableMap(codes);
    }

    static int of(FailureKind kind) {
        return BY_KIND.get(kind);
    }
}
