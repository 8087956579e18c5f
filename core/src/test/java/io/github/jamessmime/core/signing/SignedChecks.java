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
package io.github.jamessmime.core.signing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.testing.TestPki;

/** What the generated-message tests check on every signed message, shared by the property test and the fuzzer. */
final class SignedChecks {
    static final Instant NOW = Instant.parse("2026-06-01T10:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final String SENDER = "billing@shop.example";

    private SignedChecks() {
    }

    /** The sender identity of {@link SmimeSignerTest}: RSA 2048 under the test PKI's intermediate. */
    static SigningIdentity identity(TestPki pki) throws Exception {
        TestPki.Issued issued = pki.sender(SENDER).keyType(TestPki.KeyType.RSA_2048).issue();
        return pki.rules().validate(Path.of("test.p12"), issued.privateKey(), issued.chain(), pki.now());
    }

    /**
     * Every way, by its first occurrence, in which {@code bytes} are not 7-bit canonical: a byte over 127, NUL, CR
     * not followed by LF, LF not preceded by CR, a line over 998 octets. Each as {cause, detail}; the cause names
     * the header field when the line looks like one.
     */
    static List<String[]> sevenBitProblems(byte[] bytes) {
        Map<String, String[]> problems = new LinkedHashMap<>();
        int lineStart = 0;
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xFF;
            String kind = null;
            if (b > 127) {
                kind = "8-bit byte";
            } else if (b == 0) {
                kind = "NUL";
            } else if (b == '\r' && (i + 1 == bytes.length || bytes[i + 1] != '\n')) {
                kind = "bare CR";
            } else if (b == '\n' && (i == 0 || bytes[i - 1] != '\r')) {
                kind = "bare LF";
            }
            if (b == '\n') {
                lineStart = i + 1;
            } else if (i - lineStart == 998 && b != '\r') {
                kind = "line over 998 octets";
            }
            if (kind != null) {
                String where = where(bytes, lineStart);
                problems.putIfAbsent(kind + where, new String[] {"output not 7-bit canonical: " + kind + where,
                    String.format(Locale.ROOT, "0x%02X at offset %d in line '%s'", b, i, line(bytes, lineStart))});
            }
        }
        return new ArrayList<>(problems.values());
    }

    /** " in header Content-Disposition" when the line is a header field, " in a body line" otherwise. */
    private static String where(byte[] bytes, int lineStart) {
        int i = lineStart;
        while (i < bytes.length && i - lineStart < 80 && bytes[i] > 32 && bytes[i] < 127 && bytes[i] != ':') {
            i++;
        }
        if (i > lineStart && i < bytes.length && bytes[i] == ':') {
            return " in header " + new String(bytes, lineStart, i - lineStart, StandardCharsets.US_ASCII);
        }
        return " in a body line";
    }

    private static String line(byte[] bytes, int lineStart) {
        StringBuilder line = new StringBuilder();
        for (int i = lineStart; i < bytes.length && i < lineStart + 60 && bytes[i] != '\n'; i++) {
            int b = bytes[i] & 0xFF;
            line.append(b < 32 || b > 126 ? String.format(Locale.ROOT, "\\x%02X", b) : String.valueOf((char) b));
        }
        return line.toString();
    }

    /** The error lines of openssl's stderr without the thread prefix: {@code error:...:digest failure}. */
    static String opensslCause(String stderr) {
        List<String> lines = new ArrayList<>();
        for (String line : stderr.split("\n")) {
            String trimmed = line.replaceFirst("^[0-9A-F]{8,}:", "").trim();
            if (!trimmed.isEmpty()) {
                lines.add(trimmed);
            }
        }
        return String.join(" | ", lines);
    }

    /** A message with numbers and quoted excerpts blanked, so that one cause groups its occurrences. */
    static String cause(String message) {
        return String.valueOf(message).replaceAll("'[^']*'", "'…'").replaceAll("\\d+", "#").replaceAll("\\s+", " ");
    }
}
