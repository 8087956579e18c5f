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
package io.github.jamessmime.webadmin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.jamessmime.core.failure.FailureKind;

/** The one table from failure kinds to WebAdmin statuses covers every kind, as the README gives it. */
class WebAdminErrorsTest {
    @Test
    void everyFailureKindShouldHaveTheStatusTheReadmeGives() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("../README.md"));
        int header = lines.indexOf("| kind | meaning | WebAdmin status | CLI exit | counter of a failed signature |");
        Map<String, Integer> documented = new HashMap<>();
        for (int i = header + 2; lines.get(i).startsWith("|"); i++) {
            String[] cells = lines.get(i).split(" \\| ");
            documented.put(cells[0].replace("|", "").replace("`", "").strip(), Integer.parseInt(cells[2].strip()));
        }

        Map<String, Integer> declared = new HashMap<>();
        WebAdminErrors.STATUS.forEach((kind, status) -> declared.put(kind.label(), status));
        assertThat(WebAdminErrors.STATUS.keySet()).containsExactlyInAnyOrder(FailureKind.values());
        assertThat(documented).isEqualTo(declared);
    }
}
