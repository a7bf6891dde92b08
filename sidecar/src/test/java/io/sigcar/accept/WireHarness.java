package io.sigcar.accept;

import io.sigcar.config.Field;
import io.sigcar.config.Settings;
import io.sigcar.config.SidecarConfig;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.pipeline.Sidecar;
import io.sigcar.pipeline.Verifications;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real sidecar (real verification, real native crypto) on loopback in front of a
 * {@link RawUpstream}, for the wire-level tests. Routes: {@code /public/} allows, {@code /hooks/github}
 * verifies the github preset with key {@code github-1} ({@link #GITHUB_SECRET}), {@code /admin} denies, {@code /public/} and then GET/POST/HEAD anywhere else allow.
 */
final class WireHarness implements AutoCloseable {

    static final byte[] GITHUB_SECRET = "a-github-webhook-secret-of-32-bytes!".getBytes(StandardCharsets.US_ASCII);
    static final String ROUTES = "name=github,path=/hooks/github,action=verify,schemes=github;"
            + "name=admin,path=/admin,action=deny;name=public,path=/public/,action=allow;"
            + "name=root,path=/,methods=GET|POST|HEAD,action=allow";

    final RawUpstream upstream;
    final Sidecar sidecar;
    final Sidecar.Ports ports;
    private final ByteArrayOutputStream audit = new ByteArrayOutputStream();

    WireHarness(Path keys, Map<Field, String> settings) throws Exception {
        this(new RawUpstream(), keys, settings);
    }

    WireHarness(RawUpstream upstream, Path keys, Map<Field, String> settings) throws Exception {
        this.upstream = upstream;
        Files.write(keys.resolve("github-1"), GITHUB_SECRET);
        Map<Field, String> flags = new EnumMap<>(Field.class);
        flags.put(Field.LISTEN, "127.0.0.1:0");
        flags.put(Field.ADMIN, "127.0.0.1:0");
        flags.put(Field.UPSTREAM, "127.0.0.1:" + upstream.port());
        flags.put(Field.KEYS, keys.toString());
        flags.put(Field.GITHUB_KEYS, "github-1");
        flags.put(Field.ROUTES, ROUTES);
        flags.put(Field.REQUEST_TIMEOUT, "3s");
        flags.putAll(settings);
        SidecarConfig config = SidecarConfig.from(Settings.load(Optional.empty(), Map.of(), flags));
        this.sidecar = new Sidecar(config, Crypto.create(CryptoConfig.defaults()), InstantSource.system(), audit,
                Verifications::build);
        this.ports = sidecar.start().await(10, TimeUnit.SECONDS);
    }

    /** The audit log so far, one JSON line per finished request. */
    String audit() {
        synchronized (audit) {
            return audit.toString(StandardCharsets.UTF_8);
        }
    }

    /** Requests the sidecar itself says it forwarded (audit outcome allowed or verified). */
    long forwardedPerAudit() {
        return audit().lines().filter(l -> l.contains("\"outcome\":\"allowed\"") || l.contains("\"outcome\":\"verified\""))
                .count();
    }

    @Override
    public void close() throws Exception {
        sidecar.close();
        upstream.close();
    }
}
