package io.github.jamessmime.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import io.github.jamessmime.core.Addresses;
import io.github.jamessmime.core.CertificateStore;
import io.github.jamessmime.core.ConfigurationException;
import io.github.jamessmime.core.SigningIdentity;
import io.github.jamessmime.core.StoreException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "show", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Prints the certificates of the store that name one address, with their state"
    + " (ok, or why they are refused). Exit 1 when there is none.")
final class ShowCommand implements Callable<Integer> {
    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--address", required = true, description = "the sender address")
    String address;

    @Override
    public Integer call() {
        try {
            String wanted = Addresses.normalize(address).orElse(address);
            CertificateStore store = storeOptions.open();
            List<String> lines = new ArrayList<>();
            for (CertificateStore.FileReport report : store.reports()) {
                for (SigningIdentity identity : report.identities()) {
                    if (identity.addresses().contains(wanted)) {
                        lines.add(CheckCommand.describe(report, identity) + (store.find(wanted).map(identity::equals).orElse(false)
                            ? " ok, in use" : " ok"));
                    }
                }
                for (SigningIdentity identity : report.expiredIdentities()) {
                    if (identity.addresses().contains(wanted)) {
                        lines.add(CheckCommand.describe(report, identity) + " refused: " + report.refusal().orElse(""));
                    }
                }
            }
            lines.forEach(System.out::println);
            if (lines.isEmpty()) {
                System.err.println("show: no certificate for " + wanted + " in " + store.directory());
                return 1;
            }
            return 0;
        } catch (ConfigurationException | StoreException e) {
            System.err.println("show: " + e.getMessage());
            return 1;
        }
    }
}
