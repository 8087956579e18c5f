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

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.github.jamessmime.core.config.Setting;
import io.github.jamessmime.core.config.SettingKeys;
import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.store.CertificateRule;

/** The README's tables of settings, refusals and failure kinds say what the code declares, no more and no less. */
class ReadmeTablesTest {
    private static final Path README = Path.of("../README.md");
    private static final Path SHIPPED = Path.of("../james-conf/smime.properties");
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

    /** The first cells' texts of the table whose header line is {@code header}, one list of cells per row. */
    private static List<List<String>> table(String header) throws IOException {
        List<String> lines = Files.readAllLines(README);
        int start = lines.indexOf(header);
        assertThat(start).as("README table " + header).isNotNegative();
        List<List<String>> rows = new ArrayList<>();
        for (int i = start + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            String line = lines.get(i);
            rows.add(Arrays.stream(line.substring(1, line.length() - 1).split(" \\| ")).map(String::strip).collect(Collectors.toList()));
        }
        return rows;
    }

    private static List<String> codes(String cell) {
        List<String> codes = new ArrayList<>();
        Matcher matcher = CODE.matcher(cell);
        while (matcher.find()) {
            codes.add(matcher.group(1));
        }
        return codes;
    }

    @Test
    void theConfigurationTableShouldListEveryDeclaredKeyAndNoOther() throws IOException {
        List<String> documented = table("| key | default | meaning |").stream().flatMap(row -> codes(row.get(0)).stream())
            .collect(Collectors.toList());

        assertThat(documented).containsExactlyInAnyOrderElementsOf(SettingKeys.ALL.stream().map(Setting::key).collect(Collectors.toList()));
    }

    @Test
    void theShippedFileShouldReadEveryDeclaredVariableAndTheReadmeNameIt() throws IOException {
        String shipped = Files.readString(SHIPPED);
        String readme = Files.readString(README);

        for (Setting<?> setting : SettingKeys.ALL) {
            if (setting.environment().isPresent()) {
                String variable = setting.environment().get();
                assertThat(shipped).as(setting.key()).contains(setting.key() + "=${env:" + variable + ":-");
                assertThat(readme).as(setting.key()).contains("`" + variable + "`");
            }
        }
        List<String> shippedVariables = codes(shipped.replaceAll("\\$\\{env:(\\w+)", "`$1`")).stream()
            .filter(code -> code.startsWith("SMIME_")).collect(Collectors.toList());
        assertThat(shippedVariables).allMatch(variable -> SettingKeys.ALL.stream().anyMatch(s -> s.environment().orElse("").equals(variable)));
    }

    @Test
    void theRefusalTableShouldNameEveryRuleAndOnlyKindsThatExist() throws IOException {
        List<String> kinds = table("| refusal | kind | message starts with |").stream().map(row -> codes(row.get(1)).get(0))
            .collect(Collectors.toList());
        Set<String> labels = Arrays.stream(FailureKind.values()).map(FailureKind::label).collect(Collectors.toSet());

        assertThat(kinds.stream().filter(kind -> kind.startsWith("rule:")).map(kind -> kind.substring(5)).collect(Collectors.toSet()))
            .containsExactlyInAnyOrderElementsOf(Arrays.stream(CertificateRule.values()).map(CertificateRule::id).collect(Collectors.toList()));
        assertThat(kinds.stream().filter(kind -> !kind.startsWith("rule:"))).allMatch(labels::contains);
    }

    @Test
    void theFailureKindTableShouldGiveEveryKindWithItsExitCode() throws IOException {
        Map<String, Integer> documented = new LinkedHashMap<>();
        for (List<String> row : table("| kind | meaning | WebAdmin status | CLI exit | counter of a failed signature |")) {
            documented.put(codes(row.get(0)).get(0), Integer.parseInt(row.get(3)));
            assertThat(row.get(4)).isEqualTo("`smime_failed_" + codes(row.get(0)).get(0) + "_total`");
        }

        Map<String, Integer> declared = new LinkedHashMap<>();
        for (FailureKind kind : FailureKind.values()) {
            declared.put(kind.label(), ExitCodes.of(kind));
        }
        assertThat(documented).containsExactlyInAnyOrderEntriesOf(declared);
    }
}
