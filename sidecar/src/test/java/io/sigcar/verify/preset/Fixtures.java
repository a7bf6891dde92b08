package io.sigcar.verify.preset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.crypto.MacKey;
import io.sigcar.reject.Reason;
import io.sigcar.verify.SignedRequest;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.Verifier;
import io.sigcar.verify.keys.KeyLookup;
import io.sigcar.verify.keys.VerifyKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Shared pieces of the preset tests: real native crypto, Map-backed keys, and a request record. */
final class Fixtures {

    /** The router the sidecar uses; with libsigcar loaded, HMAC-SHA256 runs natively. */
    static final Crypto CRYPTO = Crypto.create(CryptoConfig.defaults());

    /** A fixed "now" for requests; tests move receivedAt, not a global clock. */
    static final Instant NOW = Instant.ofEpochSecond(1_750_000_000L);

    private Fixtures() {}

    /** An HTTP request as the verify stage sees it, body wrapped without copying. */
    record Request(Map<String, List<String>> headers, ByteBuf body, Instant receivedAt) implements SignedRequest {
        @Override
        public String method() {
            return "POST";
        }

        @Override
        public String scheme() {
            return "https";
        }

        @Override
        public String authority() {
            return "hooks.example.com";
        }

        @Override
        public String rawPath() {
            return "/webhook";
        }

        @Override
        public String rawQuery() {
            return null;
        }

        @Override
        public List<String> headerValues(String lowerCaseName) {
            return headers.getOrDefault(lowerCaseName, List.of());
        }

        /** The same request with each value of header {@code name} passed through {@code edit}; null drops it. */
        Request editHeader(String name, java.util.function.UnaryOperator<String> edit) {
            Map<String, List<String>> copy = new LinkedHashMap<>(headers);
            String key = name.toLowerCase(Locale.ROOT);
            List<String> edited = new ArrayList<>();
            for (String v : headers.getOrDefault(key, List.of())) {
                String e = edit.apply(v);
                if (e != null) {
                    edited.add(e);
                }
            }
            if (edited.isEmpty()) {
                copy.remove(key);
            } else {
                copy.put(key, List.copyOf(edited));
            }
            return new Request(copy, body, receivedAt);
        }

        Request withBody(ByteBuf newBody) {
            return new Request(headers, newBody, receivedAt);
        }

        Request at(Instant when) {
            return new Request(headers, body, when);
        }
    }

    /** A request carrying {@code headers} (names as the vendor spells them) and {@code body}. */
    static Request request(Map<String, String> headers, byte[] body, Instant receivedAt) {
        Map<String, List<String>> lower = new LinkedHashMap<>();
        headers.forEach((k, v) -> lower.computeIfAbsent(k.toLowerCase(Locale.ROOT), x -> new ArrayList<>()).add(v));
        lower.replaceAll((k, v) -> List.copyOf(v));
        return new Request(lower, Unpooled.wrappedBuffer(body), receivedAt);
    }

    static Request request(Map<String, String> headers, String body, Instant receivedAt) {
        return request(headers, utf8(body), receivedAt);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static MacKey hmac(String secret) {
        return CRYPTO.macKey(Algorithm.HMAC_SHA256, utf8(secret));
    }

    /** A KeyLookup over keyid → secret, each bound to HMAC-SHA256 as the key loader would. */
    static KeyLookup keys(Map<String, String> secrets) {
        Map<String, VerifyKey> loaded = new HashMap<>();
        secrets.forEach((id, secret) -> loaded.put(id, new VerifyKey(id, Algorithm.HMAC_SHA256, hmac(secret))));
        return id -> Optional.ofNullable(loaded.get(id));
    }

    static void assertVerified(String keyId, String scheme, Verdict verdict) {
        Verdict.Verified ok = assertInstanceOf(Verdict.Verified.class, verdict, () -> "expected verified, got " + verdict);
        assertEquals(new Verdict.Verified(keyId, scheme, Algorithm.HMAC_SHA256), ok);
    }

    static void assertRejected(Reason reason, Verdict verdict) {
        Verdict.Rejected no = assertInstanceOf(Verdict.Rejected.class, verdict, () -> "expected " + reason + ", got " + verdict);
        assertEquals(reason, no.reason(), no::detail);
    }

    /** The three presets behind one face, so behaviour they share is tested once for all. */
    enum Preset {
        GITHUB, STRIPE, SLACK;

        Verifier create(PresetConfig config, KeyLookup keys) {
            return switch (this) {
                case GITHUB -> new GithubPreset(config, keys, CRYPTO);
                case STRIPE -> new StripePreset(config, keys, CRYPTO);
                case SLACK -> new SlackPreset(config, keys, CRYPTO);
            };
        }

        Map<String, String> sign(MacKey key, ByteBuf body, long epochSecond) {
            return switch (this) {
                case GITHUB -> GithubPreset.sign(key, body);
                case STRIPE -> StripePreset.sign(key, body, epochSecond);
                case SLACK -> SlackPreset.sign(key, body, epochSecond);
            };
        }

        String scheme() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The header that carries the MAC. */
        String signatureHeader() {
            return switch (this) {
                case GITHUB -> GithubPreset.SIGNATURE_HEADER;
                case STRIPE -> StripePreset.SIGNATURE_HEADER;
                case SLACK -> SlackPreset.SIGNATURE_HEADER;
            };
        }

        /** A request signed with {@code secret} at {@link #NOW}. */
        Request signed(String secret, byte[] body) {
            try (MacKey key = hmac(secret)) {
                return request(sign(key, Unpooled.wrappedBuffer(body), NOW.getEpochSecond()), body, NOW);
            }
        }
    }
}
