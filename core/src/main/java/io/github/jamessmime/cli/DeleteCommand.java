package io.github.jamessmime.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import io.github.jamessmime.core.CertificateStore;
import io.github.jamessmime.core.ConfigurationException;
import io.github.jamessmime.core.SigningIdentity;
import io.github.jamessmime.core.StoreException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "delete", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Removes the store file holding the certificate with this SHA-256 (see check or show)."
    + " Running James nodes drop it at their next directory check. Exit 1 when there is none.")
final class DeleteCommand implements Callable<Integer> {
    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--sha256", required = true, description = "the certificate's SHA-256 fingerprint")
    String sha256;

    @Override
    public Integer call() {
        try {
            String wanted = sha256.toLowerCase(Locale.ROOT);
            for (CertificateStore.FileReport report : storeOptions.open().reports()) {
                List<SigningIdentity> identities = new ArrayList<>(report.identities());
                identities.addAll(report.expiredIdentities());
                if (identities.stream().anyMatch(identity -> identity.fingerprint().equals(wanted))) {
                    Files.delete(report.file());
                    System.out.println("deleted " + report.file());
                    return 0;
                }
            }
            System.err.println("delete: no certificate with SHA-256 " + wanted + " in " + storeOptions.store);
            return 1;
        } catch (ConfigurationException | StoreException | IOException e) {
            System.err.println("delete: " + e.getMessage());
            return 1;
        }
    }
}
