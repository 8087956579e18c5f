package io.github.jamessmime.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;

import io.github.jamessmime.core.CertificateImport;
import io.github.jamessmime.core.ConfigurationException;
import io.github.jamessmime.core.SmimeConfiguration;
import io.github.jamessmime.core.StoreException;
import io.github.jamessmime.core.StoreSync;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sync", description = "Mirrors a folder of PKCS#12 files into the store: adds new certificates, replaces renewed"
    + " ones, removes those gone from the source, refuses bad ones with the reason. Prints what it did (or, with --dry-run,"
    + " what it would do), one line per file. Running it twice changes nothing the second time. Exit 1 when a file was refused.")
final class SyncCommand implements Callable<Integer> {
    @Option(names = "--from", required = true, paramLabel = "DIR", description = "the exported PKCS#12 files")
    Path from;

    @Option(names = "--from-password-file", required = true, paramLabel = "FILE", description = "file holding their password")
    Path fromPasswordFile;

    @Option(names = "--store", required = true, paramLabel = "DIR", description = "the store directory")
    Path store;

    @Option(names = "--password-file", required = true, paramLabel = "FILE", description = "file holding the store password")
    Path passwordFile;

    @Option(names = "--trust-store", paramLabel = "PEM", description = "root certificates the chains must lead to (default: the JDK's)")
    Path trustStore;

    @Option(names = "--dry-run", description = "print the plan, change nothing")
    boolean dryRun;

    @Override
    public Integer call() {
        try {
            char[] sourcePassword = SmimeConfiguration.readPasswordFile(fromPasswordFile, "--from-password-file");
            char[] storePassword = SmimeConfiguration.readPasswordFile(passwordFile, "--password-file");
            CertificateImport importer = trustStore == null ? CertificateImport.trustingJdk() : CertificateImport.trusting(trustStore);
            List<StoreSync.Action> actions = new StoreSync(importer, Clock.systemUTC()).sync(from, sourcePassword, store, storePassword, dryRun);
            boolean refused = false;
            for (StoreSync.Action action : actions) {
                System.out.println((dryRun ? "would " : "") + action);
                refused |= action.kind == StoreSync.Action.Kind.REFUSE;
            }
            return refused ? 1 : 0;
        } catch (ConfigurationException | StoreException e) {
            System.err.println("sync: " + e.getMessage());
            return 1;
        }
    }
}
