package io.github.jamessmime.cli;

import java.nio.file.Path;
import java.time.Clock;

import io.github.jamessmime.core.CertificateStore;
import io.github.jamessmime.core.ConfigurationException;
import io.github.jamessmime.core.SmimeConfiguration;
import io.github.jamessmime.core.StoreException;
import picocli.CommandLine.Option;

/** The options every command that reads the store takes. */
final class StoreOptions {
    @Option(names = "--store", required = true, paramLabel = "DIR", description = "directory of the senders' PKCS#12 files")
    Path store;

    @Option(names = "--password-file", required = true, paramLabel = "FILE", description = "file holding the store password on its first line")
    Path passwordFile;

    CertificateStore open() throws ConfigurationException, StoreException {
        return CertificateStore.open(store, password(), Clock.systemUTC());
    }

    char[] password() throws ConfigurationException {
        return SmimeConfiguration.readPasswordFile(passwordFile, "--password-file");
    }
}
