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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Stripe webhooks: {@code Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]}, an HMAC-SHA256 of
 * {@code "<t>.<body>"}. Any {@code v1} may match (Stripe sends one per active secret while a
 * secret is rolled); {@code v0} and unknown schemes are ignored, as Stripe's SDKs do.
 */
public final class StripePreset extends PresetVerifier {

    public static final String SCHEME = "stripe";
    /** As Stripe spells it, for signers; requests are read through the lower-case name. */
    public static final String SIGNATURE_HEADER = "Stripe-Signature";

    private static final String SIGNATURE_LOWER = "stripe-signature";


    /** @param crypto for the constant-time comparison; the MACs run on each key's own provider */
    public StripePreset(PresetConfig config, KeyLookup keys, CryptoProvider crypto) {
        this(config, keys, crypto, null);
    }

    /** @param replay makes each event single use within the window (by its verified signature); null: off */
    public StripePreset(PresetConfig config, KeyLookup keys, CryptoProvider crypto, ReplayGuard replay) {
        super(SCHEME, config, keys, crypto, replay);
    }

    @Override
    public boolean applies(SignedRequest request) {
        return !request.headerValues(SIGNATURE_LOWER).isEmpty();
    }

    @Override
    public Verdict verify(SignedRequest request) {
        List<String> values = request.headerValues(SIGNATURE_LOWER);
        if (values.isEmpty()) {
            return Verdict.reject(Reason.MISSING_SIGNATURE, SIGNATURE_HEADER + " is absent");
        }
        String value = HexMac.single(values);
        if (value == null) {
            return Verdict.reject(Reason.MALFORMED_SIGNATURE, SIGNATURE_HEADER + " is sent twice with different values");
        }
        String timestamp = null;
        List<byte[]> signatures = new ArrayList<>(2);
        for (String item : value.split(",", -1)) {
            int eq = item.indexOf('=');
            if (eq <= 0) {
                return Verdict.reject(Reason.MALFORMED_SIGNATURE, SIGNATURE_HEADER + " has an item that is not key=value");
            }
            String name = item.substring(0, eq);
            String field = item.substring(eq + 1);
            if (name.equals("t")) {
                if (timestamp != null) {
                    return Verdict.reject(Reason.MALFORMED_SIGNATURE, SIGNATURE_HEADER + " has more than one t");
                }
                timestamp = field;
            } else if (name.equals("v1")) {
                byte[] signature = HexMac.decode(field);
                if (signature == null) {
                    return Verdict.reject(Reason.MALFORMED_SIGNATURE,
                            SIGNATURE_HEADER + " has a v1 that is not " + HexMac.HEX_LENGTH + " hex digits");
                }
                signatures.add(signature);
            }
        }
        if (timestamp == null) {
            return Verdict.reject(Reason.MALFORMED_SIGNATURE, SIGNATURE_HEADER + " has no t");
        }
        long created = HexMac.epochSeconds(timestamp);
        if (created < 0) {
            return Verdict.reject(Reason.MALFORMED_SIGNATURE, SIGNATURE_HEADER + " t is not a Unix time in seconds");
        }
        if (signatures.isEmpty()) {
            return Verdict.reject(Reason.MALFORMED_SIGNATURE, SIGNATURE_HEADER + " has no v1 signature");
        }
        Optional<Reason> late = config.window().check(created, null, request.receivedAt());
        if (late.isPresent()) {
            return Verdict.reject(late.get(), SIGNATURE_HEADER + " t is outside " + config.window());
        }
        return verifyMac(signedPrefix(timestamp), request.body(), signatures,
                config.window().rememberUntil(created, null));
    }

    /** The header Stripe would send for {@code body} at {@code epochSecond}, signed with one key. */
    public static Map<String, String> sign(MacKey key, ByteBuf body, long epochSecond) {
        return sign(List.of(key), body, epochSecond);
    }

    /** As Stripe signs while a secret is rolled: one {@code v1} per key, in order. */
    public static Map<String, String> sign(List<MacKey> keys, ByteBuf body, long epochSecond) {
        if (keys.isEmpty() || epochSecond < 0) {
            throw new IllegalArgumentException("need at least one key and a non-negative Unix time");
        }
        String timestamp = Long.toString(epochSecond);
        byte[] prefix = signedPrefix(timestamp);
        StringBuilder header = new StringBuilder("t=").append(timestamp);
        for (MacKey key : keys) {
            header.append(",v1=").append(HexMac.sign(key, prefix, body));
        }
        return Map.of(SIGNATURE_HEADER, header.toString());
    }

    /** {@code "<t>."}: the timestamp as sent, not as re-printed, because those are the bytes Stripe signed. */
    private static byte[] signedPrefix(String timestamp) {
        return (timestamp + ".").getBytes(StandardCharsets.US_ASCII);
    }
}
