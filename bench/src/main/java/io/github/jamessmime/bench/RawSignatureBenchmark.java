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

import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The private-key operation alone, with the same key as {@link SignBenchmark}: one initialised JCA Signature
 * of the provider (the native AWS-LC one through Amazon Corretto Crypto Provider, or the JDK's default), SHA-256
 * over 32 bytes, then sign (which resets it for the next). This is the ceiling for signed messages per second on
 * one thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RawSignatureBenchmark {
    @Param({"RSA_2048", "RSA_3072", "EC_P256"})
    public String key;

    @Param({"native", "jdk"})
    public String provider;

    private final byte[] input = new byte[32];
    private Signature signature;

    @Setup
    public void setUp() throws Exception {
        Fixtures.Key type = Fixtures.Key.valueOf(key);
        signature = initialised(type, Fixtures.privateKey(Fixtures.directory(), type), provider);
        new Random(32).nextBytes(input);
    }

    /** A signature of the fixture's algorithm for {@code type}, initialised with the key in {@code provider} (native or jdk). */
    static Signature initialised(Fixtures.Key type, PrivateKey privateKey, String provider) throws Exception {
        Signature signature;
        if (provider.equals("native")) {
            AmazonCorrettoCryptoProvider accp = AmazonCorrettoCryptoProvider.INSTANCE;
            accp.assertHealthy();
            signature = Signature.getInstance(type.jcaSignature, accp);
            signature.initSign((PrivateKey) KeyFactory.getInstance(privateKey.getAlgorithm(), accp).translateKey(privateKey));
        } else {
            signature = Signature.getInstance(type.jcaSignature);
            signature.initSign(privateKey);
        }
        return signature;
    }

    @Benchmark
    public byte[] sign() throws Exception {
        signature.update(input);
        return signature.sign();
    }
}
