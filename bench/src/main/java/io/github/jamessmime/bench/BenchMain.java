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
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.mail.internet.MimeMessage;

import com.sun.management.OperatingSystemMXBean;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.util.Statistics;

import io.github.jamessmime.core.signing.DigestAlgorithm;
import io.github.jamessmime.core.signing.SmimeSigner;
import io.github.jamessmime.core.store.SigningIdentity;
import io.github.jamessmime.testing.Verifiers;

/**
 * The benchmark command (bench/run). Prints the results as Markdown on stdout (progress goes to stderr) and
 * keeps a copy in {@code bench/target/bench-results.md}.
 *
 * <ol>
 * <li>Signing throughput per message size and key type, next to the raw JCA signature rate of the same key
 *   (JMH, one fork per case, so each case gets a clean JIT profile and heap).</li>
 * <li>The 25 MB message: time per signature (JMH), and the live heap a signature needs, bracketed by its
 *   allocation and its retained size in a fresh JVM ({@link HeapProbe}).</li>
 * <li>Start-up load of a 10 000-sender store (fresh JVM per measurement), for JDK-default and OpenSSL-default
 *   PKCS#12 iteration counts. The generated stores are cached under bench/target/store-cache.</li>
 * </ol>
 *
 * Options: {@code --quick} (short iterations and a 1 000-sender store: checks that everything runs, numbers
 * are rough), {@code --only=sign,large,store} (a subset), {@code --profile-store} (also samples one store
 * load with JFR and prints where the time goes).
 */
public final class BenchMain {
    static final String JVM_HEAP = "-Xmx2g";
    static final int STORE_SENDERS = 10_000;
    static final int JDK_DEFAULT_ITERATIONS = 10_000;
    static final int OPENSSL_DEFAULT_ITERATIONS = 2_048;

    private final boolean quick;
    private final Path target;
    private final Path fixtures;
    private final Path logs;
    private final PrintStream progress = System.err;
    private final StringBuilder report = new StringBuilder();

    private BenchMain(boolean quick, Path target) {
        this.quick = quick;
        this.target = target;
        this.fixtures = target.resolve("bench-fixtures");
        this.logs = target.resolve("bench-logs");
    }

    public static void main(String[] args) throws Exception {
        List<String> options = Arrays.asList(args);
        boolean quick = options.contains("--quick");
        String only = options.stream().filter(o -> o.startsWith("--only=")).map(o -> o.substring(7)).findFirst()
            .orElse("sign,large,store,token");
        for (String option : options) {
            if (!option.equals("--quick") && !option.startsWith("--only=") && !option.equals("--profile-store")) {
                System.err.println("usage: bench/run [--quick] [--only=sign,large,store,token] [--profile-store]");
                System.exit(2);
            }
        }
        Path target = Path.of(System.getProperty("bench.target", "bench/target")).toAbsolutePath();
        BenchMain bench = new BenchMain(quick, target);
        bench.run(Arrays.asList(only.split(",")), options.contains("--profile-store"));
    }

    private void run(List<String> parts, boolean profileStore) throws Exception {
        Instant start = Instant.now();
        Files.createDirectories(logs);
        double busyBefore = CpuAccounting.othersBusyCores(Duration.ofSeconds(2));
        if (busyBefore > 0.2) {
            progress.println(String.format(Locale.ROOT, "[bench] WARNING: other processes use %.1f cores right now:"
                + " the numbers will be low and noisy", busyBefore));
        }
        CpuAccounting accounting = CpuAccounting.start();
        progress.println("[bench] writing fixtures (messages, one sender certificate per key type) to " + fixtures);
        Fixtures.write(fixtures);
        checkSignatures();

        line("## Benchmark results");
        line("");
        machineFacts();
        if (parts.contains("sign")) {
            signingThroughput();
        }
        if (parts.contains("large")) {
            largeMessage();
        }
        if (parts.contains("store")) {
            storeLoad(profileStore);
        }
        if (parts.contains("token")) {
            tokenSigning();
        }
        line("");
        String others = accounting.othersSummary();
        line("_Other processes on the machine: " + String.format(Locale.ROOT, "%.2f", busyBefore) + " cores busy just before "
            + "the run; during the run " + others + ". Anything else running lowers the numbers and widens the ranges._");
        line("");
        line(String.format(Locale.ROOT, "_Whole run: %s%s._", human(Duration.between(start, Instant.now())),
            quick ? "; **--quick run: short iterations, 1 000-sender store, rough numbers**" : ""));

        System.out.println();
        System.out.print(report);
        System.out.flush();
        Path results = target.resolve(quick ? "bench-results-quick.md" : "bench-results.md");
        Files.writeString(results, report.toString());
        progress.println("[bench] results also written to " + results);
    }

    // ---------------------------------------------------------------------------------------------- machine

