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
package io.github.jamessmime.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * The WebAdmin JWT of a test server, made as an operator makes it (bin/webadmin-token does the same with openssl): an
 * RSA key pair per server, the public half given to James (jwt.publickeypem.url), tokens signed RS256 with
 * {@code {"sub":...,"admin":true,"exp":...}}.
 */
final class AdminTokens {
    private final KeyPair keys;

    private AdminTokens(KeyPair keys) {
        this.keys = keys;
    }

    static AdminTokens generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return new AdminTokens(generator.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the public key as PEM (SubjectPublicKeyInfo), as James reads it. */
    Path writePublicKey(Path file) throws IOException {
        String pem = "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(keys.getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
        return Files.writeString(file, pem, StandardCharsets.US_ASCII);
    }

    /** An administrator's token valid for an hour. */
    String adminToken() {
        return token(keys.getPrivate(), "admin@shop.example", true, Instant.now().plus(Duration.ofHours(1)));
    }

    /** A token signed by another key: James must refuse it. */
    static String foreignToken() {
        return token(generate().keys.getPrivate(), "admin@shop.example", true, Instant.now().plus(Duration.ofHours(1)));
    }

    /** A valid token that has expired. */
    String expiredToken() {
        return token(keys.getPrivate(), "admin@shop.example", true, Instant.now().minus(Duration.ofMinutes(5)));
    }

    private static String token(PrivateKey key, String subject, boolean admin, Instant expiry) {
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        String header = url.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = url.encodeToString(("{\"sub\":\"" + subject + "\",\"admin\":" + admin + ",\"exp\":" + expiry.getEpochSecond() + "}")
            .getBytes(StandardCharsets.UTF_8));
        try {
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(key);
            signature.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
            return header + "." + claims + "." + url.encodeToString(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
