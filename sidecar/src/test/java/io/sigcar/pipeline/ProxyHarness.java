package io.sigcar.pipeline;

import io.sigcar.config.Field;
import io.sigcar.config.Settings;
import io.sigcar.config.SidecarConfig;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** A real sidecar on loopback in front of a {@link RecordingUpstream}, for end-to-end tests. */
final class ProxyHarness implements AutoCloseable {

    final RecordingUpstream upstream;
    final Sidecar sidecar;
    final Sidecar.Ports ports;
    final ByteArrayOutputStream audit = new ByteArrayOutputStream();

    ProxyHarness(Path keysDir, Map<Field, String> settings, InstantSource clock,
            Function<Sidecar.Context, Sidecar.Verification> verification) throws Exception {
        this(new RecordingUpstream(), keysDir, settings, clock, verification);
    }

    ProxyHarness(RecordingUpstream upstream, Path keysDir, Map<Field, String> settings, InstantSource clock,
            Function<Sidecar.Context, Sidecar.Verification> verification) throws Exception {
        this(upstream, upstream.port(), keysDir, settings, clock, verification);
    }

    /** In front of some other app on {@code upstreamPort} (the caller closes it); {@link #upstream} is null. */
    ProxyHarness(int upstreamPort, Path keysDir, Map<Field, String> settings, InstantSource clock,
            Function<Sidecar.Context, Sidecar.Verification> verification) throws Exception {
        this(null, upstreamPort, keysDir, settings, clock, verification);
    }

    private ProxyHarness(RecordingUpstream upstream, int upstreamPort, Path keysDir, Map<Field, String> settings,
            InstantSource clock, Function<Sidecar.Context, Sidecar.Verification> verification) throws Exception {
        this.upstream = upstream;
        Map<Field, String> flags = new EnumMap<>(Field.class);
        flags.put(Field.LISTEN, "127.0.0.1:0");
        flags.put(Field.ADMIN, "127.0.0.1:0");
        flags.put(Field.UPSTREAM, "127.0.0.1:" + upstreamPort);
        flags.put(Field.KEYS, keysDir.toString());
        flags.putAll(settings);
        SidecarConfig config = SidecarConfig.from(Settings.load(Optional.empty(), Map.of(), flags));
        this.sidecar = new Sidecar(config, Crypto.create(CryptoConfig.defaults()), clock, audit, verification);
        this.ports = sidecar.start().await(10, TimeUnit.SECONDS);
    }

    /** No verifiers: for tests of the accept, policy and forward stages. */
    static Sidecar.Verification none(Sidecar.Context ignored) {
        return new Sidecar.Verification(List.of(), () -> true, () -> { });
    }

    /** Sends raw bytes and returns everything the sidecar answers until it closes or goes quiet. */
    String raw(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", ports.proxy())) {
            s.setSoTimeout(3000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    got.write(buf, 0, n);
                }
            } catch (java.net.SocketTimeoutException quiet) {
                // keep-alive connection left open: what arrived is the answer
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    String metrics() throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        return client.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + ports.admin() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    @Override
    public void close() throws Exception {
        sidecar.close();
        if (upstream != null) {
            upstream.close();
        }
    }
}
