package io.sigcar.verify.preset;

import io.netty.buffer.ByteBuf;
import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.CryptoProvider;
import io.sigcar.reject.Reason;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.Verifier;
import io.sigcar.verify.keys.KeyLookup;
import io.sigcar.verify.replay.Claim;
import io.sigcar.verify.replay.ReplayGuard;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What every webhook preset shares: its scheme name, its keys and window, the hex-MAC check, and
 * single use: with a replay guard, a webhook accepted once is refused ({@code replayed}) if it
 * comes again within its window.
 */
abstract class PresetVerifier implements Verifier {

    private static final HexFormat HEX = HexFormat.of();

    private final String scheme;
    final PresetConfig config;
    private final KeyLookup keys;
    private final CryptoProvider crypto;
    private final ReplayGuard replay;

    /**
     * @param crypto for the constant-time comparison; the MACs run on each key's own provider
     * @param replay remembers accepted webhooks; null accepts a webhook as often as it comes
     */
    PresetVerifier(String scheme, PresetConfig config, KeyLookup keys, CryptoProvider crypto, ReplayGuard replay) {
        this.scheme = scheme;
        this.config = Objects.requireNonNull(config, "config");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.crypto = Objects.requireNonNull(crypto, "crypto");
        this.replay = replay;
    }

    @Override
    public final String scheme() {
        return scheme;
    }

    /**
     * Verified when any candidate signature is the HMAC of prefix+body under any of the preset's
     * keys and, with single use on, that MAC was not accepted before. The MAC is the token, not
     * the header: it covers the timestamp and the body, so reordering or adding signatures in the
     * header does not make a replay new.
     *
     * @param rememberUntil when the webhook's window closes (epoch seconds); negative: not single
     *     use by its MAC (GitHub signs no time, see {@link #once})
     */
    final Verdict verifyMac(byte[] prefix, ByteBuf body, List<byte[]> signatures, long rememberUntil) {
        byte[] matched = new byte[Algorithm.HMAC_SHA256.outputLength()];
        Verdict verdict = HexMac.verify(scheme, config, keys, crypto, prefix, body, signatures, matched);
        return rememberUntil >= 0 && verdict instanceof Verdict.Verified ok
                ? once(ok, HEX.formatHex(matched), rememberUntil) : verdict;
    }

    /** The verdict for a verified webhook identified by {@code token}, once single use has had its say. */
    final Verdict once(Verdict.Verified ok, String token, long rememberUntil) {
        if (replay == null) {
            return ok;
        }
        String pair = scheme + ":" + token;
        Optional<Reason> refused = replay.checkAndRecord(ok.keyId(), pair, rememberUntil);
        return refused.<Verdict>map(r -> Verdict.reject(r, r == Reason.REPLAYED
                ? scheme + " webhook was already accepted within its window"
                : scheme + " webhook could not be recorded for single use"))
                .orElseGet(() -> ok.withClaims(List.of(new Claim(ok.keyId(), pair, rememberUntil))));
    }
}
