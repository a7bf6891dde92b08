package io.sigcar.config;

import java.util.Locale;

/**
 * Every setting Sigcar reads, with its one name in three spellings: the config-file key
 * ({@code max-body-bytes}), the flag ({@code --max-body-bytes}) and the environment
 * variable ({@code SIGCAR_MAX_BODY_BYTES}). The README's configuration table follows this list.
 */
public enum Field {
    LISTEN("listen", "0.0.0.0:8000", "Address the sidecar accepts requests on (host:port)."),
    UPSTREAM("upstream", "127.0.0.1:8080", "The app, always on loopback (host:port)."),
    ADMIN("admin", "0.0.0.0:9901", "Admin address serving /metrics, /healthz, /readyz (host:port)."),
    KEYS("keys", null, "Key directory (a mounted Secret): one file per key, file name = keyid."),
    KEY_ALGORITHM("key-algorithm", "hmac-sha256", "Algorithm of every key without an override: hmac-sha256 or blake3-keyed."),
    KEY_ALGORITHMS("key-algorithms", "", "Per-keyid algorithm overrides, keyid=algorithm, comma-separated."),
    GITHUB_KEYS("github-keys", "", "Keyids the github preset may use (enables it), comma-separated."),
    STRIPE_KEYS("stripe-keys", "", "Keyids the stripe preset may use (enables it), comma-separated."),
    SLACK_KEYS("slack-keys", "", "Keyids the slack preset may use (enables it), comma-separated."),
    REFUSE_SHORT_PRESET_KEYS("refuse-short-preset-keys", "false", "Refuse preset keys under 32 bytes instead of warning."),
    MAX_AGE("max-age", "300s", "Oldest acceptable signature (created), e.g. 300s, 5m."),
    FUTURE_SKEW("future-skew", "30s", "How far in the future created may be (clock skew)."),
    WEBHOOK_TOLERANCE("webhook-tolerance", "300s", "Timestamp tolerance of the stripe and slack presets, either way."),
    WEBHOOK_SINGLE_USE("webhook-single-use", "true", "Refuse a preset webhook already accepted within its window (replayed): stripe and slack by their verified signature, github by X-GitHub-Delivery when sent."),
    REQUIRE_CREATED("require-created", "true", "RFC 9421: refuse signatures without the created parameter."),
    REQUIRE_NONCE("require-nonce", "false", "RFC 9421: refuse signatures without a nonce; nonces are single-use."),
    REPLAY_STORE("replay-store", "local", "Where nonces and webhook ids are remembered: local (this process's off-heap table) or redis://host:port[/db] (rediss:// for TLS), shared by every replica; the local table still answers known replays first."),
    REPLAY_STORE_PASSWORD_FILE("replay-store-password-file", "", "File holding the replay store's password (a mounted Secret); the password is never a flag or URI value."),
    REPLAY_STORE_TIMEOUT("replay-store-timeout", "250ms", "Longest wait for the replay store; slower or unreachable: 503 replay_store_unavailable (fail closed)."),
    NONCE_CAPACITY("nonce-capacity", "262144", "Entries in the off-heap nonce cache (a power of two, 24 bytes each); when full, requests with nonces fail closed."),
    REQUIRE_CONTENT_DIGEST("require-content-digest", "true", "RFC 9421: a signature on a request with a body must cover content-digest; false lets it leave the body unsigned (a Content-Digest that is present must still match)."),
    REQUIRED_COMPONENTS("required-components", "", "RFC 9421 components every signature must cover; empty = @method,@authority,@path,@query (+content-digest with a body)."),
    LABELS("labels", "", "RFC 9421 signature labels that must all verify; empty = any one label verifying is enough."),
    MAX_REQUEST_LINE("max-request-line", "8192", "Longest request line in bytes (longer: 414)."),
    MAX_HEADER_BYTES("max-header-bytes", "16384", "Largest header block in bytes (larger: 431)."),
    MAX_HEADERS("max-headers", "100", "Most header fields (more: 431)."),
    MAX_BODY_BYTES("max-body-bytes", "1048576", "Largest body in bytes unless a route sets its own (larger: 413)."),
    IDLE_TIMEOUT("idle-timeout", "60s", "Close client connections idle this long; an HTTP/2 connection with no open stream is closed after this plus request-timeout, whatever frames (PINGs) it sends."),
    REQUEST_TIMEOUT("request-timeout", "30s", "Time allowed to receive a request head, or an HTTP/2 header block (else the connection closes), and its whole body (else 408)."),
    SEND_TIMEOUT("send-timeout", "30s", "Longest a client may leave an answer backed up: when 32 KiB of it wait unread and do not drain within this time, the connection is cut (slow readers)."),
    SEND_BUFFER("send-buffer", "0", "Kernel send buffer (SO_SNDBUF) of each client connection in bytes; 0 = the kernel's autotuning. A bound caps the kernel memory a client that does not read can pin (Linux doubles the value and caps it at net.core.wmem_max)."),
    MAX_CONNECTIONS("max-connections", "4096", "Most open client connections; over it, new connections are closed at once."),
    MAX_IN_FLIGHT("max-in-flight", "1024", "Most requests being handled at once; over it, 503 overloaded with Retry-After."),
    UPSTREAM_CONNECT_TIMEOUT("upstream-connect-timeout", "2s", "Time allowed to connect to the app (else 502)."),
    UPSTREAM_TIMEOUT("upstream-timeout", "30s", "Time allowed for the app to answer (else 504)."),
    UPSTREAM_POOL("upstream-pool", "1024", "Most idle keep-alive connections to the app kept per event loop for HTTP/1.x requests, and most pooled connections for h2c streams and WebSocket upgrades."),
    DRAIN_TIMEOUT("drain-timeout", "20s", "On SIGTERM, how long in-flight requests may take to finish."),
    HISTOGRAM_BUCKETS("histogram-buckets", "0.0001,0.00025,0.0005,0.001,0.0025,0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10",
            "Latency histogram bucket bounds in seconds, comma-separated."),
    ROUTES("routes", "", "Ordered route rules; see the README. Flag/env form: name=..,path=..,methods=GET|POST,action=verify|allow|deny,schemes=..,keys=..,max-body=.., rules separated by ';'."),
    CRYPTO("crypto", "", "Crypto provider per algorithm, ALG=PROVIDER, comma-separated (auto, native, jdk, bouncycastle)."),
    AUDIT("audit", "true", "Write one JSON audit line per request to stdout."),
    LOG_LEVEL("log-level", "info", "Log level: error, warn, info, debug or trace.");

    private final String key;
    private final String defaultValue;
    private final String help;

    Field(String key, String defaultValue, String help) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.help = help;
    }

    /** Config-file key. */
    public String key() {
        return key;
    }

    public String flag() {
        return "--" + key;
    }

    public String env() {
        return "SIGCAR_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** Null when the setting is required. */
    public String defaultValue() {
        return defaultValue;
    }

    public String help() {
        return help;
    }
}
