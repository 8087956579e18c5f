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

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The demo scripts keep what they make to this user, and never put a secret on a command line. */
class DemoSecretsTest {
    private static final Path ROOT = ItEnvironment.confDirectory().getParent();

    @Test
    void demoPkiShouldMakeEveryFileReadableByThisUserOnly() throws Exception {
        Path pki = ItEnvironment.newRunDirectory(DemoSecretsTest.class.getSimpleName()).resolve("pki");
        Process process = new ProcessBuilder(ROOT.resolve("bin/demo-pki").toString(), pki.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();

        List<Path> made;
        try (Stream<Path> files = Files.walk(pki)) {
            made = files.filter(path -> !path.equals(pki)).collect(Collectors.toList());
        }
        assertThat(made).extracting(path -> pki.relativize(path).toString())
            .contains("store.password", "dkim-private.pem", "store/billing@shop.example.p12");
        for (Path path : made) {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
            assertThat(permissions).as("%s", pki.relativize(path)).noneMatch(permission -> permission.name().startsWith("GROUP")
                || permission.name().startsWith("OTHERS"));
        }
    }

    @Test
    void theTokenOfBinRunShouldGetItsPinsFromFilesNotFromACommandLine() throws Exception {
        String run = Files.readString(ROOT.resolve("bin/run"), StandardCharsets.UTF_8);

        // the token is made by tools/softhsm/init-token.py (which every token test of core uses too) with PIN files
        assertThat(run).contains("tools/softhsm/init-token.py\" /usr/lib/softhsm/libsofthsm2.so demo \"$run/softhsm/so.pin\"")
            .doesNotContain("--pin").doesNotContain("--so-pin");
    }
}
