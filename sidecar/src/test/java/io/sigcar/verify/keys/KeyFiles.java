package io.sigcar.verify.keys;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Test helpers: key bytes, a Kubernetes-style Secret volume, deadline waits and log capture. */
final class KeyFiles {

    private KeyFiles() {}

    /** {@code n} binary key bytes derived from {@code seed}, so two seeds give two keys. */
    static byte[] key(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed * 31 + i * 7 + 1);
        }
        return b;
    }

    /** As {@link #key}, ending in the bytes a trimming loader would drop. */
    static byte[] keyEndingInWhitespace(int n, int seed) {
        byte[] b = key(n, seed);
        b[n - 2] = ' ';
        b[n - 1] = '\n';
        return b;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Writes {@code keys} the way the kubelet's atomic writer does: a fresh {@code ..<timestamp>}
     * directory, a temporary symlink renamed over {@code ..data}, then one {@code name ->
     * ..data/name} symlink per key (created if missing, removed when the key went away).
     */
    static void kubeletWrite(Path dir, String timestamp, Map<String, byte[]> keys) throws IOException {
        Path tsDir = dir.resolve("..2026_11_23_" + timestamp);
        Files.createDirectory(tsDir);
        for (Map.Entry<String, byte[]> e : keys.entrySet()) {
            Files.write(tsDir.resolve(e.getKey()), e.getValue());
        }
        Path tmp = dir.resolve("..data_tmp");
        Files.createSymbolicLink(tmp, tsDir.getFileName());
        Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
        for (String name : keys.keySet()) {
            Path link = dir.resolve(name);
            if (!Files.isSymbolicLink(link)) {
                Files.createSymbolicLink(link, Path.of("..data", name));
            }
        }
        try (var entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                String name = p.getFileName().toString();
                if (!name.startsWith(".") && !keys.containsKey(name)) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Polls until {@code condition} holds, failing after five seconds; never a fixed sleep. */
    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("not within 5 s: " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for: " + what);
            }
        }
    }

    /** Captures what a class logs through System.Logger (the JUL backend in tests). */
    static final class LogCapture extends Handler implements AutoCloseable {
        private final Logger logger;
        final StringBuilder text = new StringBuilder();

        LogCapture(Class<?> source) {
            logger = Logger.getLogger(source.getName());
            logger.addHandler(this);
        }

        @Override
        public synchronized void publish(LogRecord record) {
            text.append(record.getLevel()).append(' ')
                    .append(java.text.MessageFormat.format(record.getMessage(),
                            record.getParameters() == null ? new Object[0] : record.getParameters()))
                    .append('\n');
        }

        synchronized String text() {
            return text.toString();
        }

        @Override
        public void flush() {}

        @Override
        public void close() {
            logger.removeHandler(this);
        }
    }
}
