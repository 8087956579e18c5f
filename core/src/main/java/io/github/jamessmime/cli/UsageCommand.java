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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.github.jamessmime.core.usage.UsageCounter;

@Command(name = "usage", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Prints the signatures per sender address in a calendar month (UTC), added up over every"
    + " James node sharing the store, and the number of distinct active sender addresses.")
final class UsageCommand implements Callable<Integer> {
    @Option(names = "--store", required = true, paramLabel = "DIR", description = "the store directory")
    Path store;

    @Option(names = "--usage-dir", paramLabel = "DIR", description = "where the counts are: usage.directory of smime.properties (default: DIR/.usage; James's"
        + " var/smime/usage when the store directory is read-only)")
    Path usageDirectory;

    @Option(names = "--month", paramLabel = "YYYY-MM", description = "the month (default: the current one)")
    String month;

    @Override
    public Integer call() {
        YearMonth wanted;
        try {
            wanted = month == null ? YearMonth.now(ZoneOffset.UTC) : YearMonth.parse(month);
        } catch (DateTimeParseException e) {
            System.err.println("usage: --month '" + month + "' is not a month such as 2026-11");
            return 1;
        }
        if (!Files.isDirectory(store)) {
            System.err.println("usage: store directory " + store + " does not exist; give the store.directory of smime.properties");
            return 1;
        }
        Path counts = usageDirectory != null ? usageDirectory : store.resolve(".usage");
        if (!Files.isDirectory(counts)) {
            System.err.println("usage: usage directory " + counts + " does not exist; give --usage-dir: the usage.directory of"
                + " smime.properties, or James's var/smime/usage when the store directory is read-only");
            return 1;
        }
        Map<String, Long> usage;
        try {
            usage = UsageCounter.read(counts, wanted);
        } catch (IOException e) {
            System.err.println("usage: " + e.getMessage());
            return 1;
        }
        long total = 0;
        for (Map.Entry<String, Long> entry : usage.entrySet()) {
            System.out.println(entry.getKey() + " " + entry.getValue());
            total += entry.getValue();
        }
        System.out.println(wanted + ": " + total + " signatures by " + usage.size() + " active sender addresses");
        return 0;
    }
}
