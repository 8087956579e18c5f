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

import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the bytes of a message cost at the least: the JDK's SHA-256 (the digest the signer computes) over the whole
 * message, already in memory. With the raw signature ({@link RawSignatureBenchmark}) it makes the "bytes limit" a
 * signed message is compared with.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DigestBenchmark {
    @Param({"10KB", "100KB", "1MB", "25MB"})
    public String size;

    private byte[] message;
    private MessageDigest digest;

    @Setup
    public void setUp() throws Exception {
        message = Fixtures.readMessage(Fixtures.directory(), Fixtures.Size.of(size));
        digest = MessageDigest.getInstance("SHA-256");
    }

    @Benchmark
    public byte[] sha256() {
        digest.update(message, 0, message.length);
        return digest.digest();
    }
}
