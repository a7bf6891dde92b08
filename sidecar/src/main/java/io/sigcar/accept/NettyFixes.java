package io.sigcar.accept;

import io.netty.util.Version;
import java.util.List;
import java.util.Map;

/**
 * Checks at runtime that the Netty HTTP codec on the class path has the request-smuggling
 * fixes Sigcar's framing relies on. A shaded or overridden older Netty would otherwise
 * silently bring the holes back.
 */
public final class NettyFixes {

    /** A Netty advisory and the first release of each line that fixes it. */
    public record Fix(String cve, String what, String fixed41, String fixed42) {}

    public static final List<Fix> REQUIRED = List.of(
            new Fix("CVE-2025-58056", "chunk extensions and bare LF in chunk lines (request smuggling)",
                    "4.1.125.Final", "4.2.5.Final"),
            new Fix("CVE-2026-33870", "chunked request parsing (request smuggling)", "4.1.132.Final",
                    "4.2.10.Final"));

    /** The codec's version and the fixes it lacks (empty when all are present). */
    public record Status(String version, List<Fix> missing) {
        public boolean ok() {
            return missing.isEmpty() && !version.equals("unknown");
        }
    }

    private NettyFixes() {}

    public static Status check() {
        Map<String, Version> versions = Version.identify(NettyFixes.class.getClassLoader());
        Version codec = versions.get("netty-codec-http");
        String v = codec == null ? "unknown" : codec.artifactVersion();
        if (codec == null) {
            return new Status(v, REQUIRED);
        }
        return new Status(v, REQUIRED.stream().filter(f -> !fixedIn(v, f)).toList());
    }

    /** True when {@code version} (e.g. 4.2.20.Final) is at or above the fixed release of its line. */
    static boolean fixedIn(String version, Fix fix) {
        int[] have = numbers(version);
        String line = have[0] + "." + have[1];
        String fixed = switch (line) {
            case "4.1" -> fix.fixed41();
            case "4.2" -> fix.fixed42();
            default -> have[0] > 4 || (have[0] == 4 && have[1] > 2) ? "0.0.0" : "99.0.0";
        };
        int[] need = numbers(fixed);
        for (int i = 0; i < 3; i++) {
            if (have[i] != need[i]) {
                return have[i] > need[i];
            }
        }
        return true;
    }

    private static int[] numbers(String version) {
        String[] parts = version.split("[.-]");
        int[] n = new int[3];
        for (int i = 0; i < 3 && i < parts.length; i++) {
            n[i] = parts[i].matches("\\d+") ? Integer.parseInt(parts[i]) : 0;
        }
        return n;
    }
}
