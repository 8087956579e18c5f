package io.github.jamessmime.cli;

import java.nio.file.Path;

import io.github.jamessmime.core.CertificateImport;
import io.github.jamessmime.core.StoreException;
import picocli.CommandLine.Option;

/** The trust anchors a command that writes into the store checks chains against. */
final class TrustOptions {
    @Option(names = "--trust-store", paramLabel = "PEM", description = "root certificates the chains must lead to (default: the JDK's)")
    Path trustStore;

    CertificateImport importer() throws StoreException {
        return trustStore == null ? CertificateImport.trustingJdk() : CertificateImport.trusting(trustStore);
    }
}
