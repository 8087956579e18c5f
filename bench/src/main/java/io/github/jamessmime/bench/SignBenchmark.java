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

import java.time.Clock;
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

/**
 * The real path of one outgoing message: parse the stored bytes as James does, sign with the sender's identity
 * from the certificate store, serialise the signed message. Iteration settings come from {@link BenchMain}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SignBenchmark {
    @Param({"10KB", "100KB", "1MB", "25MB", "1MB-72col"})
    public String size;

    @Param({"RSA_2048", "RSA_3072", "EC_P256"})
    public String key;

    /** {@code signing.provider}: where the key operation runs. */
    @Param({"native", "jdk"})
    public String provider;

    /** The signer's self-check (on in the shipped configuration); the bench also runs it off to show its cost. */
    @Param({"true"})
    public String selfCheck;

    private byte[] message;
    private SigningIdentity identity;
    private SmimeSigner signer;

    @Setup
    public void setUp() throws Exception {
        message = Fixtures.readMessage(Fixtures.directory(), Fixtures.Size.of(size));
        identity = Fixtures.identity(Fixtures.directory(), Fixtures.Key.valueOf(key));
        signer = new SmimeSigner(DigestAlgorithm.SHA_256, Clock.systemUTC(), SmimeSigner.DEFAULT_MAX_DEPTH,
            Boolean.parseBoolean(selfCheck), SmimeSigner.DEFAULT_MAX_MESSAGE_SIZE,
            SignatureProvider.select(SignatureProvider.Setting.parse(provider)));
        // Fail fast (before any timing) if the path does not work at all.
        if (Fixtures.signAndWrite(signer, message, identity) <= message.length) {
            throw new IllegalStateException("signed message is not larger than the original");
        }
    }

    @Benchmark
    public long sign() throws Exception {
        return Fixtures.signAndWrite(signer, message, identity);
    }
}
