package io.sigcar.verify.preset;

import io.netty.buffer.ByteBuf;
import io.sigcar.crypto.CryptoProvider;
import io.sigcar.crypto.MacKey;
import io.sigcar.reject.Reason;
import io.sigcar.verify.SignedRequest;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.keys.KeyLookup;
import io.sigcar.verify.replay.ReplayGuard;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Slack requests: {@code X-Slack-Signature: v0=<hex>} with {@code X-Slack-Request-Timestamp: <unix>},
 * an HMAC-SHA256 of {@code "v0:<ts>:<body>"}; the timestamp must be within the window both ways.
 */
public final class SlackPreset extends PresetVerifier {

    public static final String SCHEME = "slack";
    /** As Slack spells them, for signers; requests are read through the lower-case names. */
    public static final String SIGNATURE_HEADER = "X-Slack-Signature";
    public static final String TIMESTAMP_HEADER = "X-Slack-Request-Timestamp";

    private static final String SIGNATURE_LOWER = "x-slack-signature";
    private static final String TIMESTAMP_LOWER = "x-slack-request-timestamp";
    private static final String VERSION = "v0";


    /** @param crypto for the constant-time comparison; the MACs run on each key's own provider */
    public SlackPreset(PresetConfig config, KeyLookup keys, CryptoProvider crypto) {
        this(config, keys, crypto, null);
    }

    /** @param replay makes each request single use within the window (by its verified signature); null: off */
    public SlackPreset(PresetConfig config, KeyLookup keys, CryptoProvider crypto, ReplayGuard replay) {
        super(SCHEME, config, keys, crypto, replay);
    }

    /** Either header claims the request for Slack, so one without the other is judged (and refused) here. */
    @Override
    public boolean applies(SignedRequest request) {
        return !request.headerValues(SIGNATURE_LOWER).isEmpty() || !request.headerValues(TIMESTAMP_LOWER).isEmpty();
    }

    @Override
    public Verdict verify(SignedRequest request) {
        List<String> signatureValues = request.headerValues(SIGNATURE_LOWER);
        List<String> timestampValues = request.headerValues(TIMESTAMP_LOWER);
        if (signatureValues.isEmpty() || timestampValues.isEmpty()) {
            return Verdict.reject(Reason.MISSING_SIGNATURE,
                    (signatureValues.isEmpty() ? SIGNATURE_HEADER : TIMESTAMP_HEADER) + " is absent");
        }
        String signatureValue = HexMac.single(signatureValues);
        String timestamp = HexMac.single(timestampValues);
        if (signatureValue == null || timestamp == null) {
            return Verdict.reject(Reason.MALFORMED_SIGNATURE,
                    (signatureValue == null ? SIGNATURE_HEADER : TIMESTAMP_HEADER) + " is sent twice with different values");
        }
        if (!signatureValue.startsWith(VERSION + "=")) {
            return Verdict.reject(Reason.MALFORMED_SIGNATURE, SIGNATURE_HEADER + " does not start with " + VERSION + "=");
        }
        byte[] signature = HexMac.decode(signatureValue.substring(VERSION.length() + 1));
        if (signature == null) {
            return Verdict.reject(Reason.MALFORMED_SIGNATURE,
                    SIGNATURE_HEADER + " is not " + HexMac.HEX_LENGTH + " hex digits after " + VERSION + "=");
        }
        long created = HexMac.epochSeconds(timestamp);
        if (created < 0) {
            return Verdict.reject(Reason.MALFORMED_SIGNATURE, TIMESTAMP_HEADER + " is not a Unix time in seconds");
        }
        Optional<Reason> late = config.window().check(created, null, request.receivedAt());
        if (late.isPresent()) {
            return Verdict.reject(late.get(), TIMESTAMP_HEADER + " is outside " + config.window());
        }
        return verifyMac(basePrefix(timestamp), request.body(), List.of(signature),
                config.window().rememberUntil(created, null));
    }

    /** The two headers Slack would send for {@code body} at {@code epochSecond}, timestamp first. */
    public static Map<String, String> sign(MacKey key, ByteBuf body, long epochSecond) {
        if (epochSecond < 0) {
            throw new IllegalArgumentException("epochSecond must not be negative");
        }
        String timestamp = Long.toString(epochSecond);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(TIMESTAMP_HEADER, timestamp);
        headers.put(SIGNATURE_HEADER, VERSION + "=" + HexMac.sign(key, basePrefix(timestamp), body));
        return Collections.unmodifiableMap(headers);
    }

    /** {@code "v0:<ts>:"}, with the timestamp exactly as sent: Slack's basestring uses the header's text. */
    private static byte[] basePrefix(String timestamp) {
        return (VERSION + ":" + timestamp + ":").getBytes(StandardCharsets.US_ASCII);
    }
}
