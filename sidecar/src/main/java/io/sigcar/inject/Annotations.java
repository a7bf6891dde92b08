package io.sigcar.inject;

import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code sigcar.io/*} pod annotations: their names, and the per-pod overrides they parse to.
 * An unknown {@code sigcar.io/} key or a bad value refuses the pod, so a typo never injects something
 * other than what the user asked for.
 */
public final class Annotations {

    public static final String PREFIX = "sigcar.io/";
    public static final String INJECT = PREFIX + "inject";
    public static final String STATUS = PREFIX + "status";
    /** Pod label set on every injected pod; the PodMonitor selects on it. */
    public static final String INJECTED_LABEL = PREFIX + "injected";
    public static final String UPSTREAM_PORT = PREFIX + "upstream-port";
    public static final String LISTEN_PORT = PREFIX + "listen-port";
    public static final String KEYS_SECRET = PREFIX + "keys-secret";
    public static final String POLICY = PREFIX + "policy";
    public static final String PRESET = PREFIX + "preset";
    public static final String CPU_REQUEST = PREFIX + "cpu-request";
    public static final String CPU_LIMIT = PREFIX + "cpu-limit";
    public static final String MEMORY_REQUEST = PREFIX + "memory-request";
    public static final String MEMORY_LIMIT = PREFIX + "memory-limit";
    public static final String LOG_LEVEL = PREFIX + "log-level";
    public static final String NATIVE_SIDECAR = PREFIX + "native-sidecar";

    static final Set<String> KNOWN = Set.of(INJECT, STATUS, UPSTREAM_PORT, LISTEN_PORT, KEYS_SECRET, POLICY, PRESET,
            CPU_REQUEST, CPU_LIMIT, MEMORY_REQUEST, MEMORY_LIMIT, LOG_LEVEL, NATIVE_SIDECAR);
    static final List<String> PRESETS = List.of("github", "stripe", "slack");
    /** The ConfigMap key read when {@code sigcar.io/policy} names no key. */
    static final String DEFAULT_POLICY_KEY = "sigcar.yaml";

    private Annotations() {}

    /** A ConfigMap key holding the proxy's YAML config. */
    public record PolicyRef(String configMap, String key) {}

    /** What one pod asks for; null (or empty) means "the injector config's default". */
    public record Overrides(Integer upstreamPort, Integer listenPort, String keysSecret, PolicyRef policy,
            Map<String, List<String>> presetKeys, Map<String, Quantity> requests, Map<String, Quantity> limits,
            String logLevel, Boolean nativeSidecar) {}

    /** Parses every {@code sigcar.io/*} annotation; throws {@link Refusal} for the first bad one. */
    public static Overrides parse(Map<String, String> annotations) {
        Map<String, String> a = annotations == null ? Map.of() : annotations;
        for (String key : a.keySet()) {
            if (key.startsWith(PREFIX) && !KNOWN.contains(key)) {
                throw Refusal.annotation(key, null, "is not a sigcar annotation (known: " + String.join(", ",
                        KNOWN.stream().sorted().toList()) + ")");
            }
        }
        Map<String, Quantity> requests = new LinkedHashMap<>();
        Map<String, Quantity> limits = new LinkedHashMap<>();
        quantity(a, CPU_REQUEST).ifPresent(q -> requests.put("cpu", q));
        quantity(a, MEMORY_REQUEST).ifPresent(q -> requests.put("memory", q));
        quantity(a, CPU_LIMIT).ifPresent(q -> limits.put("cpu", q));
        quantity(a, MEMORY_LIMIT).ifPresent(q -> limits.put("memory", q));
        String logLevel = a.get(LOG_LEVEL);
        if (logLevel != null && !Validate.LOG_LEVELS.contains(logLevel.strip().toLowerCase(Locale.ROOT))) {
            throw Refusal.annotation(LOG_LEVEL, logLevel, "is not one of " + String.join(", ", Validate.LOG_LEVELS));
        }
        String keysSecret = a.get(KEYS_SECRET);
        if (keysSecret != null && !Validate.isDnsSubdomain(keysSecret)) {
            throw Refusal.annotation(KEYS_SECRET, keysSecret, "is not a Secret name");
        }
        return new Overrides(port(a, UPSTREAM_PORT), port(a, LISTEN_PORT), keysSecret, policy(a.get(POLICY)),
                presets(a.get(PRESET)), requests, limits,
                logLevel == null ? null : logLevel.strip().toLowerCase(Locale.ROOT), bool(a, NATIVE_SIDECAR));
    }

