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

import java.security.Signature;
import java.time.Clock;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import io.github.jamessmime.core.signing.DigestAlgorithm;
import io.github.jamessmime.core.signing.SignatureProvider;
import io.github.jamessmime.core.signing.SmimeSigner;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.testing.Verifiers;

/**
 * The same sender key held in a PKCS#11 token (SoftHSM2 through the JDK's SunPKCS11, as {@code pkcs11.*} configures
 * it) and in its store file (signed with the native or the JDK provider): a 10 KB message signed on the real path, and
 * the private-key operation alone. The token case signs in the token; the self-check verifies with the configured
 * (native) provider in every case.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TokenSignBenchmark {
    @Param({"RSA_2048", "EC_P256"})
    public String key;

    /** Where the private key is: {@code token}, or the store file with {@code signing.provider} native or jdk. */
    @Param({"token", "file-native", "file-jdk"})
    public String where;

    private final byte[] input = new byte[32];
    private byte[] message;
    private SmimeSigner signer;
    private SigningIdentity identity;
    private Signature raw;

    @Setup
    public void setUp() throws Exception {
        Fixtures.Key type = Fixtures.Key.valueOf(key);
        message = Fixtures.readMessage(Fixtures.directory(), Fixtures.Size.KB_10);
        String provider = where.equals("file-jdk") ? "jdk" : "native";
        signer = new SmimeSigner(DigestAlgorithm.SHA_256, Clock.systemUTC(), SmimeSigner.DEFAULT_MAX_DEPTH, true,
            SmimeSigner.DEFAULT_MAX_MESSAGE_SIZE, SignatureProvider.select(SignatureProvider.Setting.parse(provider)));
        if (where.equals("token")) {
            identity = Fixtures.tokenIdentity(Fixtures.directory(), type);
            raw = Signature.getInstance(type.jcaSignature, identity.keyProvider().orElseThrow());
            raw.initSign(identity.privateKey());
        } else {
            identity = Fixtures.identity(Fixtures.directory(), type);
            raw = RawSignatureBenchmark.initialised(type, identity.privateKey(), provider);
        }
        new Random(32).nextBytes(input);
        // before any timing: the path under test makes signatures an independent verifier accepts
        if (!Verifiers.bouncyCastle(Verifiers.serialize(signer.sign(Fixtures.parse(message), identity))).signatureValid) {
            throw new IllegalStateException("BouncyCastle rejects the " + where + " " + key + " signature: the benchmark would time a broken path");
        }
    }

    @Benchmark
    public long signMessage() throws Exception {
        return Fixtures.signAndWrite(signer, message, identity);
    }

    @Benchmark
    public byte[] rawSignature() throws Exception {
        raw.update(input);
        return raw.sign();
    }
}
