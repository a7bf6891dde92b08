package io.sigcar.inject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import io.sigcar.config.HostPort;
import java.math.BigInteger;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The injector as the API server meets it: real TLS on loopback, real AdmissionReview JSON, cert reload. */
class InjectorServerTest {

    @TempDir
    Path tlsDir;

    private TestPki pki;
    private TestPki.Leaf first;
    private Injector injector;
    private Injector.Ports ports;
    private HttpClient client;

    @BeforeEach
    void start() throws Exception {
        pki = new TestPki();
        first = pki.leaf("injector-1");
        TestPki.publish(tlsDir, first.certPem(), first.keyPem());
        injector = new Injector(new Injector.Options(InjectorConfig.load(GoldenTest.DIR.resolve("injector.yaml")),
                new TlsFiles(tlsDir.resolve("tls.crt"), tlsDir.resolve("tls.key")), new HostPort("127.0.0.1", 0),
                new HostPort("127.0.0.1", 0), "sigcar-system", "test", Duration.ofMillis(100)));
        ports = injector.start().await(30, java.util.concurrent.TimeUnit.SECONDS);
        client = HttpClient.newBuilder().sslContext(pki.clientContext()).connectTimeout(Duration.ofSeconds(30))
                .build();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (injector != null) {
            injector.close();
        }
    }

    private HttpResponse<String> post(String path, byte[] body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + ports.webhook() + path))
                .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String metrics() throws Exception {
        try (HttpClient plain = HttpClient.newHttpClient()) {
            return plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.admin() + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    private static ObjectNode pod(boolean optIn) {
        ObjectNode pod = Reviews.JSON.createObjectNode();
        pod.put("apiVersion", "v1").put("kind", "Pod");
        ObjectNode meta = pod.putObject("metadata");
        meta.put("name", "web");
        if (optIn) {
            meta.putObject("labels").put("sigcar.io/inject", "true");
        }
        ObjectNode c = pod.putObject("spec").putArray("containers").addObject().put("name", "app").put("image", "x");
        c.putArray("ports").addObject().put("name", "http").put("containerPort", 8080);
        return pod;
    }

    @Test
    void answersRealReviewsOverTls() throws Exception {
        HttpResponse<String> r = post("/inject", Reviews.podReview("uid-1", "apps", pod(true)));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
        JsonNode resp = Reviews.response(r.body().getBytes(StandardCharsets.UTF_8));
        assertEquals("uid-1", resp.get("uid").asString());
        assertTrue(resp.get("allowed").asBoolean());
        assertEquals("JSONPatch", resp.get("patchType").asString());
        JsonNode injected = io.fabric8.zjsonpatch.JsonPatch.apply(Reviews.patch(resp), pod(true));
        assertEquals("sigcar", injected.at("/spec/initContainers/0/name").asString());

        // Not opted in through the pod webhook, but the namespace webhook's path opts it in.
        resp = Reviews.response(post("/inject", Reviews.podReview("uid-2", "apps", pod(false))).body()
                .getBytes(StandardCharsets.UTF_8));
        assertFalse(resp.hasNonNull("patch"));
        resp = Reviews.response(post("/inject?opt-in=namespace", Reviews.podReview("uid-3", "apps", pod(false)))
                .body().getBytes(StandardCharsets.UTF_8));
        assertTrue(resp.hasNonNull("patch"));

        r = post("/inject", "this is not json".getBytes(StandardCharsets.UTF_8));
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("not a readable AdmissionReview"), r.body());

        r = post("/inject?opt-in=cluster", Reviews.podReview("uid-4", "apps", pod(true)));
        assertEquals(400, r.statusCode());
        r = post("/mutate", Reviews.podReview("uid-5", "apps", pod(true)));
        assertEquals(404, r.statusCode());
        HttpResponse<String> get = client.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                + ports.webhook() + "/inject")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());

        String m = metrics();
        assertTrue(m.contains("sigcar_injector_reviews_total{result=\"patched\"} 2.0"), m);
        assertTrue(m.contains("sigcar_injector_injected_total 2.0"), m);
        assertTrue(m.contains("sigcar_injector_skipped_total{reason=\"not_opted_in\"} 1.0"), m);
        assertTrue(m.contains("sigcar_injector_reviews_total{result=\"error\"} 4.0"), m);
        assertTrue(m.contains("sigcar_injector_review_seconds_bucket{le=\"0.001\"}"), m);
        assertTrue(m.contains("sigcar_injector_review_seconds_count 7"), m);
    }

    @Test
    void refusesBodiesOverTheLimit() throws Exception {
        byte[] huge = new byte[Injector.MAX_BODY_BYTES + 1];
        java.util.Arrays.fill(huge, (byte) ' ');
        HttpResponse<String> r = post("/inject", huge);
        assertEquals(413, r.statusCode());

        // Chunked, no Content-Length: cut off while streaming.
        HttpResponse<String> chunked = client.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                + ports.webhook() + "/inject")).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(huge))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(413, chunked.statusCode());
        // The server is still fine afterwards.
        assertEquals(200, post("/inject", Reviews.podReview("u", "apps", pod(true))).statusCode());
    }

    @Test
    void reloadsTheCertificateOnASecretSwapAndKeepsTheOldOneOnABadPair() throws Exception {
        assertEquals(first.cert().getSerialNumber(), servedSerial());

        TestPki.Leaf second = pki.leaf("injector-2");
        TestPki.publish(tlsDir, second.certPem(), second.keyPem());
        await(() -> second.cert().getSerialNumber().equals(servedSerial()), "the new certificate is served");
        await(() -> metrics().contains("sigcar_injector_tls_reloads_total 1.0"), "reload counted");

        // A certificate with some other key: refused, the second certificate stays.
        TestPki.Leaf third = pki.leaf("injector-3");
        TestPki.publish(tlsDir, third.certPem(), TestPki.ecKeysPem());
        await(() -> metrics().contains("sigcar_injector_tls_reload_failures_total 1.0"), "mismatch refused");
        assertEquals(second.cert().getSerialNumber(), servedSerial());

        TestPki.publish(tlsDir, "-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n",
                third.keyPem());
        await(() -> metrics().contains("sigcar_injector_tls_reload_failures_total 2.0"), "garbage refused");
        assertEquals(second.cert().getSerialNumber(), servedSerial());
        assertEquals(200, post("/inject", Reviews.podReview("u", "apps", pod(true))).statusCode());

        TestPki.publish(tlsDir, third.certPem(), third.keyPem());
        await(() -> third.cert().getSerialNumber().equals(servedSerial()), "a good pair is taken again");
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void await(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (check.ok()) {
                return;
            }
            Thread.sleep(50);
        }
        fail("timed out waiting until " + what);
    }

    /** The serial of the certificate a fresh TLS handshake sees. */
    private BigInteger servedSerial() throws Exception {
        try (Socket raw = new Socket("127.0.0.1", ports.webhook());
                SSLSocket s = (SSLSocket) pki.clientContext().getSocketFactory().createSocket(raw, "localhost",
                        ports.webhook(), true)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            return ((java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
