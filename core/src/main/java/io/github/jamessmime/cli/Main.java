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

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code java -jar james-smime-extension.jar <command>}: operator tools around the certificate store. */
@Command(name = "james-smime", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "S/MIME sign-by-sender tools for Apache James.",
    subcommands = {SignCommand.class, CheckCommand.class, ImportCommand.class, SyncCommand.class, ShowCommand.class, DeleteCommand.class, UsageCommand.class,
        RequestCommand.class, InstallCommand.class, RequestsCommand.class, TokenKeygenCommand.class, TokenCertificateCommand.class,
        CommandLine.HelpCommand.class})
public final class Main {
    /** slf4j-simple's level, read when the first logger is made (a class's static LOGGER, when the class is first used). */
    static final String LOG_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

    public static void main(String[] args) {
        // Before anything makes a logger: each command prints what matters itself, so the store's and the signer's log
        // lines on stderr would only repeat it (a refused file twice); --verbose brings them back. A level given with
        // -Dorg.slf4j.simpleLogger.defaultLogLevel stays.
        if (System.getProperty(LOG_LEVEL) == null) {
            System.setProperty(LOG_LEVEL, "off");
        }
        System.exit(run(args));
    }

    /** Set while the command line is parsed, before the command runs and makes its loggers. */
    @Option(names = "--verbose", scope = ScopeType.INHERIT,
        description = "also print the log lines of the store, revocation and signer (INFO and above) on stderr")
    void verbose(boolean verbose) {
        if (verbose && "off".equals(System.getProperty(LOG_LEVEL))) {
            System.setProperty(LOG_LEVEL, "info");
        }
    }

    /** The version of the jar it runs from (its manifest's Implementation-Version), not a number written in the code. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"james-smime " + (version == null ? "(development build, no jar manifest)" : version)};
        }
    }

    /** Runs a command line and gives its exit code (for tests: no System.exit). */
    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }
}
