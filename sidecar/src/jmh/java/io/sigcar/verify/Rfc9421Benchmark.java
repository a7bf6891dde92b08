package io.sigcar.verify;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.crypto.MacKey;
import io.sigcar.reject.Reason;
import io.sigcar.verify.keys.VerifyKey;
import io.sigcar.verify.replay.ReplayGuard;
import io.sigcar.verify.replay.TimeWindow;
import io.sigcar.verify.rfc9421.Rfc9421Config;
import io.sigcar.verify.rfc9421.Rfc9421Signer;
import io.sigcar.verify.rfc9421.Rfc9421Verifier;
import java.net.URI;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One RFC 9421 verification as the load test's {@code sigcar-rfc9421-*} routes sign it: the
 * CLI's components, {@code alg}, a nonce and, with a body, a covered sha-256 Content-Digest.
 * The replay guard accepts every nonce, so only the verifier's own work is measured.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class Rfc9421Benchmark {

    private static final long CREATED = 1_700_000_000L;

    /** 0 is a GET with no Content-Digest; otherwise a POST of this many bytes. */
    @Param({"0", "1024"})
    int body;

    @Param({"hmac-sha256", "blake3-keyed"})
    String alg;

    private MacKey key;
    private Rfc9421Verifier verifier;
    private Request request;

    /** A received request, as the verify stage sees one. */
    private record Request(String method, String scheme, String authority, String rawPath, String rawQuery,
            Map<String, List<String>> headers, ByteBuf content) implements SignedRequest {

        @Override
        public List<String> headerValues(String lowerCaseName) {
            return headers.getOrDefault(lowerCaseName, List.of());
        }

        @Override
        public ByteBuf body() {
            return content;
        }

        @Override
        public Instant receivedAt() {
            return Instant.ofEpochSecond(CREATED);
        }
    }

    @Setup
    public void setup() throws Exception {
        Crypto crypto = Crypto.create(CryptoConfig.defaults());
        Algorithm algorithm = Algorithm.byId(alg).orElseThrow();
        byte[] secret = new byte[32];
        SplittableRandom random = new SplittableRandom(42);
        random.nextBytes(secret);
        byte[] content = new byte[body];
        random.nextBytes(content);
        key = crypto.macKey(algorithm, secret);

        String method = body == 0 ? "GET" : "POST";
        URI uri = URI.create("http://127.0.0.1:8080/api/orders");
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("content-type", List.of("application/json"));
        Rfc9421Signer.Signed signed = new Rfc9421Signer(crypto).sign(
                new Rfc9421Signer.Request(method, uri, headers, content),
                new Rfc9421Signer.Spec("sig1", Rfc9421Config.DEFAULT_COMPONENTS, "client", CREATED, null,
                        "0123456789abcdef0123456789abcdef", true), key);
        signed.headers().forEach((name, value) -> headers.put(name.toLowerCase(java.util.Locale.ROOT), List.of(value)));
        headers.put("host", List.of(uri.getRawAuthority()));
        request = new Request(method, "http", uri.getRawAuthority(), uri.getRawPath(), uri.getRawQuery(),
                Map.copyOf(headers), Unpooled.wrappedBuffer(content));

        VerifyKey verifyKey = new VerifyKey("client", algorithm, key);
        ReplayGuard acceptAll = new ReplayGuard() {
            @Override
            public Optional<Reason> checkAndRecord(String keyId, String nonce, long expiresAtEpochSecond) {
                return Optional.empty();
            }

            @Override
            public void forget(String keyId, String nonce) {
            }
        };
        Rfc9421Config config = new Rfc9421Config(Rfc9421Config.DEFAULT_COMPONENTS, true, TimeWindow.defaults(),
                true, true, java.util.Set.of(), java.util.Set.of(), InstantSource.fixed(Instant.ofEpochSecond(CREATED)));
        verifier = new Rfc9421Verifier(config, id -> id.equals("client") ? Optional.of(verifyKey) : Optional.empty(),
                acceptAll, crypto);
        if (!(verifier.verify(request) instanceof Verdict.Verified)) {
            throw new IllegalStateException("the benchmark request does not verify: " + verifier.verify(request));
        }
    }

    @TearDown
    public void tearDown() {
        key.close();
    }

    @Benchmark
    public Verdict verify() {
        return verifier.verify(request);
    }
}
