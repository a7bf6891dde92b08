package io.sigcar.inject;

import io.fabric8.kubernetes.api.model.Quantity;
import io.sigcar.config.ConfigException;
import io.sigcar.config.Field;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The injector's {@code injector.yaml}: what every injected sidecar looks like unless a pod's
 * {@code sigcar.io/*} annotations say otherwise. Parsed and validated once; errors name file and field.
 */
public record InjectorConfig(Sidecar sidecar) {

    /** Proxy settings the injector sets itself from ports and annotations; the settings map may not set them. */
    static final Set<String> MANAGED_SETTINGS = Set.of(Field.LISTEN.key(), Field.UPSTREAM.key(), Field.ADMIN.key(),
            Field.KEYS.key(), Field.LOG_LEVEL.key(), Field.REPLAY_STORE_PASSWORD_FILE.key());

    /**
     * The sidecar template. {@code settings} keys are proxy setting keys, in file order.
     *
     * @param replayStoreSecret the Secret whose {@code password} entry is the shared replay store's
     *     password, mounted for {@code replay-store-password-file}; empty for none
     */
    public record Sidecar(String image, String imagePullPolicy, boolean nativeSidecar, int listenPort, int adminPort,
            int upstreamPort, String takeoverPortName, String keysSecret, String logLevel,
            Map<String, Quantity> requests, Map<String, Quantity> limits, Map<String, String> settings,
            String replayStoreSecret) {}

    /** The built-in defaults (the contract's example file), used for keys the file leaves out. */
    public static InjectorConfig defaults() {
        return new InjectorConfig(new Sidecar("ghcr.io/sigcar/sigcar:0.1.0", "IfNotPresent", true, 8000, 9901, 8080,
                "http", "sigcar-keys", "info", Map.of("cpu", new Quantity("50m"), "memory", new Quantity("208Mi")),
                Map.of("memory", new Quantity("256Mi")), Map.of(), ""));
    }

    public static InjectorConfig load(Path file) {
        String source = file.toString();
        JsonNode root;
        try {
            root = YAMLMapper.builder().build().readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(source, "(file)", "no such file");
        } catch (IOException | JacksonException e) {
            String m = String.valueOf(e.getMessage());
            throw new ConfigException(source, "(file)", "not valid YAML: " + m.lines().findFirst().orElse(""));
        }
        return parse(source, root);
    }

    static InjectorConfig parse(String source, JsonNode root) {
        Sidecar d = defaults().sidecar();
        if (root == null || root.isNull() || root.isMissingNode()) {
            return defaults();
        }
        Node top = new Node(source, "", root);
        top.only("sidecar");
        Node s = top.child("sidecar");
        s.only("image", "imagePullPolicy", "nativeSidecar", "listenPort", "adminPort", "upstreamPort",
                "takeoverPortName", "keysSecret", "logLevel", "resources", "settings", "replayStoreSecret");
        String image = s.text("image", d.image());
        if (image.isBlank() || image.chars().anyMatch(Character::isWhitespace)) {
            throw s.error("image", "'" + image + "' is not an image reference");
        }
        String pull = s.text("imagePullPolicy", d.imagePullPolicy());
        if (!Set.of("Always", "IfNotPresent", "Never").contains(pull)) {
            throw s.error("imagePullPolicy", "'" + pull + "' is not Always, IfNotPresent or Never");
        }
        boolean nativeSidecar = s.bool("nativeSidecar", d.nativeSidecar());
        int listen = s.port("listenPort", d.listenPort());
        int admin = s.port("adminPort", d.adminPort());
        if (listen == admin) {
            throw s.error("adminPort", "must differ from listenPort (" + listen + ")");
        }
        int upstream = s.port("upstreamPort", d.upstreamPort());
        String takeover = s.text("takeoverPortName", d.takeoverPortName());
        if (!Validate.isPortName(takeover)) {
            throw s.error("takeoverPortName", "'" + takeover + "' is not a port name (1-15 of a-z, 0-9, '-')");
        }
        String keysSecret = s.text("keysSecret", d.keysSecret());
        if (!Validate.isDnsSubdomain(keysSecret)) {
            throw s.error("keysSecret", "'" + keysSecret + "' is not a Secret name");
        }
        String replayStoreSecret = s.text("replayStoreSecret", d.replayStoreSecret());
        if (!replayStoreSecret.isEmpty() && !Validate.isDnsSubdomain(replayStoreSecret)) {
            throw s.error("replayStoreSecret", "'" + replayStoreSecret + "' is not a Secret name");
        }
        String logLevel = s.text("logLevel", d.logLevel()).toLowerCase(Locale.ROOT);
        if (!Validate.LOG_LEVELS.contains(logLevel)) {
            throw s.error("logLevel", "'" + logLevel + "' is not one of " + Validate.LOG_LEVELS);
        }
        Map<String, Quantity> requests = d.requests();
        Map<String, Quantity> limits = d.limits();
        if (s.has("resources")) {
            Node r = s.child("resources");
            r.only("requests", "limits");
            requests = r.has("requests") ? r.child("requests").quantities() : Map.of();
            limits = r.has("limits") ? r.child("limits").quantities() : Map.of();
        }
        Map<String, String> settings = new LinkedHashMap<>();
        if (s.has("settings")) {
            Node st = s.child("settings");
            for (Map.Entry<String, JsonNode> e : st.node.properties()) {
                String key = e.getKey();
                if (java.util.Arrays.stream(Field.values()).noneMatch(f -> f.key().equals(key))) {
                    throw st.error(key, "unknown proxy setting");
                }
                if (MANAGED_SETTINGS.contains(key)) {
                    throw st.error(key, "is set by the injector (use listenPort, adminPort, upstreamPort, "
                            + "keysSecret, replayStoreSecret, logLevel or the pod annotations)");
                }
                if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    throw st.error(key, "must be a plain value (quote it, e.g. \"1048576\")");
                }
                settings.put(key, e.getValue().asString());
            }
        }
        return new InjectorConfig(new Sidecar(image, pull, nativeSidecar, listen, admin, upstream, takeover,
                keysSecret, logLevel, Map.copyOf(requests), Map.copyOf(limits), java.util.Collections
                        .unmodifiableMap(settings), replayStoreSecret));
    }

    /** A YAML mapping and its dotted path, for errors like {@code injector.yaml: sidecar.listenPort: ...}. */
    private record Node(String source, String path, JsonNode node) {

        Node {
            if (!node.isObject()) {
                throw new ConfigException(source, path.isEmpty() ? "(file)" : path, "must be a mapping");
            }
        }

        ConfigException error(String key, String reason) {
            return new ConfigException(source, path.isEmpty() ? key : path + "." + key, reason);
        }

        void only(String... keys) {
            Set<String> known = Set.of(keys);
            for (String k : node.propertyNames()) {
                if (!known.contains(k)) {
                    throw error(k, "unknown key (known: " + String.join(", ", keys) + ")");
                }
            }
        }

        boolean has(String key) {
            return node.has(key) && !node.get(key).isNull();
        }

        Node child(String key) {
            if (!has(key)) {
                throw error(key, "is required");
            }
            return new Node(source, path.isEmpty() ? key : path + "." + key, node.get(key));
        }

        String text(String key, String dflt) {
            if (!has(key)) {
                return dflt;
            }
            JsonNode v = node.get(key);
            if (!v.isValueNode()) {
                throw error(key, "must be a plain value");
            }
            return v.asString().strip();
        }

        boolean bool(String key, boolean dflt) {
            if (!has(key)) {
                return dflt;
            }
            JsonNode v = node.get(key);
            if (!v.isBoolean()) {
                throw error(key, "'" + v.asString() + "' is not true or false");
            }
            return v.booleanValue();
        }

        int port(String key, int dflt) {
            if (!has(key)) {
                return dflt;
            }
            JsonNode v = node.get(key);
            if (!v.isIntegralNumber() || v.asLong() < 1 || v.asLong() > 65535) {
                throw error(key, "'" + v.asString() + "' is not a port number 1..65535");
            }
            return v.asInt();
        }

        Map<String, Quantity> quantities() {
            Map<String, Quantity> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (!Set.of("cpu", "memory", "ephemeral-storage").contains(e.getKey())) {
                    throw error(e.getKey(), "unknown resource (cpu, memory, ephemeral-storage)");
                }
                String q = e.getValue().asString();
                if (!e.getValue().isValueNode() || !Validate.isQuantity(q)) {
                    throw error(e.getKey(), "'" + q + "' is not a Kubernetes quantity (e.g. 100m, 64Mi)");
                }
                out.put(e.getKey(), new Quantity(q));
            }
            return out;
        }
    }
}