    private void machineFacts() throws IOException {
        String cpu = "unknown";
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo)) {
            cpu = Files.readAllLines(cpuinfo).stream().filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(cpu);
        }
        long memory = ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getTotalMemorySize();
        line("| Machine | |");
        line("| --- | --- |");
        line("| CPU | " + cpu + " |");
        line("| Cores available to the JVM | " + Runtime.getRuntime().availableProcessors() + " |");
        line("| Memory | " + (memory >> 30) + " GiB |");
        line("| OS | " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " ("
            + System.getProperty("os.arch") + ") |");
        line("| JVM | " + System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version")
            + " (" + System.getProperty("java.vendor") + ") |");
        line("| Benchmark JVMs | JMH 1.37, one fork per case, " + JVM_HEAP + ", default GC (G1), one thread; "
            + (quick ? "--quick: 1 warm-up and 2 measured iterations per case" : "warm-up 7 × 2 s then 7 × 2 s measured "
            + "(25 MB: 2 × 3 s, 4 × 3 s)") + " |");
        line("");
    }

    // ---------------------------------------------------------------------------------------------- part 1

    /** Before timing anything: the path under test produces signatures that an independent verifier accepts. */
    private void checkSignatures() throws Exception {
        SmimeSigner signer = new SmimeSigner(DigestAlgorithm.SHA_256, Clock.systemUTC());
        for (Fixtures.Key key : Fixtures.Key.values()) {
            SigningIdentity identity = Fixtures.identity(fixtures, key);
            for (Fixtures.Size size : List.of(Fixtures.Size.KB_10, Fixtures.Size.MB_1)) {
                MimeMessage signed = signer.sign(Fixtures.parse(Fixtures.readMessage(fixtures, size)), identity);
                Verifiers.BcResult result = Verifiers.bouncyCastle(Verifiers.serialize(signed));
                if (!result.signatureValid) {
                    throw new IllegalStateException("BouncyCastle rejects the signature of the " + size.label + " "
                        + key.label + " message: the benchmark would time a broken path");
                }
            }
        }
        progress.println("[bench] signatures of the 10 KB and 1 MB messages verify (BouncyCastle CMS verifier)");
    }

    private void signingThroughput() throws Exception {
        progress.println("[bench] 1/4 raw JCA signature rate per key and provider");
        Map<String, RunResult> raw = byParams(jmh(RawSignatureBenchmark.class, smallConfig(), Map.of()), "key", "provider");
        progress.println("[bench] 1/4 signing 10 KB, 100 KB and 1 MB messages, both providers");
        Map<String, RunResult> sign = byParams(jmh(SignBenchmark.class, smallConfig(),
            Map.of("size", new String[] {"10KB", "100KB", "1MB"})), "size", "key", "provider");
        progress.println("[bench] 1/4 signing 25 MB messages, both providers");
        sign.putAll(byParams(jmh(SignBenchmark.class, largeConfig(), Map.of("size", new String[] {"25MB"})), "size", "key", "provider"));
        progress.println("[bench] 1/4 signing the 1 MB message with base64 in 72-column lines (re-wrapped), RSA-2048 native");
        sign.putAll(byParams(jmh(SignBenchmark.class, smallConfig(), Map.of("size", new String[] {Fixtures.Size.MB_1_COLUMNS_72.label},
            "key", new String[] {"RSA_2048"}, "provider", new String[] {"native"})), "size", "key", "provider"));
        this.signResults = sign;
        progress.println("[bench] 1/4 what the bytes cost: the JDK's SHA-256 of each message");
        Map<String, RunResult> sha = byParams(jmh(DigestBenchmark.class, smallConfig(), Map.of()), "size");
        progress.println("[bench] 1/4 references: BouncyCastle's SMIMESignedGenerator and openssl speed");
        Map<String, double[]> bouncyCastle = new HashMap<>();
        for (Fixtures.Key key : Fixtures.Key.values()) {
            bouncyCastle.put(Fixtures.Size.KB_10.label + "/" + key.name(), bouncyCastleGenerator(key, Fixtures.Size.KB_10));
        }
        for (Fixtures.Size size : List.of(Fixtures.Size.KB_100, Fixtures.Size.MB_1, Fixtures.Size.MB_25)) {
            bouncyCastle.put(size.label + "/" + Fixtures.Key.RSA_2048.name(), bouncyCastleGenerator(Fixtures.Key.RSA_2048, size));
        }
        Map<Fixtures.Key, Double> openssl = opensslSpeed();

        line("### Signing throughput");
        line("");
        line("Real path per message: parse (`MimeMessage` over a `SharedByteArrayInputStream`, as James holds it) → "
            + "`SmimeSigner.sign(message, identity)` (SHA-256, self-check on) → `writeTo` a null stream. One thread. "
            + "The 10 KB message is a plain-text letter with lines over 76 characters (written anew as quoted-printable); "
            + "from 100 KB on, a multipart/mixed invoice: the letter (2 KB) and a PDF-like attachment of random bytes in "
            + "base64 (`bench/.../Fixtures.java`). "
            + "Provider = `signing.provider`: native (AWS-LC through Amazon Corretto Crypto Provider) or jdk (SunRsaSign, "
            + "SunEC). Raw = JCA `Signature` (`SHA256withRSA` / `SHA256withECDSA`) of that provider over 32 bytes with "
            + "the same private key, i.e. the private-key operation alone. Bytes limit = the JDK's SHA-256 of the whole "
            + "message (measured in this run) + one raw signature: what hashing and signing cost at the least. Rates are "
            + "the median of the measured iterations, with the slowest and fastest iteration in brackets; ratio = median "
            + "signed messages/s ÷ median raw signatures/s of the same provider. Means ± 99.9 % confidence intervals are in "
            + "bench/target/bench-logs.");
        line("");
        line("| Message | Key | Provider | Signed messages/s | ms per message | Raw signatures/s (same key and provider) | Ratio | Bytes limit | × bytes limit |");
        line("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (Fixtures.Size size : Fixtures.Size.MAIN) {
            double shaMs = 1000.0 / median(sha.get(size.label));
            for (Fixtures.Key key : Fixtures.Key.values()) {
                for (String provider : List.of("native", "jdk")) {
                    RunResult s = sign.get(size.label + "/" + key.name() + "/" + provider);
                    RunResult r = raw.get(key.name() + "/" + provider);
                    double rate = median(s);
                    double rawRate = median(r);
                    double ratio = rate / rawRate;
                    double limitMs = shaMs + 1000.0 / rawRate;
                    double times = 1000.0 / rate / limitMs;
                    String ratioMark = "";
                    String limitMark = "";
                    boolean nativeRsa = key == Fixtures.Key.RSA_2048 && provider.equals("native");
                    if (size == Fixtures.Size.KB_10 && nativeRsa) {
                        ratioMark = (ratio >= 0.9 ? " ✅" : " ❌") + " target ≥ 0.9";
                    }
                    if (size == Fixtures.Size.KB_10 && key == Fixtures.Key.EC_P256 && provider.equals("native")) {
                        ratioMark = (rate >= 12_000 ? " ✅" : " ❌") + " target ≥ 12 000 msg/s";
                    }
                    if ((size == Fixtures.Size.MB_1 || size == Fixtures.Size.MB_25) && nativeRsa) {
                        limitMark = (times <= 2 ? " ✅" : " ❌") + " target ≤ 2×";
                    }
                    line("| " + sizeLabel(size) + " | " + key.label + " | " + provider + " | " + spread(s) + " | "
                        + fmt(1000.0 / rate, 3) + " | " + spread(r) + " | **" + fmt(ratio, 3) + "**" + ratioMark + " | "
                        + fmt(limitMs, 3) + " ms | **" + fmt(times, 2) + "×**" + limitMark + " |");
                }
            }
        }
        line("");
        line("SHA-256 alone (JDK) in this run: " + Fixtures.Size.MAIN.stream().map(size -> sizeLabel(size) + " " + fmt(1000.0
            / median(sha.get(size.label)), 3) + " ms").collect(Collectors.joining(", ")) + ".");
        RunResult columns72 = sign.get(Fixtures.Size.MB_1_COLUMNS_72.label + "/RSA_2048/native");
        RunResult columns76 = sign.get(Fixtures.Size.MB_1.label + "/RSA_2048/native");
        line("");
        line("The same 1 MB message with its base64 attachment in lines of 72 (re-wrapped to the relay-proof 76 without "
            + "decoding), RSA-2048, native: " + spread(columns72) + " msg/s = " + fmt(1000.0 / median(columns72), 3)
            + " ms per message, against " + fmt(1000.0 / median(columns76), 3) + " ms when it is in lines of 76 (copied "
            + "byte for byte).");
        line("");
        line("References in the same run (one thread): BouncyCastle 1.85's `SMIMESignedGenerator` with BouncyCastle's "
            + "provider, parse and serialise included (`bench/src/reference/BcGeneratorReference.java`, a JVM of its own, "
            + "10 s warm-up, 7 × 2 s), and OpenSSL's raw signature rate (`openssl speed`, one process). James's own "
            + "`SMIMESign` mailet is not measured: its artifact `apache-mailet-crypto` 3.8.1 does not resolve from Maven "
            + "Central (it would sign with SHA-1).");
        line("");
        line("| Message | Key | This signer, native (msg/s) | BouncyCastle's generator (msg/s) | This signer ÷ BouncyCastle | OpenSSL raw signatures/s | Native raw ÷ OpenSSL raw |");
        line("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        for (Fixtures.Size size : Fixtures.Size.MAIN) {
            for (Fixtures.Key key : Fixtures.Key.values()) {
                double[] bc = bouncyCastle.get(size.label + "/" + key.name());
                if (bc == null) {
                    continue;
                }
                RunResult s = sign.get(size.label + "/" + key.name() + "/native");
                double bcMedian = bc.length == 0 ? Double.NaN : bc[bc.length / 2];
                double times = median(s) / bcMedian;
                String mark = size == Fixtures.Size.KB_10 && (key == Fixtures.Key.RSA_2048 || key == Fixtures.Key.EC_P256)
                    ? (times >= 3 ? " ✅" : " ❌") + " target ≥ 3×" : "";
                Double opensslRate = size == Fixtures.Size.KB_10 ? openssl.get(key) : null;
                int digits = median(s) >= 100 ? 0 : 1;
                line("| " + sizeLabel(size) + " | " + key.label + " | " + fmt(median(s), digits) + " | " + (bc.length == 0 ? "failed"
                    : fmt(bcMedian, digits) + " (" + fmt(bc[0], digits) + "–" + fmt(bc[bc.length - 1], digits) + ")") + " | **"
                    + fmt(times, 2) + "×**" + mark + " | " + (opensslRate == null ? "—" : fmt(opensslRate, 0)) + " | "
                    + (opensslRate == null ? "—" : fmt(median(raw.get(key.name() + "/native")) / opensslRate, 2)) + " |");
            }
        }
        line("");
        line("Beyond the bytes limit: parsing, canonicalisation, the SignedData, the self-check (showing the signed content "
            + "canonical, verifying the signature) and serialisation.");
        line("");
        selfCheckCost(sign);
        twoThreads(sign);
    }

    /** BouncyCastle's generator's rates (sorted), from its reference program in a JVM with BouncyCastle 1.85 alone. */
    private double[] bouncyCastleGenerator(Fixtures.Key key, Fixtures.Size size) throws Exception {
        Path program = target.getParent().resolve("src/reference/BcGeneratorReference.java");
        String algorithm = key == Fixtures.Key.EC_P256 ? "SHA256withECDSA" : "SHA256withRSA";
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), JVM_HEAP,
            "-cp", target.resolve("bc-reference") + "/*", program.toString(),
            Fixtures.storeDirectory(fixtures, key).resolve("sender.p12").toString(), new String(Fixtures.PASSWORD),
            Fixtures.messageFile(fixtures, size).toString(), algorithm, quick ? "2" : "10", quick ? "2" : "7", quick ? "1" : "2");
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> lines = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().collect(Collectors.toList());
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            progress.println("[bench] BouncyCastle's generator failed for " + key.label);
            return new double[0];
        }
        return lines.stream().filter(l -> l.startsWith("ITERATION ")).mapToDouble(l -> Double.parseDouble(l.substring(10))).sorted().toArray();
    }

    /** {@code openssl speed} signatures per second for each key (one process, 10 s per algorithm), where openssl runs. */
    private Map<Fixtures.Key, Double> opensslSpeed() {
        Map<Fixtures.Key, Double> rates = new HashMap<>();
        Map<Fixtures.Key, String[]> algorithms = Map.of(Fixtures.Key.RSA_2048, new String[] {"rsa2048", "rsa 2048 bits"},
            Fixtures.Key.RSA_3072, new String[] {"rsa3072", "rsa 3072 bits"}, Fixtures.Key.EC_P256, new String[] {"ecdsap256", "256 bits ecdsa (nistp256)"});
        for (Map.Entry<Fixtures.Key, String[]> entry : algorithms.entrySet()) {
            try {
                Process process = new ProcessBuilder("openssl", "speed", "-seconds", quick ? "2" : "10", entry.getValue()[0])
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                process.waitFor(2, TimeUnit.MINUTES);
                // e.g. "rsa 2048 bits 0.000330s 0.000010s   3030.3  98000.0": sign/s is the first rate after the two times
                for (String line : output.split("\n")) {
                    String trimmed = line.trim();
                    if (trimmed.startsWith(entry.getValue()[1])) {
                        String[] fields = trimmed.substring(entry.getValue()[1].length()).trim().split("\\s+");
                        rates.put(entry.getKey(), Double.parseDouble(fields[2]));
                    }
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                progress.println("[bench] openssl speed " + entry.getValue()[0] + " failed: " + e);
            }
        }
        return rates;
    }

    /** The same cases with the self-check off, in the same run: what re-reading every signed message costs. */
    private void selfCheckCost(Map<String, RunResult> withCheck) throws Exception {
        progress.println("[bench] 1/4 signing with the self-check off (10 KB, 1 MB, 25 MB)");
        Map<String, String[]> off = Map.of("size", new String[] {"10KB", "1MB"}, "key", new String[] {"RSA_2048", "EC_P256"},
            "selfCheck", new String[] {"false"}, "provider", new String[] {"native"});
        Map<String, RunResult> without = byParams(jmh(SignBenchmark.class, smallConfig(), off), "size", "key", "provider");
        without.putAll(byParams(jmh(SignBenchmark.class, largeConfig(), Map.of("size", new String[] {"25MB"},
            "key", new String[] {"RSA_2048"}, "selfCheck", new String[] {"false"}, "provider", new String[] {"native"})),
            "size", "key", "provider"));
        line("#### What the self-check costs");
        line("");
        line("Native provider:");
        line("");
        line("| Message | Key | ms per message, self-check on | off | Cost of the check |");
        line("| --- | --- | ---: | ---: | ---: |");
        for (Map.Entry<String, RunResult> entry : new TreeMap<>(without).entrySet()) {
            RunResult on = withCheck.get(entry.getKey());
            double msOn = 1000.0 / median(on);
            double msOff = 1000.0 / median(entry.getValue());
            String[] case_ = entry.getKey().split("/");
            line("| " + case_[0] + " | " + Fixtures.Key.valueOf(case_[1]).label + " | " + fmt(msOn, 3) + " | " + fmt(msOff, 3)
                + " | " + fmt(msOn - msOff, 3) + " ms (" + fmt(100.0 * (msOn - msOff) / msOff, 1) + " %) |");
        }
        line("");
        line("The check reads the outer headers back with javax.mail, shows the signed part canonical from its line structure "
            + "(one scan for line breaks and delimiter lines, header blocks re-read; the full re-serialisation as "
            + "BouncyCastle's `SMIMESigned` does it only where that cannot show it), and verifies the signature value with "
            + "the public key.");
        line("");
    }

    /**
     * The same cases on two threads sharing one signer, as James's mail threads share the service: what serialises
     * signatures shows as a scaling below 2 (this machine has 2 cores, and the benchmark JVM's own threads share them).
     */
    private void twoThreads(Map<String, RunResult> oneThread) throws Exception {
        progress.println("[bench] 1/4 signing on two threads (10 KB and 1 MB, native)");
        Map<String, RunResult> two = byParams(jmh(SignBenchmark.class, smallConfig(), Map.of("size", new String[] {"10KB", "1MB"},
            "key", new String[] {"RSA_2048", "EC_P256"}, "provider", new String[] {"native"}), 2), "size", "key", "provider");
        line("#### Two threads");
        line("");
        line("One signer shared by two JMH threads (self-check on, native); messages/s in all, and the scaling over one thread in"
            + " the same run. Target: at least 1.8×.");
        line("");
        line("| Message | Key | One thread (msg/s) | Two threads (msg/s) | Scaling |");
        line("| --- | --- | ---: | ---: | ---: |");
        for (Map.Entry<String, RunResult> entry : new TreeMap<>(two).entrySet()) {
            double one = median(oneThread.get(entry.getKey()));
            double both = median(entry.getValue());
            String[] case_ = entry.getKey().split("/");
            double scaling = both / one;
            line("| " + case_[0] + " | " + Fixtures.Key.valueOf(case_[1]).label + " | " + fmt(one, 0) + " | " + spread(entry.getValue())
                + " | **" + fmt(scaling, 2) + "×**" + (scaling >= 1.8 ? " ✅" : " ❌") + " |");
        }
        line("");
    }

    private static double median(RunResult result) {
        return result.getPrimaryResult().getStatistics().getPercentile(50);
    }

    /** Median (slowest–fastest iteration). */
    private static String spread(RunResult result) {
        Statistics stats = result.getPrimaryResult().getStatistics();
        double median = stats.getPercentile(50);
        int digits = median >= 100 ? 0 : median >= 10 ? 1 : 2;
        return fmt(median, digits) + " (" + fmt(stats.getMin(), digits) + "–" + fmt(stats.getMax(), digits) + ")";
    }

    private Map<String, RunResult> signResults = Map.of();

    // ---------------------------------------------------------------------------------------------- part 2

    private void largeMessage() throws Exception {
        Fixtures.Size size = Fixtures.Size.MB_25;
        int messageBytes = (int) Files.size(Fixtures.messageFile(fixtures, size));
        Fixtures.Key key = Fixtures.Key.RSA_2048;

        progress.println("[bench] 2/4 allocation, retained heap and cold time per 25 MB signature (fresh JVM)");
        Result probe = java(List.of("-XX:+UseG1GC", JVM_HEAP), HeapProbe.class,
            List.of(fixtures.toString(), key.name(), size.label, "4"), Duration.ofMinutes(3));
        List<long[]> rows = probe.stdout.stream().filter(l -> l.startsWith("ALLOC "))
            .map(l -> Arrays.stream(l.substring(6).split(" ")).mapToLong(Long::parseLong).toArray())
            .collect(Collectors.toList());
        if (probe.exitCode != 0 || rows.isEmpty()) {
            throw new IllegalStateException("heap probe failed: " + probe);
        }
        long allocated = rows.stream().mapToLong(r -> r[1]).max().getAsLong();
        long retained = rows.stream().mapToLong(r -> r[3]).max().getAsLong();
        double upper = allocated / (double) messageBytes;

        line("### The 25 MB message");
        line("");
        line("Message: " + String.format(Locale.ROOT, "%,d", messageBytes) + " bytes (text part + base64 attachment). "
            + "Heap rows: key " + key.label + ", a fresh JVM (" + JVM_HEAP + ", G1), " + rows.size()
            + " signatures of the same message.");
        line("");
        line("| What | Result | Target |");
        line("| --- | ---: | --- |");
        for (Fixtures.Key k : Fixtures.Key.values()) {
            RunResult r = signResults.get(size.label + "/" + k.name() + "/native");
            if (r == null) {
                continue;
            }
            double ms = 1000.0 / median(r);
            Statistics stats = r.getPrimaryResult().getStatistics();
            String range = fmt(1000.0 / stats.getMax(), 1) + "–" + fmt(1000.0 / stats.getMin(), 1);
            line("| Time per signature, JIT-warm (JMH median), " + k.label + " | " + fmt(ms, 1) + " ms (iterations "
                + range + ") | ≤ 100 ms " + (ms <= 100 ? "✅" : "❌") + " |");
        }
        line("| Time per signature in the fresh JVM, 1st (cold JIT) … " + rows.size() + "th | "
            + rows.stream().map(r -> fmt(r[2] / 1e6, 0)).collect(Collectors.joining(", ")) + " ms | — |");
        line("| Allocated per signature (upper bound of its live heap) | " + mib(allocated) + " = "
            + fmt(upper, 2) + "× the message | — |");
        line("| Retained: the signed message, after a full GC (lower bound) | " + mib(retained) + " = "
            + fmt(retained / (double) messageBytes, 2) + "× the message | — |");
        line("| **Peak heap used while signing** (on top of the message James holds) | **between " + mib(retained)
            + " and " + mib(allocated) + ", ≤ " + fmt(upper, 2) + "× the message** | ≤ 2× "
            + (upper <= 2.0 ? "✅" : "❌") + " |");
        line("");
        line("How the heap is measured: the signing thread's allocation from parse to the end of `writeTo` "
            + "(`ThreadMXBean.getThreadAllocatedBytes`, garbage included) bounds the peak from above, since live data "
            + "can only grow by what is allocated; the heap still used after a full GC with the signed message "
            + "referenced (`MemoryMXBean`, G1 counts in 1 MiB regions) bounds it from below. The message James "
            + "already holds is in neither. Times are wall-clock on one thread; JMH's are after warm-up.");
        line("");
    }

    private static String mib(long bytes) {
        return fmt(bytes / 1048576.0, 1) + " MiB";
    }

    // ---------------------------------------------------------------------------------------------- part 3

    private void storeLoad(boolean profile) throws Exception {
        int senders = quick ? 1_000 : STORE_SENDERS;
        int[] iterationCounts = {JDK_DEFAULT_ITERATIONS, OPENSSL_DEFAULT_ITERATIONS};
        line("### Certificate store load");
        line("");
        line("`CertificateStore.open(dir, password, clock, index, revocation, rules)` over " + String.format(Locale.ROOT, "%,d", senders)
            + " PKCS#12 files, one per sender (RSA-2048 certificate + intermediate + root each, "
            + StoreGenerator.KEY_PAIRS + " key pairs shared between them; AES-256-CBC, "
            + "PBKDF2-HmacSHA256, HmacPBESHA256 MAC, as `KeyStore.store` writes them). Each start is a fresh JVM, "
            + "cold (class loading, JIT included). *First start*: no index yet, every file is decrypted (three "
            + "PBKDF2 derivations each) and the index written. *Restart*: the index is present, unchanged files "
            + "are only hashed (SHA-256) and their keys are decrypted on first use. *Reload*: `reload()` in the "
            + "running store with nothing changed. CPU time is of the whole process (files are read in parallel on "
            + Runtime.getRuntime().availableProcessors() + " cores).");
        line("");
        line("| PKCS#12 iteration count (MAC, key, certificates) | Files | First start (no index) | CPU | Restart (index) | CPU | Reload, no change | Target ≤ 3 s (restart) |");
        line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        for (int iterations : iterationCounts) {
            Path dir = ensureStore(senders, iterations);
            Path index = target.resolve("store-index").resolve(dir.getFileName() + ".index");
            Files.createDirectories(index.getParent());
            Files.deleteIfExists(index);
            progress.println("[bench] 3/4 loading the " + senders + "-file store written with " + iterations + " iterations (fresh JVMs)");
            List<long[]> first = storeProbe(dir, senders, index);
            List<long[]> restart = storeProbe(dir, senders, index);
            String label = iterations == JDK_DEFAULT_ITERATIONS ? iterations + " (JDK `KeyStore` default, realistic)"
                : iterations + " (OpenSSL `pkcs12 -export` default; for comparison)";
            boolean met = restart.get(0)[1] <= 3_000_000_000L;
            line("| " + label + " | " + String.format(Locale.ROOT, "%,d", senders)
                + " | " + fmt(first.get(0)[1] / 1e9, 2) + " s | " + fmt(first.get(0)[2] / 1e9, 1) + " s"
                + " | " + fmt(restart.get(0)[1] / 1e9, 2) + " s | " + fmt(restart.get(0)[2] / 1e9, 1) + " s"
                + " | " + fmt(restart.get(1)[1] / 1e9, 2) + " s"
                + " | " + (met ? "✅" : "❌") + " |");
        }
        line("");
        if (profile) {
            profileStore(ensureStore(senders, JDK_DEFAULT_ITERATIONS), senders);
        }
    }

    /** One fresh-JVM run of StoreLoadProbe: the open (LOAD 0) and a reload with nothing changed (LOAD 1). */
    private List<long[]> storeProbe(Path dir, int senders, Path index) throws Exception {
        List<long[]> loads = java(List.of(JVM_HEAP), StoreLoadProbe.class,
            List.of(dir.toString(), Integer.toString(senders), index.toString()), Duration.ofMinutes(5)).stdout.stream()
            .filter(l -> l.startsWith("LOAD "))
            .map(l -> Arrays.stream(l.substring(5).split(" ")).mapToLong(Long::parseLong).toArray())
            .collect(Collectors.toList());
        if (loads.size() != 2) {
            throw new IllegalStateException("store load probe failed");
        }
        return loads;
    }

    /** The cached store for this size and iteration count, generated (in a child JVM) if absent or near expiry. */
    private Path ensureStore(int senders, int iterations) throws Exception {
        Path dir = target.resolve("store-cache").resolve(senders + "-senders-" + iterations + "-iterations");
        Path marker = dir.resolve(".bench-store.properties");
        if (Files.exists(marker) && Files.exists(dir.resolve(Fixtures.ROOT_PEM))) {
            Properties properties = new Properties();
            try (var in = Files.newInputStream(marker)) {
                properties.load(in);
            }
            Instant created = Instant.parse(properties.getProperty("created"));
            if (created.isAfter(Instant.now().minus(Duration.ofDays(300)))) {
                progress.println("[bench] reusing the cached store " + dir);
                return dir;
            }
        }
        deleteTree(dir);
        Path partial = dir.resolveSibling(dir.getFileName() + ".partial");
        deleteTree(partial);
        progress.println("[bench] generating " + senders + " PKCS#12 files with " + iterations
            + " iterations in " + dir + " (once; cached for later runs)");
        Instant start = Instant.now();
        Result result = java(List.of(JVM_HEAP,
                "-Dkeystore.pkcs12.certPbeIterationCount=" + iterations,
                "-Dkeystore.pkcs12.keyPbeIterationCount=" + iterations,
                "-Dkeystore.pkcs12.macIterationCount=" + iterations),
            StoreGenerator.class, List.of(partial.toString(), Integer.toString(senders)), Duration.ofMinutes(10));
        if (result.exitCode != 0 || !result.stdout.contains("MAC_ITERATIONS " + iterations)) {
            throw new IllegalStateException("store generation failed: " + result);
        }
        Files.move(partial, dir);
        Files.writeString(marker, "created=" + start + "\nsenders=" + senders + "\niterations=" + iterations + "\n");
        progress.println("    generated in " + human(Duration.between(start, Instant.now())));
        return dir;
    }

    private void profileStore(Path dir, int senders) throws Exception {
        progress.println("[bench] profiling one store load with JFR");
        Path recording = logs.resolve("store-load.jfr");
        Files.deleteIfExists(recording);
        java(List.of(JVM_HEAP, "-XX:StartFlightRecording=filename=" + recording + ",settings=profile"),
            StoreLoadProbe.class, List.of(dir.toString(), Integer.toString(senders),
                target.resolve("store-index").resolve("profile-" + System.nanoTime() + ".index").toString()), Duration.ofMinutes(5));
        line("#### Where a first start (no index) spends its time (JFR execution samples)");
        line("");
        line("```");
        for (String row : JfrSummary.summarize(recording, 25)) {
            line(row);
        }
        line("```");
        line("");
    }

    // ---------------------------------------------------------------------------------------------- JMH

    /**
     * 10 KB, 1 MB and raw: on 2 cores C2 is still compiling the signing path ~15 s into a fork (JMH's
     * {@code -prof comp}), and iterations measured while it does run up to 30 % slow: hence the long warm-up.
     */
    private ChainedOptionsBuilder smallConfig() {
        return new OptionsBuilder()
            .warmupIterations(quick ? 1 : 7).warmupTime(TimeValue.seconds(quick ? 1 : 2))
            .measurementIterations(quick ? 2 : 7).measurementTime(TimeValue.seconds(quick ? 1 : 2));
    }

    /** 25 MB: a few signatures per second at most, so fewer and longer iterations. */
    private ChainedOptionsBuilder largeConfig() {
        return new OptionsBuilder()
            .warmupIterations(quick ? 1 : 2).warmupTime(TimeValue.seconds(quick ? 2 : 3))
            .measurementIterations(quick ? 2 : 4).measurementTime(TimeValue.seconds(quick ? 2 : 3));
    }

    private Collection<RunResult> jmh(Class<?> benchmark, ChainedOptionsBuilder options, Map<String, String[]> params)
        throws Exception {
        return jmh(benchmark, options, params, 1);
    }

    private Collection<RunResult> jmh(Class<?> benchmark, ChainedOptionsBuilder options, Map<String, String[]> params, int threads)
        throws Exception {
        options.include("^" + benchmark.getName().replace(".", "\\.") + "\\.")
            .forks(1)
            .threads(threads)
            .jvmArgsAppend(JVM_HEAP, "-D" + Fixtures.FIXTURES_PROPERTY + "=" + fixtures)
            .shouldFailOnError(true)
            .verbosity(VerboseMode.NORMAL)
            .output(logs.resolve("jmh-" + benchmark.getSimpleName() + params.values().stream().flatMap(Arrays::stream)
                .map(v -> "-" + v).collect(Collectors.joining()) + (threads > 1 ? "-threads" + threads : "") + ".log").toString())
            .timeUnit(TimeUnit.SECONDS);
        params.forEach(options::param);
        Collection<RunResult> results = new Runner(options.build()).run();
        for (RunResult result : results) {
            progress.println("    " + result.getParams().getBenchmark().replaceAll(".*\\.(\\w+\\.\\w+)$", "$1") + " "
                + paramsOf(result) + ": " + score(result) + " ops/s");
        }
        return results;
    }

    private static String paramsOf(RunResult result) {
        return result.getParams().getParamsKeys().stream().map(k -> k + "=" + result.getParams().getParam(k))
            .collect(Collectors.joining(" "));
    }

    private static Map<String, RunResult> byParams(Collection<RunResult> results, String... keys) {
        Map<String, RunResult> map = new HashMap<>();
        for (RunResult result : results) {
            map.put(Arrays.stream(keys).map(k -> result.getParams().getParam(k)).collect(Collectors.joining("/")), result);
        }
        return map;
    }

    private static String score(RunResult result) {
        double score = result.getPrimaryResult().getScore();
        double error = result.getPrimaryResult().getScoreError();
        int digits = score >= 100 ? 0 : score >= 10 ? 1 : 2;
        return fmt(score, digits) + (Double.isNaN(error) ? "" : " ± " + fmt(error, digits));
    }

    // ---------------------------------------------------------------------------------------------- part 4

    /** The same key in a PKCS#11 token (SoftHSM2) and in its store file: signed 10 KB messages and raw signatures. */
    private void tokenSigning() throws Exception {
        progress.println("[bench] 4/4 the same key in a SoftHSM2 token and in its file: 10 KB messages and raw signatures");
        Map<String, RunResult> results = new HashMap<>();
        for (RunResult result : jmh(TokenSignBenchmark.class, smallConfig(), Map.of())) {
            String method = result.getParams().getBenchmark().replaceAll(".*\\.", "");
            results.put(method + "/" + result.getParams().getParam("key") + "/" + result.getParams().getParam("where"), result);
        }
        line("### A key in a PKCS#11 token");
        line("");
        line("The fixture's sender key put on a SoftHSM2 token (`softhsm2` of the OS, file object store), signing "
            + "through the JDK's SunPKCS11 provider, as `pkcs11.*` configures it, next to the same key in its store file signed "
            + "with the native and the JDK provider: the real path for a 10 KB message (self-check on, verified with the "
            + "native provider in every case), and the private-key operation alone (raw, `SHA256withRSA` / `SHA256withECDSA` "
            + "over 32 bytes). One thread; medians with the slowest and fastest iteration.");
        line("");
        line("| Key | Where the key is | Signed 10 KB messages/s | ms per message | Raw signatures/s | Signed ÷ raw | Signed, ÷ file key (native) |");
        line("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        for (Fixtures.Key key : List.of(Fixtures.Key.RSA_2048, Fixtures.Key.EC_P256)) {
            double reference = median(results.get("signMessage/" + key.name() + "/file-native"));
            for (String where : List.of("token", "file-native", "file-jdk")) {
                RunResult signed = results.get("signMessage/" + key.name() + "/" + where);
                RunResult raw = results.get("rawSignature/" + key.name() + "/" + where);
                double rate = median(signed);
                line("| " + key.label + " | " + whereLabel(where) + " | " + spread(signed) + " | " + fmt(1000.0 / rate, 3) + " | "
                    + spread(raw) + " | " + fmt(rate / median(raw), 3) + " | " + fmt(rate / reference, 3) + " |");
            }
        }
        line("");
    }

    private static String whereLabel(String where) {
        switch (where) {
            case "token": return "SoftHSM2 token (SunPKCS11)";
            case "file-native": return "store file, native provider";
            default: return "store file, JDK provider";
        }
    }

    // ---------------------------------------------------------------------------------------------- child JVMs

    private static final class Result {
        int exitCode;
        boolean timedOut;
        List<String> stdout = new ArrayList<>();
        List<String> stderr = new ArrayList<>();

        @Override
        public String toString() {
            return "exit " + exitCode + (timedOut ? " (timed out)" : "") + "\nstdout: " + stdout + "\nstderr: "
                + stderr.stream().limit(30).collect(Collectors.joining("\n"));
        }
    }

    /** Runs {@code main} of {@code mainClass} in a fresh JVM with this class path. */
    private Result java(List<String> jvmArgs, Class<?> mainClass, List<String> args, Duration timeout) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(args);
        Path out = Files.createTempFile(logs, mainClass.getSimpleName(), ".out");
        Path err = Files.createTempFile(logs, mainClass.getSimpleName(), ".err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        Result result = new Result();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            result.timedOut = true;
        }
        result.exitCode = process.exitValue();
        result.stdout = Files.readAllLines(out, StandardCharsets.UTF_8);
        result.stderr = Files.readAllLines(err, StandardCharsets.UTF_8);
        // progress lines of the store generator
        result.stderr.stream().filter(l -> l.startsWith("    ... ")).forEach(progress::println);
        Files.delete(out);
        Files.delete(err);
        return result;
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private void line(String text) {
        report.append(text).append('\n');
    }

    private static String sizeLabel(Fixtures.Size size) {
        return size.bytes >= 1 << 20 ? (size.bytes >> 20) + " MB" : (size.bytes >> 10) + " KB";
    }

    static String fmt(double value, int digits) {
        return String.format(Locale.ROOT, "%,." + digits + "f", value);
    }

    private static String human(Duration duration) {
        long seconds = duration.toSeconds();
        return seconds >= 60 ? (seconds / 60) + " min " + (seconds % 60) + " s" : seconds + " s";
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(file);
            }
        }
    }
}
