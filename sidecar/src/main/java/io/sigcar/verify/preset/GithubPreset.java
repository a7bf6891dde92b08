package io.sigcar.verify.preset;

import io.netty.buffer.ByteBuf;
import io.sigcar.crypto.CryptoProvider;
import io.sigcar.crypto.MacKey;
import io.sigcar.reject.Reason;
import io.sigcar.verify.SignedRequest;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.keys.KeyLookup;
import io.sigcar.verify.replay.ReplayGuard;
import java.util.List;
import java.util.Map;

/**
 * GitHub webhooks: {@code X-Hub-Signature-256: sha256=<hex>}, an HMAC-SHA256 of the raw body.
 *
 * <p>GitHub signs no timestamp, so the preset cannot refuse a replayed delivery by age. With a
 * replay guard, a delivery is single use by its {@code X-GitHub-Delivery} id for the config's
 * window after it was accepted. The id is not signed: this refuses GitHub's redeliveries and
 * plain replays, not a replayer who changes the id. Only the SHA-256 header is accepted: the legacy SHA-1
 * {@code X-Hub-Signature} is ignored, never a fallback.
 */
public final class GithubPreset extends PresetVerifier {

    public static final String SCHEME = "github";
    /** As GitHub spells it, for signers; requests are read through the lower-case name. */
    public static final String SIGNATURE_HEADER = "X-Hub-Signature-256";

    private static final String SIGNATURE_LOWER = "x-hub-signature-256";
    private static final String PREFIX = "sha256=";
    /** GitHub's id of one delivery, kept when it redelivers. */
    public static final String DELIVERY_HEADER = "X-GitHub-Delivery";
    private static final String DELIVERY_LOWER = "x-github-delivery";
    private static final byte[] NO_PREFIX = new byte[0];


    /**
     * @param crypto for the constant-time comparison; the MACs run on each key's own provider,
     *               which the key loader prepared through the same facade
     */
    public GithubPreset(PresetConfig config, KeyLookup keys, CryptoProvider crypto) {
        this(config, keys, crypto, null);
    }

    /** @param replay makes each delivery id single use within the window; null: off */
    public GithubPreset(PresetConfig config, KeyLookup keys, CryptoProvider crypto, ReplayGuard replay) {
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
        if (!value.startsWith(PREFIX)) {
            return Verdict.reject(Reason.MALFORMED_SIGNATURE, SIGNATURE_HEADER + " does not start with " + PREFIX);
        }
        byte[] signature = HexMac.decode(value.substring(PREFIX.length()));
        if (signature == null) {
            return Verdict.reject(Reason.MALFORMED_SIGNATURE,
                    SIGNATURE_HEADER + " is not " + HexMac.HEX_LENGTH + " hex digits after " + PREFIX);
        }
        List<String> deliveries = request.headerValues(DELIVERY_LOWER);
        String delivery = deliveries.isEmpty() ? null : HexMac.single(deliveries);
        if (!deliveries.isEmpty() && (delivery == null || delivery.isEmpty())) {
            return Verdict.reject(Reason.MALFORMED_SIGNATURE, DELIVERY_HEADER + " is empty or sent twice with"
                    + " different values");
        }
        Verdict verdict = verifyMac(NO_PREFIX, request.body(), List.of(signature), -1);
        return delivery != null && verdict instanceof Verdict.Verified ok
                ? once(ok, delivery, config.window().rememberUntil(request.receivedAt().getEpochSecond(), null))
                : verdict;
    }

    /** The header GitHub would send for {@code body} signed with {@code key}; the body's indexes do not move. */
    public static Map<String, String> sign(MacKey key, ByteBuf body) {
        return Map.of(SIGNATURE_HEADER, PREFIX + HexMac.sign(key, NO_PREFIX, body));
    }
}
