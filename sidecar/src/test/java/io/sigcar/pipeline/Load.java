package io.sigcar.pipeline;

import java.util.Arrays;

/** Small helpers the load and fault tests share: Prometheus samples, polling, percentiles. */
final class Load {

    private Load() {}

    /** Whether something accepts TCP connections on this loopback port (a server that has started). */
    static boolean accepts(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (java.io.IOException notYet) {
            return false;
        }
    }

    /** The value of the sample line {@code series} in Prometheus text, or NaN when absent. */
    static double sample(String metricsText, String series) {
        for (String line : metricsText.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).strip());
            }
        }
        return Double.NaN;
    }

    /** Polls until {@code check} holds or the time is up; the failure says what was last seen. */
    static void await(String what, long millis, java.util.concurrent.Callable<Boolean> check) throws Exception {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() < deadline) {
            if (check.call()) {
                return;
            }
            Thread.sleep(20);
        }
        if (!check.call()) {
            throw new AssertionError("timed out after " + millis + " ms waiting for " + what);
        }
    }

    /** The p-th percentile (0..100) of the values, nearest rank. */
    static long percentile(long[] values, double p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
