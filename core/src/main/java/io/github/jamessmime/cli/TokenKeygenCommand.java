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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import io.github.jamessmime.core.config.InvalidConfigurationException;
import io.github.jamessmime.core.files.AtomicFiles;
import io.github.jamessmime.core.store.CertificationRequest;
import io.github.jamessmime.core.store.KeyType;
import io.github.jamessmime.core.store.StoreException;
import io.github.jamessmime.core.store.TokenEnrolment;

@Command(name = "token-keygen", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Generates a sender"
    + " key pair inside the PKCS#11 token (the private key never leaves it) and writes a certificate signing request (PKCS#10, PEM)"
    + " for the address, signed in the token, to give to the CA. Until token-certificate puts the CA's certificate on the"
    + " token, James lists the key as awaiting its certificate and does not sign with it.")
final class TokenKeygenCommand implements Callable<Integer> {
    @Mixin
    TokenOptions tokenOptions;

    @Option(names = "--alias", required = true, paramLabel = "ALIAS", description = "the key's name on the token")
    String alias;

    @Option(names = "--address", required = true, paramLabel = "ADDRESS", description = "the sender address the certificate is for")
    String address;

    @Option(names = "--subject", paramLabel = "DN", description = "the request's subject (default: CN=ADDRESS)")
    String subject;

    @Option(names = "--key-type", paramLabel = "TYPE", defaultValue = "ec-p256", description = "rsa-2048, rsa-3072, ec-p256 (default) or ec-p384")
    String keyType;

    @Option(names = "--csr", required = true, paramLabel = "FILE", description = "where the request is written (PEM)")
    Path csr;

    @Override
    public Integer call() {
        try {
            KeyType type = KeyType.parse(keyType);
            byte[] request = new TokenEnrolment(tokenOptions.required())
                .generateKey(alias, address, subject == null ? "CN=" + address : subject, type, Instant.now());
            String pem = CertificationRequest.pem(request);
            AtomicFiles.write(csr, out -> out.write(pem.getBytes(StandardCharsets.US_ASCII)));
            System.out.println("made " + type + " key '" + alias + "' in the token for " + address + "; request written to " + csr);
            return 0;
        } catch (InvalidConfigurationException | StoreException | IllegalArgumentException e) {
            System.err.println("token-keygen: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            System.err.println("token-keygen: the key is on the token, but the request cannot be written to " + csr + " (" + e.getMessage() + ")");
            return 1;
        }
    }
}
