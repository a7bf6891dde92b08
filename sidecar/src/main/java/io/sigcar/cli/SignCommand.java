package io.sigcar.cli;

import io.netty.buffer.Unpooled;
import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.crypto.MacKey;
import io.sigcar.verify.preset.GithubPreset;
import io.sigcar.verify.preset.SlackPreset;
import io.sigcar.verify.preset.StripePreset;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sigcar sign}: computes the signature headers of a request, and with {@code --send} sends it. */
@Command(name = "sign",
        mixinStandardHelpOptions = true,
        description = {
            "Signs a request and prints its signature headers (or sends it with --send).",
            "",
            "Schemes: rfc9421 (Signature-Input, Signature, Content-Digest), github",
            "(X-Hub-Signature-256), stripe (Stripe-Signature), slack (X-Slack-Signature and",
            "X-Slack-Request-Timestamp). The body comes from --data, --data-file, or stdin",
            "with --data-file -."
        })
final class SignCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "URL", description = "Target URL, e.g. http://127.0.0.1:8000/orders?id=7")
    private URI url;

    @Option(names = "--scheme", defaultValue = "rfc9421", description = "rfc9421 (default), github, stripe or slack.")
    private String scheme;

    @Option(names = "--key", required = true, paramLabel = "FILE", description = "Key file (raw bytes).")
    private Path keyFile;

    @Option(names = "--keyid", paramLabel = "ID", description = "Keyid (rfc9421); default: the key file's name.")
    private String keyId;

    @Option(names = "--alg", defaultValue = "hmac-sha256", description = "rfc9421: hmac-sha256 (default) or blake3-keyed.")
    private String alg;

    @Option(names = {"-X", "--method"}, defaultValue = "", description = "Method; default GET, or POST with a body.")
    private String method;

    @Option(names = {"-H", "--header"}, paramLabel = "'Name: value'", description = "Extra header (repeatable).")
    private List<String> headers = new ArrayList<>();

    @Option(names = {"-d", "--data"}, description = "Body text.")
    private String data;

    @Option(names = "--data-file", paramLabel = "FILE", description = "Body from a file, or - for stdin.")
    private String dataFile;

    @Option(names = "--nonce", description = "rfc9421: nonce value, or 'auto' for a random one.")
    private String nonce;

    @Option(names = "--created", description = "Signature time, epoch seconds (default: now).")
    private Long created;

    @Option(names = "--send", description = "Send the signed request and print the status and body.")
    private boolean send;

    @Option(names = "--count", defaultValue = "1", paramLabel = "N",
            description = "Print N signatures, blocks separated by a blank line (with --nonce auto each has its own "
                    + "nonce: a pool for load tests of replay-protected routes).")
    private int count;

    private Crypto crypto;
    /** The RFC 9421 key, made once for every block of a pool; closed when the command ends. */
    private io.sigcar.crypto.MacKey rfcKey;

    @Override
    public Integer call() throws Exception {
        // picocli's writer flushes on every line: a pool of --count blocks goes through a buffer.
        PrintWriter out = count > 1
                ? new PrintWriter(new java.io.BufferedWriter(spec.commandLine().getOut(), 1 << 16), false)
                : spec.commandLine().getOut();
        byte[] body = body();
        String m = method.isEmpty() ? (body.length > 0 ? "POST" : "GET") : method.toUpperCase(Locale.ROOT);
        Map<String, String> extra = new LinkedHashMap<>();
        for (String h : headers) {
            int colon = h.indexOf(':');
            if (colon <= 0) {
                return fail("--header: '" + h + "' is not 'Name: value'");
            }
            extra.put(h.substring(0, colon).strip(), h.substring(colon + 1).strip());
        }
        byte[] key;
        try {
            key = Files.readAllBytes(keyFile);
        } catch (IOException e) {
            return fail("--key: cannot read " + keyFile + ": " + e.getMessage());
        }
        if (count < 1 || (send && count != 1)) {
            java.util.Arrays.fill(key, (byte) 0);
            return fail("--count: must be at least 1, and 1 with --send");
        }
        long time = created != null ? created : Instant.now().getEpochSecond();
        Map<String, String> signed;
        try {
            signed = signatureHeaders(m, body, extra, key, time);
            if (!send) {
                // The digest of the one body is computed once; every block reuses it.
                signed.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("Content-Digest"))
                        .forEach(e -> extra.putIfAbsent(e.getKey(), e.getValue()));
                for (int i = 0; i < count; i++) {
                    if (i > 0) {
                        out.println();
                        signed = signatureHeaders(m, body, extra, key, time);
                    }
                    signed.forEach((k, v) -> out.println(k + ": " + v));
                }
                out.flush();
                return 0;
            }
        } catch (IllegalArgumentException e) {
            return fail(e.getMessage());
        } finally {
            java.util.Arrays.fill(key, (byte) 0);
            if (rfcKey != null) {
                rfcKey.close();
                rfcKey = null;
            }
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(url).method(m, body.length == 0
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        extra.forEach(req::header);
        signed.forEach(req::header);
        HttpResponse<String> resp = HttpClient.newHttpClient().send(req.build(), HttpResponse.BodyHandlers.ofString());
        out.println("HTTP " + resp.statusCode());
        out.println(resp.body());
        out.flush();
        return resp.statusCode() < 400 ? 0 : 1;
    }

    private Map<String, String> signatureHeaders(String m, byte[] body, Map<String, String> extra, byte[] key,
            long time) {
        if (crypto == null) {
            crypto = Crypto.create(CryptoConfig.defaults());
        }
        var buf = Unpooled.wrappedBuffer(body);
        return switch (scheme) {
            case "github", "stripe", "slack" -> {
                try (MacKey k = crypto.macKey(Algorithm.HMAC_SHA256, key)) {
                    yield switch (scheme) {
                        case "github" -> GithubPreset.sign(k, buf);
                        case "stripe" -> StripePreset.sign(k, buf, time);
                        default -> SlackPreset.sign(k, buf, time);
                    };
                }
            }
            case "rfc9421" -> {
                if (rfcKey == null) {
                    rfcKey = Rfc9421Signing.macKey(crypto, alg, key);
                }
                yield Rfc9421Signing.sign(crypto, url, m, extra, body, rfcKey,
                        keyId != null ? keyId : keyFile.getFileName().toString(), time, nonce);
            }
            default -> throw new IllegalArgumentException("--scheme: '" + scheme
                    + "' is not rfc9421, github, stripe or slack");
        };
    }

    private byte[] body() throws IOException {
        if (data != null) {
            return data.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        if (dataFile != null) {
            return dataFile.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(dataFile));
        }
        return new byte[0];
    }

    private int fail(String message) {
        spec.commandLine().getErr().println("sigcar sign: " + message);
        return 2;
    }
}
