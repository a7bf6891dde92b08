package io.sigcar.verify.preset;

import io.netty.buffer.ByteBuf;
import io.sigcar.crypto.CryptoProvider;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.Verifier;
import io.sigcar.verify.keys.KeyLookup;
import java.util.List;
import java.util.Objects;

/** What every webhook preset shares: its scheme name, its keys and window, and the hex-MAC check. */
abstract class PresetVerifier implements Verifier {

    private final String scheme;
    final PresetConfig config;
    private final KeyLookup keys;
    private final CryptoProvider crypto;

    /** @param crypto for the constant-time comparison; the MACs run on each key's own provider */
    PresetVerifier(String scheme, PresetConfig config, KeyLookup keys, CryptoProvider crypto) {
        this.scheme = scheme;
        this.config = Objects.requireNonNull(config, "config");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.crypto = Objects.requireNonNull(crypto, "crypto");
    }

    @Override
    public final String scheme() {
        return scheme;
    }

    /** Verified when any candidate signature is the HMAC of prefix+body under any of the preset's keys. */
    final Verdict verifyMac(byte[] prefix, ByteBuf body, List<byte[]> signatures) {
        return HexMac.verify(scheme, config, keys, crypto, prefix, body, signatures);
    }
}
