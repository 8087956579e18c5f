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
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.AddressException;
import javax.mail.internet.MimeMessage;
import javax.mail.util.SharedFileInputStream;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import io.github.jamessmime.core.address.FromAddress;
import io.github.jamessmime.core.failure.FailureKind;
import io.github.jamessmime.core.config.InvalidConfigurationException;
import io.github.jamessmime.core.config.SettingKeys;
import io.github.jamessmime.core.files.AtomicFiles;
import io.github.jamessmime.core.signing.DigestAlgorithm;
import io.github.jamessmime.core.signing.MessageDate;
import io.github.jamessmime.core.signing.SignatureProvider;
import io.github.jamessmime.core.signing.SignedMessage;
import io.github.jamessmime.core.signing.SigningException;
import io.github.jamessmime.core.signing.SmimeSigner;
import io.github.jamessmime.core.store.CertificateStore;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.core.store.StoreException;

@Command(name = "sign", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Signs a message as its From address, with that address's certificate from the store.")
final class SignCommand implements Callable<Integer> {
    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--in", required = true, paramLabel = "IN.eml", description = "the message to sign")
    Path in;

    @Option(names = "--out", required = true, paramLabel = "OUT.eml", description = "where to write the signed message")
    Path out;

    @Option(names = "--digest", description = "SHA-256 (default), SHA-384 or SHA-512, as signing.digest")
    String digest;

    @Option(names = "--provider", description = "where the key operations run, as signing.provider:"
        + " auto (default: the native provider where it loads, the JDK's otherwise), native or jdk")
    String provider;

    @Override
    public Integer call() {
        try {
            if (digest != null) {
                DigestAlgorithm.parse(digest);
                storeOptions.set(SettingKeys.SIGNING_DIGEST, digest);
            }
            if (provider != null) {
                try {
                    SignatureProvider.select(SignatureProvider.Setting.parse(provider));
                } catch (IllegalArgumentException | IllegalStateException e) {
                    return fail("--provider: " + e.getMessage(), ExitCodes.CONFIGURATION);
                }
                storeOptions.set(SettingKeys.SIGNING_PROVIDER, provider);
            }
            // the signer of the settings (--config, or the defaults), as James's: digest, limits, self-check, provider
            SmimeSigner signer = storeOptions.parts().signer();
            CertificateStore store = storeOptions.open();
            Optional<String> headerProblem;
            try (InputStream head = Files.newInputStream(in)) {
                // javax.mail reads a first line of white space as a field of its own, or fails (IndexOutOfBoundsException)
                headerProblem = SmimeSigner.rawHeaderProblem(head.readNBytes(4));
            }
            if (headerProblem.isPresent()) {
                return fail(in + " cannot be signed: " + headerProblem.get());
            }
            MimeMessage message;
            try (InputStream input = new SharedFileInputStream(in.toFile())) {
                Optional<String> from;
                try {
                    message = new MimeMessage(Session.getInstance(new Properties()), input);
                    from = FromAddress.single(message);
                } catch (RuntimeException e) {
                    // javax.mail throws unchecked exceptions on some broken header blocks
                    return fail(in + " cannot be read as a message: " + e);
                } catch (AddressException e) {
                    return fail("the From header of " + in + " names no sender address: " + e.getMessage(), ExitCodes.of(FailureKind.BAD_INPUT));
                }
                if (from.isEmpty()) {
                    return fail("the From header of " + in + " does not hold exactly one address");
                }
                Optional<SigningIdentity> identity = store.find(from.get());
                if (identity.isEmpty()) {
                    return fail("no usable certificate for " + from.get() + " in " + store.directory()
                        + " (run the check command to see why)");
                }
                SignedMessage signed = signer.sign(message, identity.get());
                AtomicFiles.write(out, output -> {
                    try {
                        signed.writeTo(output);
                    } catch (MessagingException e) {
                        throw new IOException(e.getMessage(), e);
                    }
                });
                if (signed.dating().kind() != MessageDate.Kind.SIGNING_TIME) {
                    System.err.println("sign: " + signed.dating().reason());
                }
                return 0;
            }
        } catch (InvalidConfigurationException | StoreException | SigningException e) {
            return fail(e.getMessage(), ExitCodes.of(e.kind()));
        } catch (IllegalArgumentException e) {
            // a --digest that is none
            return fail(e.getMessage(), ExitCodes.CONFIGURATION);
        } catch (Exception | StackOverflowError e) {
            return fail("cannot sign " + in + ": " + e, ExitCodes.FAILED);
        }
    }

    /** One line on stderr, whatever the reason holds: the message is refused (exit 1). */
    static int fail(String reason) {
        return fail(reason, ExitCodes.REFUSED);
    }

    static int fail(String reason, int exitCode) {
        System.err.println("sign: " + reason.replaceAll("\\s*[\\r\\n]+\\s*", " "));
        return exitCode;
    }
}
