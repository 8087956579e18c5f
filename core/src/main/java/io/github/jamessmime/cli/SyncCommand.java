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

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import io.github.jamessmime.core.config.InvalidConfigurationException;
import io.github.jamessmime.core.config.PasswordFile;
import io.github.jamessmime.core.lifecycle.StoreSync;
import io.github.jamessmime.core.store.StoreException;

@Command(name = "sync", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Mirrors a folder of PKCS#12 files into the store: adds new certificates, replaces renewed"
    + " ones, removes those gone from the source, refuses bad ones with the reason. Prints what it did (or, with --dry-run,"
    + " what it would do), one line per file. Running it twice changes nothing the second time. Exit 1 when a file was refused.")
final class SyncCommand implements Callable<Integer> {
    @Option(names = "--from", required = true, paramLabel = "DIR", description = "the exported PKCS#12 files")
    Path from;

    @Option(names = "--from-password-file", required = true, paramLabel = "FILE", description = "file holding their password")
    Path fromPasswordFile;

    @Mixin
    StoreOptions storeOptions;


    @Option(names = "--dry-run", description = "print the plan, change nothing")
    boolean dryRun;

    @Override
    public Integer call() {
        try {
            char[] sourcePassword = PasswordFile.firstLine(fromPasswordFile, "--from-password-file");
            List<StoreSync.Action> actions = new StoreSync(storeOptions.importer(), Clock.systemUTC())
                .sync(from, sourcePassword, storeOptions.directory(), storeOptions.password(), dryRun);
            boolean refused = false;
            for (StoreSync.Action action : actions) {
                System.out.println((dryRun ? "would " : "") + action);
                refused |= action.kind == StoreSync.Action.Kind.REFUSE;
            }
            return refused ? 1 : 0;
        } catch (InvalidConfigurationException | StoreException e) {
            System.err.println("sync: " + e.getMessage());
            return ExitCodes.of(e.kind());
        }
    }
}
