package io.sigcar.crypto;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The price of the FFM boundary itself: an empty downcall with and without the
 * thread-state transition, and an HMAC whose input is a heap array passed in place
 * (critical) versus copied into native memory first (the only option without critical).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class FfmBenchmark {

    @Param({"64", "1024", "16384"})
    public int size;

    private byte[] body;
    private ByteBuffer direct;
    private final byte[] out = new byte[32];
    private NativeMacKey.Hmac key;
    private Arena arena;
    private MemorySegment nativeIn;
    private MemorySegment nativeOut;

    @Setup
    public void setUp() {
        if (!NativeLibrary.status().loaded()) {
            throw new IllegalStateException(NativeLibrary.status().failure());
        }
        body = new byte[size];
        new SplittableRandom(42).nextBytes(body);
        direct = ByteBuffer.allocateDirect(size).put(body).flip();
        key = new NativeMacKey.Hmac(new byte[32]);
        arena = Arena.ofConfined();
        nativeIn = arena.allocate(size);
        nativeOut = arena.allocate(32);
    }

    @TearDown
    public void tearDown() {
        key.close();
        arena.close();
    }

    @Benchmark
    public int emptyCritical() throws Throwable {
        return (int) LibSigcar.Bench.NOOP.invokeExact();
    }

    @Benchmark
    public int emptyWithTransition() throws Throwable {
        return (int) LibSigcar.Bench.NOOP_TRANSITION.invokeExact();
    }

    /** What Sigcar does: the heap array goes to C as is. */
    @Benchmark
    public byte[] hmacHeapInPlace() throws Throwable {
        MemorySegment in = MemorySegment.ofArray(body);
        int rc = (int) LibSigcar.Hmac.HMAC.invokeExact(key.context(), in, (long) size, MemorySegment.ofArray(out));
        LibSigcar.check(rc, "hmac");
        return out;
    }

    /** Without critical heap access: copy in, call with the transition, copy the MAC out. */
    @Benchmark
    public byte[] hmacCopiedToArena() throws Throwable {
        MemorySegment.copy(body, 0, nativeIn, JAVA_BYTE, 0, size);
        int rc = (int) LibSigcar.Bench.HMAC_TRANSITION.invokeExact(key.context(), nativeIn, (long) size, nativeOut);
        LibSigcar.check(rc, "hmac");
        MemorySegment.copy(nativeOut, JAVA_BYTE, 0, out, 0, 32);
        return out;
    }

    /** A direct buffer (as Netty's pooled allocator hands out) through the public API. */
    @Benchmark
    public byte[] hmacDirectBuffer() {
        key.mac(direct.duplicate(), out, 0);
        return out;
    }
}
