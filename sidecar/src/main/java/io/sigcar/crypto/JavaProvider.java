package io.sigcar.crypto;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What the pure-Java providers share: each thread keeps its own engine per key (engines
 * are stateful), and all argument checks happen before an engine is touched.
 */
abstract class JavaProvider implements CryptoProvider {

    private final ThreadLocal<Map<Algorithm, JavaEngine>> digestEngines =
            ThreadLocal.withInitial(() -> new EnumMap<>(Algorithm.class));

    /** A fresh engine keyed with {@code key}; called once per thread per key, and per hasher. */
    abstract JavaEngine macEngine(Algorithm algorithm, byte[] key);

    abstract JavaEngine digestEngine(Algorithm algorithm);

    @Override
    public MacKey macKey(Algorithm algorithm, byte[] key) {
        algorithm.checkKey(key);
        if (!supports(algorithm)) {
            throw new IllegalArgumentException(name() + " provider does not implement " + algorithm);
        }
        byte[] copy = key.clone();
        macEngine(algorithm, copy); // fail now, not on the first request, if the engine rejects the key
        return new Key(algorithm, copy);
    }

    @Override
    public Hasher digest(Algorithm algorithm) {
        algorithm.requireKind(Algorithm.Kind.DIGEST);
        return new EngineHasher(algorithm, digestEngine(algorithm));
    }

    @Override
    public void digest(Algorithm algorithm, byte[] in, int off, int len, byte[] out, int outOff) {
        algorithm.requireKind(Algorithm.Kind.DIGEST);
        checkSlice(in, off, len);
        checkOut(out, outOff, algorithm);
        JavaEngine engine = threadDigest(algorithm);
        try {
            engine.update(in, off, len);
            engine.doFinal(out, outOff);
        } catch (RuntimeException e) {
            throw resetAfter(engine, e);
        }
    }

    @Override
    public void digest(Algorithm algorithm, ByteBuffer in, byte[] out, int outOff) {
        algorithm.requireKind(Algorithm.Kind.DIGEST);
        Objects.requireNonNull(in, "input");
        checkOut(out, outOff, algorithm);
        JavaEngine engine = threadDigest(algorithm);
        try {
            engine.update(in);
            engine.doFinal(out, outOff);
        } catch (RuntimeException e) {
            throw resetAfter(engine, e);
        }
    }

    private JavaEngine threadDigest(Algorithm algorithm) {
        return digestEngines.get().computeIfAbsent(algorithm, this::digestEngine);
    }

    /** A half-fed engine must not leak into the next message on this thread. */
    private static RuntimeException resetAfter(JavaEngine engine, RuntimeException e) {
        engine.reset();
        return e;
    }

    static void checkSlice(byte[] in, int off, int len) {
        Objects.requireNonNull(in, "input");
        Objects.checkFromIndexSize(off, len, in.length);
    }

    static void checkOut(byte[] out, int outOff, Algorithm algorithm) {
        Objects.requireNonNull(out, "output");
        Objects.checkFromIndexSize(outOff, algorithm.outputLength(), out.length);
    }

    /** A prepared key: one engine per thread that uses it. */
    private final class Key implements MacKey {
        private final Algorithm algorithm;
        private final byte[] key;
        private final ThreadLocal<JavaEngine> engines;
        private volatile boolean closed;

        Key(Algorithm algorithm, byte[] key) {
            this.algorithm = algorithm;
            this.key = key;
            Supplier<JavaEngine> factory = () -> macEngine(algorithm, key);
            this.engines = ThreadLocal.withInitial(factory);
        }

        @Override
        public Algorithm algorithm() {
            return algorithm;
        }

        @Override
        public String provider() {
            return name();
        }

        @Override
        public void mac(byte[] in, int off, int len, byte[] out, int outOff) {
            checkSlice(in, off, len);
            checkOut(out, outOff, algorithm);
            ensureOpen();
            JavaEngine engine = engines.get();
            try {
                engine.update(in, off, len);
                engine.doFinal(out, outOff);
            } catch (RuntimeException e) {
                throw resetAfter(engine, e);
            }
            checkStillOpen(out, outOff);
        }

        @Override
        public void mac(ByteBuffer in, byte[] out, int outOff) {
            Objects.requireNonNull(in, "input");
            checkOut(out, outOff, algorithm);
            ensureOpen();
            JavaEngine engine = engines.get();
            try {
                engine.update(in);
                engine.doFinal(out, outOff);
            } catch (RuntimeException e) {
                throw resetAfter(engine, e);
            }
            checkStillOpen(out, outOff);
        }

        @Override
        public Hasher newHasher() {
            ensureOpen();
            JavaEngine engine = macEngine(algorithm, key);
            checkStillOpen(null, 0);
            return new EngineHasher(algorithm, engine);
        }

        private void ensureOpen() {
            if (closed) {
                throw new KeyClosedException(algorithm + " key is closed");
            }
        }

        /**
         * An engine may be built from the key array while close() zeroes it; such an engine
         * would MAC with a zero key. close() publishes {@code closed} before wiping, so a use
         * that may have read wiped bytes sees it here, erases its result and fails.
         */
        private void checkStillOpen(byte[] out, int outOff) {
            VarHandle.acquireFence();
            if (closed) {
                if (out != null) {
                    Arrays.fill(out, outOff, outOff + algorithm.outputLength(), (byte) 0);
                }
                throw new KeyClosedException(algorithm + " key was closed while in use");
            }
        }

        /**
         * Zeroes our copy of the key. Engines other threads built from it hold derived
         * state until their thread-locals are collected; that is the limit of what the
         * JVM lets a pure-Java provider wipe, and one reason the native provider exists.
         */
        @Override
        public void close() {
            closed = true;
            VarHandle.fullFence(); // closed is visible before any key byte is zeroed
            engines.remove();
            Arrays.fill(key, (byte) 0);
        }
    }

    /** An incremental computation over its own engine. */
    private static final class EngineHasher implements Hasher {
        private final Algorithm algorithm;
        private JavaEngine engine;

        EngineHasher(Algorithm algorithm, JavaEngine engine) {
            this.algorithm = algorithm;
            this.engine = engine;
        }

        @Override
        public Algorithm algorithm() {
            return algorithm;
        }

        @Override
        public Hasher update(byte[] in, int off, int len) {
            checkSlice(in, off, len);
            open().update(in, off, len);
            return this;
        }

        @Override
        public Hasher update(ByteBuffer in) {
            Objects.requireNonNull(in, "input");
            open().update(in);
            return this;
        }

        @Override
        public void finish(byte[] out, int outOff) {
            checkOut(out, outOff, algorithm);
            JavaEngine e = open();
            e.doFinal(out, outOff);
            close();
        }

        private JavaEngine open() {
            if (engine == null) {
                throw new IllegalStateException(algorithm + " hasher already finished or closed");
            }
            return engine;
        }

        @Override
        public void close() {
            if (engine != null) {
                engine.reset();
                engine = null;
            }
        }
    }
}
