package io.sigcar.crypto;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One MAC over a heap {@code byte[]} with a prepared key, per provider, algorithm and
 * body size: the verify stage's hot path. JDK has no BLAKE3, hence two methods.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class MacBenchmark {

    /** State shared by both MACs: the body and the output buffer. */
    @State(Scope.Thread)
    public abstract static class Body {
        @Param({"64", "1024", "16384", "1048576"})
        public int size;

        byte[] body;
        final byte[] out = new byte[32];
        MacKey key;

        abstract Algorithm algorithm();

        abstract String providerName();

        @Setup(Level.Trial)
        public void setUp() {
            SplittableRandom random = new SplittableRandom(42);
            body = new byte[size];
            random.nextBytes(body);
            byte[] k = new byte[32];
            random.nextBytes(k);
            key = Providers.byName(providerName()).macKey(algorithm(), k);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            key.close();
        }
    }

    /** HMAC-SHA256 on every provider that has it. */
    public static class Hmac extends Body {
        @Param({"native", "jdk", "bouncycastle"})
        public String provider;

        @Override
        Algorithm algorithm() {
            return Algorithm.HMAC_SHA256;
        }

        @Override
        String providerName() {
            return provider;
        }
    }

    /** Keyed BLAKE3 on every provider that has it. */
    public static class Blake3 extends Body {
        @Param({"native", "bouncycastle"})
        public String provider;

        @Override
        Algorithm algorithm() {
            return Algorithm.BLAKE3_KEYED;
        }

        @Override
        String providerName() {
            return provider;
        }
    }

    @Benchmark
    public byte[] hmacSha256(Hmac s) {
        s.key.mac(s.body, 0, s.body.length, s.out, 0);
        return s.out;
    }

    @Benchmark
    public byte[] blake3Keyed(Blake3 s) {
        s.key.mac(s.body, 0, s.body.length, s.out, 0);
        return s.out;
    }
}
