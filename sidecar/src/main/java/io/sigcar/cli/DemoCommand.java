package io.sigcar.cli;

import io.sigcar.config.Field;
import io.sigcar.config.Settings;
import io.sigcar.config.SidecarConfig;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.pipeline.Sidecar;
import io.sigcar.pipeline.Verifications;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.InstantSource;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sigcar demo}: with no setup, runs an echo app, the sidecar in front of it with
 * generated keys, and a tour of signed and unsigned requests, printed as a table.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the sidecar in front of a built-in echo app and shows it at work.",
            "",
            "Generates keys in a temporary directory, starts both, sends valid and invalid",
            "requests (RFC 9421, GitHub, Stripe, Slack; unsigned, tampered, replayed,",
            "expired, unknown key), prints what happened to each, then keeps serving until",
            "Ctrl-C so you can try `sigcar sign --send` yourself. --once exits after the tour."
        })
final class DemoCommand implements java.util.concurrent.Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--once", description = "Exit after the tour instead of serving until Ctrl-C.")
    private boolean once;

    @Option(names = "--train", paramLabel = "SECONDS", defaultValue = "0", description = {
            "After the tour, send every kind of request (each scheme, GET and POST, HTTP/1.1 and h2c,",
            "accepted and refused) for this many seconds, with audit lines on: the workload the image",
            "build records its AOT cache from (SIGCAR_AOT=train). Default 0: no training."})
    private int trainSeconds;

    @Option(names = "--port", defaultValue = "8000", description = "Sidecar port (default 8000; 0 = any free port).")
    private int port;

    @Option(names = "--admin-port", defaultValue = "9901", description = "Admin port (default 9901; 0 = any).")
    private int adminPort;

    private static final Pattern REASON = Pattern.compile("\"reason\":\"([a-z_]+)\"");

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path keys = Files.createTempDirectory("sigcar-demo-keys");
        keys.toFile().deleteOnExit();
        SecureRandom random = new SecureRandom();
        Map<String, byte[]> secrets = new LinkedHashMap<>();
        for (String id : new String[] {"demo-hmac", "demo-blake3", "github", "stripe", "slack"}) {
            byte[] k = new byte[32];
            random.nextBytes(k);
            secrets.put(id, k);
            Path f = keys.resolve(id);
            Files.write(f, k);
            f.toFile().deleteOnExit();
        }

        Vertx appVertx = Vertx.vertx();
        HttpServer app = appVertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body ->
                req.response().putHeader("content-type", "application/json").end("{\"app\":\"echo\",\"method\":\""
                        + req.method() + "\",\"path\":\"" + req.path() + "\",\"verified_keyid\":\""
                        + req.getHeader("sigcar-key-id") + "\",\"body_bytes\":" + body.length() + "}\n")))
                .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);

        Map<Field, String> flags = new EnumMap<>(Field.class);
        flags.put(Field.LISTEN, "127.0.0.1:" + port);
        flags.put(Field.ADMIN, "127.0.0.1:" + adminPort);
        flags.put(Field.UPSTREAM, "127.0.0.1:" + app.actualPort());
        flags.put(Field.KEYS, keys.toString());
        flags.put(Field.KEY_ALGORITHMS, "demo-blake3=blake3-keyed");
        flags.put(Field.GITHUB_KEYS, "github");
        flags.put(Field.STRIPE_KEYS, "stripe");
        flags.put(Field.SLACK_KEYS, "slack");
        flags.put(Field.ROUTES, "name=health,path=/healthz,action=allow;"
                + "name=github,path=/hooks/github,action=verify,schemes=github;"
                + "name=stripe,path=/hooks/stripe,action=verify,schemes=stripe;"
                + "name=slack,path=/hooks/slack,action=verify,schemes=slack;"
                + "name=api,path=/api/,action=verify,schemes=rfc9421");
        // The tour's table is the demo's output; training runs the default (audit on) into nowhere.
        flags.put(Field.AUDIT, String.valueOf(trainSeconds > 0));
        SidecarConfig config = SidecarConfig.from(Settings.load(Optional.empty(), Map.of(), flags));
        Crypto crypto = Crypto.create(CryptoConfig.defaults());
        Sidecar sidecar = new Sidecar(config, crypto, InstantSource.system(), OutputStream.nullOutputStream(),
                Verifications::build);
        Sidecar.Ports ports = sidecar.start().await(10, TimeUnit.SECONDS);
        String base = "http://127.0.0.1:" + ports.proxy();

        out.printf("sigcar demo: echo app on 127.0.0.1:%d, sidecar on %s, keys in %s%n%n", app.actualPort(), base, keys);
        Tour tour = new Tour(crypto, secrets, base, out);
        tour.run();
        int untrained = 0;
        if (trainSeconds > 0) {
            Training training = new Training(crypto, secrets, base);
            untrained = training.run(java.time.Duration.ofSeconds(trainSeconds));
            out.printf("%ntraining: %d requests in %d s, %d with an unexpected status%n", training.sent(), trainSeconds,
                    untrained);
            training.surprises().forEach(line -> out.println("  " + line));
        }
        out.printf("%nmetrics:  http://127.0.0.1:%d/metrics   (also /healthz, /readyz)%n", ports.admin());
        // The JVM running now is a JDK 25; a bare `java` on the PATH may not be.
        String java = ProcessHandle.current().info().command().orElse("java");
        String jar = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        out.printf("try it:   %s -jar %s sign --send --key %s --data '{\"id\":7}' %s/api/orders%n", java,
                jar.endsWith(".jar") ? jar : "sidecar/target/sigcar.jar", keys.resolve("demo-hmac"), base);
        out.flush();
        if (!once) {
            out.println("serving until Ctrl-C ...");
            out.flush();
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            stop.await();
        }
        sidecar.close();
        appVertx.close().await(10, TimeUnit.SECONDS);
        return tour.unexpected == 0 && untrained == 0 ? 0 : 1;
    }

    /** The requests of the tour and the status each must get. */
    private static final class Tour {
        private final Crypto crypto;
        private final Map<String, byte[]> secrets;
        private final String base;
        private final PrintWriter out;
        private final HttpClient http = HttpClient.newHttpClient();
        int unexpected;

        Tour(Crypto crypto, Map<String, byte[]> secrets, String base, PrintWriter out) {
            this.crypto = crypto;
            this.secrets = secrets;
            this.base = base;
            this.out = out;
        }

        void run() throws Exception {
            out.printf("%-44s %-7s %-6s %s%n", "request", "expect", "got", "reason / app saw");
            out.println("-".repeat(100));
            long now = Instant.now().getEpochSecond();
            String order = "{\"order\":42,\"amount\":\"19.99\"}";
            String uri = base + "/api/orders?id=42";

            send("RFC 9421 hmac-sha256", "POST", uri, order, rfc("demo-hmac", "hmac-sha256", "POST", uri, order, now,
                    null), 200);
            send("RFC 9421 blake3-keyed", "POST", uri, order, rfc("demo-blake3", "blake3-keyed", "POST", uri, order,
                    now, null), 200);
            send("GitHub webhook", "POST", base + "/hooks/github", order, preset("github", order, now), 200);
            Map<String, String> stripe = preset("stripe", order, now);
            send("Stripe webhook", "POST", base + "/hooks/stripe", order, stripe, 200);
            send("the same Stripe event again", "POST", base + "/hooks/stripe", order, stripe, 401);
            send("Slack webhook", "POST", base + "/hooks/slack", order, preset("slack", order, now), 200);
            send("unsigned", "POST", uri, order, Map.of(), 401);
            send("tampered body", "POST", uri, order.replace("19.99", "0.01"), rfc("demo-hmac", "hmac-sha256", "POST",
                    uri, order, now, null), 401);
            Map<String, String> once = rfc("demo-hmac", "hmac-sha256", "POST", uri, order, now, "demo-nonce-"
                    + now);
            send("signed with a nonce", "POST", uri, order, once, 200);
            send("the same request replayed", "POST", uri, order, once, 401);
            send("expired (created 10 minutes ago)", "POST", uri, order, rfc("demo-hmac", "hmac-sha256", "POST", uri,
                    order, now - 600, null), 401);
            Map<String, String> unknown = rfc("demo-hmac", "hmac-sha256", "POST", uri, order, now, null);
            unknown.replaceAll((k, v) -> v.replace("keyid=\"demo-hmac\"", "keyid=\"nobody\""));
            send("unknown keyid", "POST", uri, order, unknown, 401);
        }

        private Map<String, String> rfc(String keyId, String alg, String method, String uri, String body, long created,
                String nonce) {
            return new LinkedHashMap<>(Rfc9421Signing.sign(crypto, URI.create(uri), method, Map.of(),
                    body.getBytes(StandardCharsets.UTF_8), secrets.get(keyId), keyId, alg, created, nonce));
        }

        private Map<String, String> preset(String scheme, String body, long now) {
            return Training.webhook(crypto, secrets.get(scheme), scheme, body, now);
        }

        private void send(String what, String method, String uri, String body, Map<String, String> headers,
                int expect) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).method(method,
                    HttpRequest.BodyPublishers.ofString(body));
            headers.forEach(b::header);
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            Matcher m = REASON.matcher(r.body());
            String detail = r.statusCode() == 200 ? "app saw " + r.body().strip() : m.find() ? m.group(1) : r.body();
            boolean ok = r.statusCode() == expect;
            if (!ok) {
                unexpected++;
            }
            out.printf("%-44s %-7d %-6s %s%n", what, expect, r.statusCode() + (ok ? "" : " !"), detail);
            out.flush();
        }
    }
}
