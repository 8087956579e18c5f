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
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** tools/test-summary, the block bin/test ends with, read from surefire's and failsafe's XML reports. */
class TestSummaryTest {
    private static final Path ROOT = ItEnvironment.confDirectory().getParent();

    @Test
    void testSummaryShouldCountEachModuleAndNameTheFailedTests() throws Exception {
        Path project = ItEnvironment.newRunDirectory(TestSummaryTest.class.getSimpleName());
        Files.writeString(project.resolve("pom.xml"), "<project><modules>\n  <module>core</module>\n  <module>dist</module>\n"
            + "  <module>mailet</module>\n  <module>it</module>\n</modules></project>\n");
        for (String module : new String[] {"core", "mailet", "it"}) {
            Files.createDirectories(project.resolve(module).resolve("src/test"));
        }
        report(project.resolve("core/target/surefire-reports"), "x.CoreTest", 70.5, 3, 0, 0, 1, "");
        report(project.resolve("core/target/surefire-reports"), "x.OtherTest", 1000.25, 2, 1, 0, 0,
            "  <testcase name=\"shouldHold[1] &quot;odd&quot;\" classname=\"x.OtherTest\" time=\"1\">\n"
                + "    <failure message=\"expected\" type=\"java.lang.AssertionError\"><![CDATA[<testcase name=\"not a test\">]]></failure>\n"
                + "  </testcase>\n");
        report(project.resolve("it/target/failsafe-reports"), "x.InJamesTest", 5, 1, 0, 1, 0,
            "  <testcase name=\"shouldStart\" classname=\"x.InJamesTest\" time=\"5\">\n    <error message=\"boom\" type=\"X\">trace</error>\n"
                + "  </testcase>\n");
        Path stamp = Files.createFile(project.resolve("stamp"));
        Files.setLastModifiedTime(stamp, FileTime.from(Instant.now().minusSeconds(60)));
        Path old = report(project.resolve("mailet/target/surefire-reports"), "x.OldTest", 1, 7, 0, 0, 0, "");
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minusSeconds(3600)));

        Process process = new ProcessBuilder(ROOT.resolve("tools/test-summary").toString(), "--newer", stamp.toString(), project.toString())
            .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output.lines().map(String::strip)).containsSubsequence(
            "module      tests  failed  errors  skipped  time in tests",
            "core            5       1       0        1  17 min 50 s",
            "failed:  x.OtherTest.shouldHold[1] \"odd\"",
            "mailet     no test reports from this run (none ran, or the build stopped before it)",
            "it              1       0       1        0  0 min 05 s",
            "error:   x.InJamesTest.shouldStart",
            "all             6       1       1        1  17 min 55 s");
        assertThat(output).doesNotContain("dist").doesNotContain("not a test").doesNotContain("x.OldTest");
    }

    private static Path report(Path directory, String suite, double time, int tests, int failures, int errors, int skipped, String cases)
            throws Exception {
        Files.createDirectories(directory);
        Path report = directory.resolve("TEST-" + suite + ".xml");
        Files.writeString(report, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
            + " version=\"3.0.2\" name=\"" + suite + "\" time=\"" + String.format(Locale.ROOT, "%,.3f", time) + "\" tests=\"" + tests + "\" errors=\"" + errors
            + "\" skipped=\"" + skipped + "\" failures=\"" + failures + "\">\n  <properties>\n    <property name=\"a\" value=\"b\"/>\n  </properties>\n"
            + cases + "</testsuite>\n");
        return report;
    }
}
