package io.sigcar.crypto;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** One Content-Digest (SHA-256 or SHA-512) over a heap body, per provider and size. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DigestBenchmark {

    @Param({"sha-256", "sha-512"})
    public String algorithm;

    @Param({"native", "jdk", "bouncycastle"})
    public String provider;

    @Param({"64", "1024", "16384", "1048576"})
    public int size;

    private Algorithm alg;
    private CryptoProvider p;
    private byte[] body;
    private final byte[] out = new byte[64];

    @Setup
    public void setUp() {
        alg = Algorithm.byId(algorithm).orElseThrow();
        p = Providers.byName(provider);
        body = new byte[size];
        new SplittableRandom(42).nextBytes(body);
    }

    @Benchmark
    public byte[] digest() {
        p.digest(alg, body, 0, body.length, out, 0);
        return out;
    }
}
