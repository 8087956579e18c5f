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
package io.github.jamessmime.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import org.bouncycastle.asn1.pkcs.Pfx;

import io.github.jamessmime.testing.TestPki;

/**
 * Runs in its own JVM (so the PKCS#12 iteration counts can be set with the JDK's
 * {@code -Dkeystore.pkcs12.*IterationCount} properties): writes {@code count} PKCS#12 files, one per sender
 * {@code senderNNNNN@bench.example}, as the JDK writes them (AES-256-CBC, PBKDF2-HmacSHA256, HmacPBESHA256 MAC).
 * Certificates are all distinct (own serial and address) but share a handful of RSA-2048 key pairs: the store
 * neither knows nor cares, and key generation would otherwise dominate. Files are written in parallel.
 *
 * <p>Prints {@code MAC_ITERATIONS n} as read back from the first file.
 */
public final class StoreGenerator {
    static final int KEY_PAIRS = 8;

    private StoreGenerator() {
    }

    static String address(int i) {
        return String.format("sender%05d@bench.example", i);
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        Files.createDirectories(dir);
        TestPki pki = TestPki.create(Instant.now());
        pki.writeRootPem(dir.resolve(Fixtures.ROOT_PEM));
        for (int k = 0; k < KEY_PAIRS; k++) {
            pki.sender("warmup@bench.example").keyIndex(k).issue();
        }
        AtomicInteger done = new AtomicInteger();
        IntStream.range(1, count + 1).parallel().forEach(i -> {
            String address = address(i);
            try {
                pki.sender(address).keyIndex(i % KEY_PAIRS).issue().writePkcs12(dir.resolve(address + ".p12"), Fixtures.PASSWORD);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            int n = done.incrementAndGet();
            if (n % 2000 == 0) {
                System.err.println("    ... " + n + " / " + count + " files");
            }
        });
        Pfx pfx = Pfx.getInstance(Files.readAllBytes(dir.resolve(address(1) + ".p12")));
        System.out.println("MAC_ITERATIONS " + pfx.getMacData().getIterationCount());
    }
}
