package io.sigcar.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the whole machine is doing during a load test: the kernel's TCP memory and the CPU's idle
 * share. Past {@code tcp_mem}'s pressure threshold the kernel shrinks buffers and drops segments
 * on every socket, loopback included, so every peer (the app too) waits on retransmission
 * timeouts; with no idle CPU every process queues for a core. Figures taken then describe the
 * machine, not the sidecar, so the tests print these beside their own.
 */
final class MachineLoad {

    private static final long PAGE = 4096;

    private MachineLoad() {}

    /** Bytes of TCP memory in use now ({@code /proc/net/sockstat}, "TCP: ... mem N" in pages). */
    static long usedBytes() {
        for (String line : lines("/proc/net/sockstat")) {
            if (line.startsWith("TCP:")) {
                String[] f = line.trim().split("\\s+");
                for (int i = 1; i + 1 < f.length; i++) {
                    if (f[i].equals("mem")) {
                        return Long.parseLong(f[i + 1]) * PAGE;
                    }
                }
            }
        }
        return -1;
    }

    /** {@code tcp_mem}'s middle value, where the kernel's memory pressure starts, in bytes. */
    static long pressureBytes() {
        List<String> l = lines("/proc/sys/net/ipv4/tcp_mem");
        return l.isEmpty() ? -1 : Long.parseLong(l.getFirst().trim().split("\\s+")[1]) * PAGE;
    }

    /** How many times the kernel has entered TCP memory pressure since boot. */
    static long pressureEpisodes() {
        List<String> l = lines("/proc/net/netstat");
        for (int i = 0; i + 1 < l.size(); i += 2) {
            if (l.get(i).startsWith("TcpExt:")) {
                String[] names = l.get(i).trim().split("\\s+");
                String[] values = l.get(i + 1).trim().split("\\s+");
                for (int j = 1; j < names.length && j < values.length; j++) {
                    if (names[j].equals("TCPMemoryPressures")) {
                        return Long.parseLong(values[j]);
                    }
                }
            }
        }
        return -1;
    }

    /** Idle and total CPU time since boot, in clock ticks ({@code /proc/stat}'s "cpu" line). */
    static long[] cpuTicks() {
        for (String line : lines("/proc/stat")) {
            if (line.startsWith("cpu ")) {
                String[] f = line.trim().split("\\s+");
                long total = 0;
                for (int i = 1; i < f.length; i++) {
                    total += Long.parseLong(f[i]);
                }
                return new long[] {Long.parseLong(f[4]) + Long.parseLong(f[5]), total}; // idle + iowait
            }
        }
        return new long[] {0, 0};
    }

    /** Idle share, in percent, between two {@link #cpuTicks()} readings. */
    static double idlePercent(long[] from, long[] to) {
        long total = to[1] - from[1];
        return total <= 0 ? 100 : 100.0 * (to[0] - from[0]) / total;
    }

    private static List<String> lines(String path) {
        try {
            return Files.readAllLines(Path.of(path));
        } catch (IOException notLinux) {
            return List.of();
        }
    }
}
