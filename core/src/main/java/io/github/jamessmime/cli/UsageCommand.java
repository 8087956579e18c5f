package io.github.jamessmime.cli;

import io.github.jamessmime.core.usage.UsageCounter;
import java.nio.file.Path;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;


@Command(name = "usage", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Prints the signatures per sender address in a calendar month (UTC), added up over every"
    + " James node sharing the store, and the number of distinct active sender addresses.")
final class UsageCommand implements Callable<Integer> {
    @Option(names = "--store", required = true, paramLabel = "DIR", description = "the store directory")
    Path store;

    @Option(names = "--usage-dir", paramLabel = "DIR", description = "where the counts are (default: DIR/.usage, as usage.directory)")
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
        if (!java.nio.file.Files.isDirectory(store)) {
            System.err.println("usage: store directory " + store + " does not exist; give the store.directory of smime.properties");
            return 1;
        }
        Path counts = usageDirectory != null ? usageDirectory : store.resolve(".usage");
        if (usageDirectory != null && !java.nio.file.Files.isDirectory(counts)) {
            System.err.println("usage: usage directory " + counts + " does not exist; give the usage.directory of smime.properties");
            return 1;
        }
        Map<String, Long> usage = UsageCounter.read(counts, wanted);
        long total = 0;
        for (Map.Entry<String, Long> entry : usage.entrySet()) {
            System.out.println(entry.getKey() + " " + entry.getValue());
            total += entry.getValue();
        }
        System.out.println(wanted + ": " + total + " signatures by " + usage.size() + " active sender addresses");
        return 0;
    }
}
