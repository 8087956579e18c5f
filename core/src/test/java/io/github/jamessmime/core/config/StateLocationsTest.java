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

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateLocationsTest {
    @TempDir
    Path conf;
    Path store;
    Path varDirectory;
    Map<String, String> properties = new HashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        store = Files.createDirectories(conf.resolve("store"));
        varDirectory = conf.resolveSibling(conf.getFileName() + "-var");
        properties.put("store.directory", "store");
        properties.put("store.password", "pw");
    }

    private StateLocations.Resolved resolve(Predicate<Path> writable) throws Exception {
        return SmimeConfiguration.parse(properties, conf, varDirectory).stateLocations().resolve(writable);
    }

    private static Predicate<Path> allButTheStore(Path store) {
        return path -> !path.equals(store);
    }

    @Test
    void defaultsShouldStayInAStoreDirectoryThatCanBeWritten() throws Exception {
        StateLocations.Resolved resolved = resolve(path -> true);

        assertThat(resolved.usageDirectory()).isEqualTo(store.resolve(".usage"));
        assertThat(resolved.indexFile()).contains(store.resolve(".james-smime-index"));
        assertThat(resolved.note()).isEmpty();
    }

    @Test
    void defaultsShouldMoveUnderJamesVarDirectoryWhenTheStoreCannotBeWritten() throws Exception {
        StateLocations.Resolved resolved = resolve(allButTheStore(store));

        assertThat(resolved.usageDirectory()).isEqualTo(varDirectory.resolve("smime").resolve("usage"));
        assertThat(resolved.indexFile()).contains(varDirectory.resolve("smime").resolve("store-index"));
        assertThat(resolved.note()).hasValueSatisfying(note -> assertThat(note)
            .contains(store.toString(), "cannot be written", resolved.usageDirectory().toString(), "usage.directory", "SMIME_USAGE_DIRECTORY"));
    }

    @Test
    void emptySettingsShouldMeanTheDefaultsAsTheShippedFileGivesThemFromAnUnsetVariable() throws Exception {
        properties.put("usage.directory", "");
        properties.put("store.indexFile", " ");

        StateLocations.Resolved resolved = resolve(allButTheStore(store));

        assertThat(resolved.usageDirectory()).isEqualTo(varDirectory.resolve("smime").resolve("usage"));
        assertThat(resolved.indexFile()).contains(varDirectory.resolve("smime").resolve("store-index"));
    }

    @Test
    void aWritableUsageDirectoryOfAReadOnlyStoreShouldKeepItsCounts() throws Exception {
        Path usage = Files.createDirectories(store.resolve(".usage"));

        StateLocations.Resolved resolved = resolve(allButTheStore(store));

        assertThat(resolved.usageDirectory()).isEqualTo(usage);
        assertThat(resolved.indexFile()).contains(varDirectory.resolve("smime").resolve("store-index"));
        assertThat(resolved.note()).hasValueSatisfying(note -> assertThat(note).contains("store index").doesNotContain("usage counts"));
    }

    @Test
    void settingsGivenShouldBeUsedAsTheyAreRelativeToTheStore() throws Exception {
        properties.put("usage.directory", "/shared/usage");
        properties.put("store.indexFile", "../index");

        StateLocations.Resolved resolved = resolve(allButTheStore(store));

        assertThat(resolved.usageDirectory()).isEqualTo(Path.of("/shared/usage"));
        assertThat(resolved.indexFile()).contains(conf.resolve("index"));
        assertThat(resolved.note()).isEmpty();
    }

    @Test
    void indexNoneShouldSwitchTheIndexOffWhereverTheStoreIs() throws Exception {
        properties.put("store.indexFile", "None");

        assertThat(resolve(path -> true).indexFile()).isEmpty();
        assertThat(resolve(allButTheStore(store)).indexFile()).isEmpty();
        assertThat(resolve(allButTheStore(store)).note()).hasValueSatisfying(note -> assertThat(note).doesNotContain("index"));
    }

    @Test
    void theRealCheckShouldFindATemporaryStoreWritable() throws Exception {
        StateLocations.Resolved resolved = SmimeConfiguration.parse(properties, conf, varDirectory).stateLocations().resolve();

        assertThat(resolved.usageDirectory()).isEqualTo(store.resolve(".usage"));
        assertThat(resolved.indexFile()).contains(store.resolve(".james-smime-index"));
    }
}
