package io.sigcar.verify.preset;

import io.netty.buffer.ByteBuf;
import io.sigcar.crypto.CryptoProvider;
import io.sigcar.crypto.MacKey;
import io.sigcar.reject.Reason;
import io.sigcar.verify.SignedRequest;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.keys.KeyLookup;
import java.util.List;
import java.util.Map;

/**
 * GitHub webhooks: {@code X-Hub-Signature-256: sha256=<hex>}, an HMAC-SHA256 of the raw body.
 *
 * <p>GitHub signs no timestamp, so the preset cannot refuse a replayed delivery by age; the
 * config's window is unused here. Only the SHA-256 header is accepted: the legacy SHA-1
 * {@code X-Hub-Signature} is ignored, never a fallback.
 */
public final class GithubPreset extends PresetVerifier {

    public static final String SCHEME = "github";
    /** As GitHub spells it, for signers; requests are read through the lower-case name. */
    public static final String SIGNATURE_HEADER = "X-Hub-Signature-256";

    private static final String SIGNATURE_LOWER = "x-hub-signature-256";
    private static final String PREFIX = "sha256=";
    private static final byte[] NO_PREFIX = new byte[0];


    /**
     * @param crypto for the constant-time comparison; the MACs run on each key's own provider,
     *               which the key loader prepared through the same facade
     */
    public GithubPreset(PresetConfig config, KeyLookup keys, CryptoProvider crypto) {
        super(SCHEME, config, keys, crypto);
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
        return verifyMac(NO_PREFIX, request.body(), List.of(signature));
    }

    /** The header GitHub would send for {@code body} signed with {@code key}; the body's indexes do not move. */
    public static Map<String, String> sign(MacKey key, ByteBuf body) {
        return Map.of(SIGNATURE_HEADER, PREFIX + HexMac.sign(key, NO_PREFIX, body));
    }
}
