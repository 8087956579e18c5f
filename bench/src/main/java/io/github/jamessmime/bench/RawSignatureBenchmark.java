package io.github.jamessmime.bench;

import java.security.PrivateKey;
import java.security.Signature;
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
 * The private-key operation alone, with the same key as {@link SignBenchmark}: one initialised JCA Signature
 * (default JDK provider, as the signer uses), SHA-256 over 32 bytes, then sign (which resets it for the next).
 * This is the ceiling for signed messages per second on one thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RawSignatureBenchmark {
    @Param({"RSA_2048", "RSA_3072", "EC_P256"})
    public String key;

    private final byte[] input = new byte[32];
    private Signature signature;

    @Setup
    public void setUp() throws Exception {
        Fixtures.Key type = Fixtures.Key.valueOf(key);
        PrivateKey privateKey = Fixtures.privateKey(Fixtures.directory(), type);
        signature = Signature.getInstance(type.jcaSignature);
        signature.initSign(privateKey);
        new java.util.Random(32).nextBytes(input);
    }

    @Benchmark
    public byte[] sign() throws Exception {
        signature.update(input);
        return signature.sign();
    }
}
