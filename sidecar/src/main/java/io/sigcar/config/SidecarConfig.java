package io.sigcar.config;

import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.policy.Route;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Everything the proxy runs on, parsed and validated once at start. A bad value fails
 * here, before anything listens, naming its source, field and reason.
 */
public record SidecarConfig(
        HostPort listen,
        HostPort admin,
        Limits limits,
        Upstream upstream,
        Verification verification,
        List<Route> routes,
        CryptoConfig crypto,
        double[] histogramBuckets,
        Duration drainTimeout,
        boolean audit) {

    /** What the accept stage enforces. */
    public record Limits(int maxRequestLine, int maxHeaderBytes, int maxHeaders, long maxBodyBytes,
            Duration idleTimeout, Duration requestTimeout, Duration sendTimeout, int sendBuffer, int maxConnections,
            int maxInFlight) {}

    /** How the forward stage reaches the app. */
    public record Upstream(HostPort address, Duration connectTimeout, Duration timeout, int pool) {}

    /** Keys and the rules every signature scheme shares. */
    public record Verification(Path keysDir, Algorithm keyAlgorithm, Map<String, Algorithm> keyAlgorithms,
            Map<String, List<String>> presetKeys, boolean refuseShortPresetKeys, Duration maxAge,
            Duration futureSkew, Duration webhookTolerance, boolean webhookSingleUse, boolean requireCreated,
            boolean requireNonce,
            boolean requireContentDigest, ReplayStore replayStore,
            int nonceCapacity, List<String> requiredComponents, List<String> labels) {}

    /**
     * The shared replay store, or none.
     *
     * @param uri null for the local table alone; else {@code redis://} or {@code rediss://}, no password
     * @param passwordFile the password's file, or null
     */
    public record ReplayStore(java.net.URI uri, Path passwordFile, Duration timeout) {
        public boolean shared() {
            return uri != null;
        }
    }

    public static SidecarConfig from(Settings s) {
        Reader r = new Reader(s);
        long maxBody = r.get(Field.MAX_BODY_BYTES, t -> Parse.longIn(t, 0, 1L << 30));
        Limits limits = new Limits(
                r.get(Field.MAX_REQUEST_LINE, t -> Parse.intIn(t, 256, 1 << 20)),
                r.get(Field.MAX_HEADER_BYTES, t -> Parse.intIn(t, 1024, 1 << 20)),
                r.get(Field.MAX_HEADERS, t -> Parse.intIn(t, 1, 10_000)),
                maxBody,
                r.get(Field.IDLE_TIMEOUT, Parse::timeout),
                r.get(Field.REQUEST_TIMEOUT, Parse::timeout),
                r.get(Field.SEND_TIMEOUT, Parse::timeout),
                r.get(Field.SEND_BUFFER, t -> {
                    int bytes = Parse.intIn(t, 0, 1 << 30);
                    if (bytes > 0 && bytes < 4096) {
                        throw new IllegalArgumentException("must be 0 (the kernel's autotuning) or at least 4096");
                    }
                    return bytes;
                }),
                r.get(Field.MAX_CONNECTIONS, t -> Parse.intIn(t, 1, 1_000_000)),
                r.get(Field.MAX_IN_FLIGHT, t -> Parse.intIn(t, 1, 1_000_000)));
        Upstream upstream = new Upstream(
                r.get(Field.UPSTREAM, SidecarConfig::loopback),
                r.get(Field.UPSTREAM_CONNECT_TIMEOUT, Parse::timeout),
                r.get(Field.UPSTREAM_TIMEOUT, Parse::timeout),
                r.get(Field.UPSTREAM_POOL, t -> Parse.intIn(t, 1, 10_000)));
        Map<String, List<String>> presetKeys = new LinkedHashMap<>();
        presetKeys.put("github", r.get(Field.GITHUB_KEYS, Parse::list));
        presetKeys.put("stripe", r.get(Field.STRIPE_KEYS, Parse::list));
        presetKeys.put("slack", r.get(Field.SLACK_KEYS, Parse::list));
        Verification verification = new Verification(
                r.get(Field.KEYS, SidecarConfig::directory),
                r.get(Field.KEY_ALGORITHM, SidecarConfig::macAlgorithm),
                r.get(Field.KEY_ALGORITHMS, t -> {
                    Map<String, Algorithm> m = new LinkedHashMap<>();
                    Parse.map(t).forEach((k, v) -> m.put(k, macAlgorithm(v)));
                    return Map.copyOf(m);
                }),
                Map.copyOf(presetKeys),
                r.get(Field.REFUSE_SHORT_PRESET_KEYS, Parse::bool),
                r.get(Field.MAX_AGE, Parse::duration),
                r.get(Field.FUTURE_SKEW, Parse::duration),
                r.get(Field.WEBHOOK_TOLERANCE, Parse::duration),
                r.get(Field.WEBHOOK_SINGLE_USE, Parse::bool),
                r.get(Field.REQUIRE_CREATED, Parse::bool),
                r.get(Field.REQUIRE_NONCE, Parse::bool),
                r.get(Field.REQUIRE_CONTENT_DIGEST, Parse::bool),
                new ReplayStore(r.get(Field.REPLAY_STORE, SidecarConfig::replayStore),
                        r.get(Field.REPLAY_STORE_PASSWORD_FILE, t -> t.isBlank() ? null : readableFile(t)),
                        r.get(Field.REPLAY_STORE_TIMEOUT, t -> {
                            Duration d = Parse.duration(t);
                            if (d.toMillis() < 1 || d.toSeconds() > 60) {
                                throw new IllegalArgumentException("'" + t + "' is not between 1ms and 60s");
                            }
                            return d;
                        })),
                r.get(Field.NONCE_CAPACITY, t -> {
                    int n = Parse.intIn(t, 64, 1 << 26);
                    if (Integer.bitCount(n) != 1) {
                        throw new IllegalArgumentException(n + " is not a power of two");
                    }
                    return n;
                }),
                r.get(Field.REQUIRED_COMPONENTS, Parse::list),
                r.get(Field.LABELS, Parse::list));
        List<Route> routes = r.get(Field.ROUTES, t -> Routes.parse(t, 1L << 30));
        for (int i = 0; i < routes.size(); i++) {
            for (String scheme : routes.get(i).schemes()) {
                if (presetKeys.containsKey(scheme) && presetKeys.get(scheme).isEmpty()) {
                    Settings.Value v = s.get(Field.ROUTES);
                    throw new ConfigException(v.source(), "routes[" + i + "].schemes", "preset '" + scheme
                            + "' is not enabled: list its keys with " + scheme + "-keys");
                }
            }
        }
        return new SidecarConfig(
                r.get(Field.LISTEN, Parse::hostPort),
                r.get(Field.ADMIN, Parse::hostPort),
                limits,
                upstream,
                verification,
                routes,
                r.get(Field.CRYPTO, t -> CryptoConfig.parse(Parse.list(t), "crypto")),
                r.get(Field.HISTOGRAM_BUCKETS, Parse::buckets),
                r.get(Field.DRAIN_TIMEOUT, Parse::duration),
                r.get(Field.AUDIT, Parse::bool));
    }

    /** The app is in the same pod: forwarding anywhere but loopback would be a misconfiguration. */
    private static HostPort loopback(String text) {
        HostPort hp = Parse.hostPort(text);
        if (!(hp.host().equals("localhost") || hp.host().startsWith("127.") || hp.host().equals("::1"))) {
            throw new IllegalArgumentException("'" + text + "' is not a loopback address (the app runs in this pod)");
        }
        return hp;
    }

    /** {@code local} (null) or a Redis URI; a password in it would end up in process listings and logs. */
    private static java.net.URI replayStore(String text) {
        String t = text.strip();
        if (t.equals("local")) {
            return null;
        }
        java.net.URI uri;
        try {
            uri = new java.net.URI(t);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not local or a redis:// URI");
        }
        if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
            throw new IllegalArgumentException("'" + text + "' is not local, redis://host:port[/db] or rediss://...");
        }
        if (uri.getRawUserInfo() != null && uri.getRawUserInfo().contains(":")) {
            throw new IllegalArgumentException("the URI holds a password: put it in a file and name that file with "
                    + Field.REPLAY_STORE_PASSWORD_FILE.key());
        }
        if (uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("'" + text + "' must be redis://host:port[/db]");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (!path.isEmpty() && !path.equals("/") && !path.matches("/[0-9]{1,5}")) {
            throw new IllegalArgumentException("'" + text + "': the path must be a database number, e.g. /0");
        }
        return uri;
    }

    private static Path readableFile(String text) {
        Path p = Path.of(text.strip());
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new IllegalArgumentException("'" + text + "' is not a readable file");
        }
        return p;
    }

    private static Path directory(String text) {
        Path p = Path.of(text.strip());
        if (!Files.isDirectory(p)) {
            throw new IllegalArgumentException("'" + text + "' is not a directory");
        }
        return p;
    }

    private static Algorithm macAlgorithm(String text) {
        Algorithm a = Algorithm.byId(text.strip()).orElseThrow(() -> new IllegalArgumentException(
                "'" + text + "' is not hmac-sha256 or blake3-keyed"));
        if (a.kind() != Algorithm.Kind.MAC) {
            throw new IllegalArgumentException("'" + text + "' is a digest, not a MAC (hmac-sha256 or blake3-keyed)");
        }
        return a;
    }

    /** Reads one field, turning a parse failure into a ConfigException that names source and field. */
    private record Reader(Settings settings) {
        <T> T get(Field field, Function<String, T> parser) {
            Settings.Value v = settings.get(field);
            if (v == null) {
                throw new ConfigException("configuration", field.key(), "is required (flag " + field.flag()
                        + ", environment " + field.env() + ")");
            }
            try {
                return parser.apply(v.text());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(v.source(), field.key(), e.getMessage());
            }
        }
    }
}
