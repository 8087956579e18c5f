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

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * What can be checked of the image without building it, in a second: every path the Dockerfile copies exists after
 * {@code mvn package}, the image's conf/ is the very james-conf/ the real-James tests run, the entry point is Jib's,
 * and every variable the compose file sets is read by that configuration or the entry point. {@link ContainerImageTest}
 * builds and runs the image.
 */
class DockerImageLayoutTest {
    private static final Path ROOT = ItEnvironment.confDirectory().getParent();
    private static final Path DOCKERFILE = ROOT.resolve("docker/Dockerfile");

    private static List<String[]> copies() throws IOException {
        return Files.readAllLines(DOCKERFILE, StandardCharsets.UTF_8).stream()
            .map(String::trim)
            .filter(line -> line.startsWith("COPY "))
            .map(line -> line.substring(5).trim().split("\\s+"))
            .collect(Collectors.toList());
    }

    @Test
    void dockerfileShouldDeriveFromTheOfficialJames381Image() throws IOException {
        String dockerfile = Files.readString(DOCKERFILE, StandardCharsets.UTF_8);

        assertThat(dockerfile).contains("FROM apache/james:memory-3.8.1").doesNotContain("JAMES_FLAVOUR");
    }

    @Test
    void everyPathTheDockerfileCopiesShouldExistAfterPackage() throws IOException {
        List<String[]> copies = copies();

        assertThat(copies).hasSize(3);
        for (String[] copy : copies) {
            String source = copy[0];
            if (source.contains("*")) {
                Path directory = ROOT.resolve(source).getParent();
                PathMatcher glob = FileSystems.getDefault().getPathMatcher("glob:" + ROOT.resolve(source));
                try (Stream<Path> files = Files.list(directory)) {
                    assertThat(files.filter(glob::matches).collect(Collectors.toList()))
                        .as("files matching %s", source).containsExactly(ItEnvironment.extensionJar());
                }
            } else {
                assertThat(ROOT.resolve(source)).as(source).exists();
            }
        }
        assertThat(copies).extracting(copy -> copy[copy.length - 1])
            .containsExactly("/tmp/extension/", "/opt/james-smime/conf/", "/opt/james-smime/bin/entrypoint");
        // the build stops unless exactly one jar was copied, and moves it where James loads extensions from
        assertThat(Files.readString(DOCKERFILE, StandardCharsets.UTF_8)).contains("if [ \"$count\" != 1 ]")
            .contains("mv /tmp/extension/*.jar /opt/james-smime/extensions-jars/");
    }

    @Test
    void imageConfigurationShouldBeTheDirectoryTheTestsRun() throws IOException {
        String confSource = copies().stream().filter(copy -> copy[1].equals("/opt/james-smime/conf/")).findFirst().orElseThrow()[0];
        String dockerfile = Files.readString(DOCKERFILE, StandardCharsets.UTF_8);

        assertThat(ROOT.resolve(confSource).toRealPath()).isEqualTo(ItEnvironment.confDirectory().toRealPath());
        // the base image declares these as VOLUMEs: nothing may be written there, James must not read from there
        for (String line : dockerfile.lines().filter(l -> !l.startsWith("#")).collect(Collectors.toList())) {
            assertThat(line).as(line).doesNotContain("/root/conf").doesNotContain("/root/extensions-jars");
        }
        String entrypoint = Files.readString(ROOT.resolve("docker/entrypoint"), StandardCharsets.UTF_8);
        assertThat(dockerfile).contains("ln -s /root/var /opt/james-smime/var")
            .contains("HEALTHCHECK").contains("http://127.0.0.1:8000/healthcheck")
            .contains("ENTRYPOINT [\"/opt/james-smime/bin/entrypoint\"]").doesNotContain("sh -c");
        // Jib's classpath file of the base image, in Maven order, and arguments passed on to James
        assertThat(entrypoint).contains("-Dworking.directory=/opt/james-smime/")
            .contains("-Dlogback.configurationFile=/opt/james-smime/conf/logback.xml")
            .contains("exec java ").contains("-cp @/root/jib-classpath-file org.apache.james.MemoryJamesServerMain \"$@\"");
    }

    @Test
    void everyVariableOfTheComposeFileShouldBeReadByTheConfiguration() throws IOException {
        String composeFile = Files.readString(ROOT.resolve("docker/docker-compose.yml"), StandardCharsets.UTF_8);
        String compose = composeFile.substring(composeFile.indexOf("    environment:"), composeFile.indexOf("    secrets:"));
        StringBuilder configuration = new StringBuilder();
        try (Stream<Path> files = Files.list(ItEnvironment.confDirectory())) {
            for (Path file : files.collect(Collectors.toList())) {
                configuration.append(Files.readString(file, StandardCharsets.UTF_8));
            }
        }
        String entrypoint = Files.readString(ROOT.resolve("docker/entrypoint"), StandardCharsets.UTF_8);
        Matcher variable = Pattern.compile("^\\s+((?:JAMES|SMIME|DKIM)_[A-Z_]+):", Pattern.MULTILINE).matcher(compose);
        int count = 0;
        while (variable.find()) {
            count++;
            String name = variable.group(1);
            assertThat(configuration.toString().contains("${env:" + name) || entrypoint.contains("${" + name + ":-}"))
                .as("james-conf or docker/entrypoint reads %s", name).isTrue();
        }
        assertThat(count).isGreaterThanOrEqualTo(6);
    }

    @Test
    void composeConfigurationShouldRequireAWebAdminTokenSignedByTheOperatorsKey() throws IOException {
        String composeFile = Files.readString(ROOT.resolve("docker/docker-compose.yml"), StandardCharsets.UTF_8);
        Properties webadmin = new Properties();
        try (Reader reader = Files.newBufferedReader(ItEnvironment.confDirectory().resolve("webadmin.properties"))) {
            webadmin.load(reader);
        }

        assertThat(webadmin.getProperty("jwt.enabled")).isEqualTo("true");
        assertThat(webadmin.getProperty("jwt.publickeypem.url")).startsWith("${env:JAMES_WEBADMIN_JWT_PUBLIC_KEY:-");
        assertThat(webadmin.getProperty("cors.origin")).endsWith(".invalid");
        assertThat(composeFile).contains("JAMES_WEBADMIN_JWT_PUBLIC_KEY: file:///run/secrets/webadmin_jwt_public_key")
            .contains("      - webadmin_jwt_public_key\n").contains("  webadmin_jwt_public_key:\n    file: ./secrets/webadmin-jwt-public.pem");
    }
}