    /** {@code "true"} or {@code "false"}; anything else is null (neither opt-in nor opt-out). */
    static Boolean flag(Map<String, String> map, String key) {
        String v = map == null ? null : map.get(key);
        if (v == null) {
            return null;
        }
        return switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> null;
        };
    }

    private static Boolean bool(Map<String, String> a, String key) {
        Boolean b = flag(a, key);
        if (a.containsKey(key) && b == null) {
            throw Refusal.annotation(key, a.get(key), "is not \"true\" or \"false\"");
        }
        return b;
    }

    private static Integer port(Map<String, String> a, String key) {
        String v = a.get(key);
        if (v == null) {
            return null;
        }
        try {
            int p = Integer.parseInt(v.strip());
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw Refusal.annotation(key, v, "is not a port number 1..65535");
    }

    private static java.util.Optional<Quantity> quantity(Map<String, String> a, String key) {
        String v = a.get(key);
        if (v == null) {
            return java.util.Optional.empty();
        }
        if (!Validate.isQuantity(v.strip())) {
            throw Refusal.annotation(key, v, "is not a Kubernetes quantity (e.g. 100m, 0.5, 128Mi)");
        }
        return java.util.Optional.of(new Quantity(v.strip()));
    }

    /** {@code configmap} or {@code configmap:key}. */
    private static PolicyRef policy(String v) {
        if (v == null) {
            return null;
        }
        String s = v.strip();
        int colon = s.indexOf(':');
        String name = colon < 0 ? s : s.substring(0, colon);
        String key = colon < 0 ? DEFAULT_POLICY_KEY : s.substring(colon + 1);
        if (!Validate.isDnsSubdomain(name)) {
            throw Refusal.annotation(POLICY, v, "does not start with a ConfigMap name (form: configmap or configmap:key)");
        }
        if (!Validate.isConfigMapKey(key)) {
            throw Refusal.annotation(POLICY, v, "has a bad ConfigMap key (form: configmap or configmap:key)");
        }
        return new PolicyRef(name, key);
    }

    /** {@code github=keyid[|keyid...][,stripe=...]}: enables each preset with those keyids. */
    private static Map<String, List<String>> presets(String v) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (v == null) {
            return out;
        }
        for (String part : v.split(",")) {
            String p = part.strip();
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw Refusal.annotation(PRESET, v, "is not preset=keyid[|keyid][,preset=keyid] (presets: "
                        + String.join(", ", PRESETS) + ")");
            }
            String preset = p.substring(0, eq).strip();
            if (!PRESETS.contains(preset)) {
                throw Refusal.annotation(PRESET, v, "names unknown preset '" + preset + "' (presets: "
                        + String.join(", ", PRESETS) + ")");
            }
            List<String> ids = new ArrayList<>();
            for (String id : p.substring(eq + 1).split("\\|", -1)) {
                if (!Validate.isKeyId(id.strip())) {
                    throw Refusal.annotation(PRESET, v, "has a bad keyid '" + id.strip() + "' (keyids are [A-Za-z0-9._-])");
                }
                ids.add(id.strip());
            }
            if (out.put(preset, List.copyOf(ids)) != null) {
                throw Refusal.annotation(PRESET, v, "names preset '" + preset + "' twice");
            }
        }
        return out;
    }
}
