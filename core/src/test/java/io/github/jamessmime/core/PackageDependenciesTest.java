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
package io.github.jamessmime.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The core's packages depend on each other without a cycle, read from the production sources' imports. */
class PackageDependenciesTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?(io\\.github\\.jamessmime\\.[\\w.]+)\\.[A-Z]\\w*[\\w.]*;",
        Pattern.MULTILINE);

    @Test
    void corePackagesShouldHaveNoCycle() throws IOException {
        Map<String, Set<String>> dependencies = dependencies();
        // the imports were read: the signer's package uses the store's identities
        assertThat(dependencies.get("io.github.jamessmime.core.signing")).contains("io.github.jamessmime.core.store");
        for (String start : dependencies.keySet()) {
            assertThat(reachable(start, dependencies)).as("packages reachable from " + start).doesNotContain(start);
        }
    }

    @Test
    void noCorePackageShouldDependOnTheEntryPoint() throws IOException {
        Map<String, Set<String>> dependencies = dependencies();
        List<String> dependents = new ArrayList<>();
        dependencies.forEach((from, to) -> {
            if (to.contains("io.github.jamessmime.core")) {
                dependents.add(from);
            }
        });
        assertThat(dependents).isEmpty();
    }

    private static Set<String> reachable(String start, Map<String, Set<String>> dependencies) {
        Set<String> seen = new HashSet<>();
        List<String> todo = new ArrayList<>(dependencies.getOrDefault(start, Set.of()));
        while (!todo.isEmpty()) {
            String next = todo.remove(todo.size() - 1);
            if (seen.add(next)) {
                todo.addAll(dependencies.getOrDefault(next, Set.of()));
            }
        }
        return seen;
    }

    private static Map<String, Set<String>> dependencies() throws IOException {
        Map<String, Set<String>> dependencies = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(SOURCES)) {
            files = walk.filter(file -> file.toString().endsWith(".java")).collect(Collectors.toList());
        }
        for (Path file : files) {
            String source = Files.readString(file);
            Matcher packageName = PACKAGE.matcher(source);
            if (!packageName.find()) {
                continue;
            }
            String from = packageName.group(1);
            Set<String> to = dependencies.computeIfAbsent(from, key -> new TreeSet<>());
            Matcher imported = IMPORT.matcher(source);
            while (imported.find()) {
                String target = imported.group(1).replaceAll("\\.[A-Z].*$", "");
                if (!target.equals(from)) {
                    to.add(target);
                }
            }
        }
        return dependencies;
    }
}
