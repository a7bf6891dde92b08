package io.sigcar.verify.rfc9421;

import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.verify.keys.KeyLookup;
import io.sigcar.verify.keys.VerifyKey;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/** Shared test material: the real crypto router, the RFC 9421 shared secret, and key lookups. */
final class Fixtures {

    static final Crypto CRYPTO = Crypto.create(CryptoConfig.defaults());

    /** RFC 9421 Appendix B.1.5, "test-shared-secret" (64 bytes, base64 as published). */
    static final byte[] RFC_SHARED_SECRET = Base64.getDecoder().decode(
            "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==");

    /** The {@code created} of every RFC 9421 Appendix B signature. */
    static final long RFC_CREATED = 1618884473L;

    private Fixtures() {}

    /** Who verified and how, without the nonce claims a shared replay store would get; a rejection as it is. */
    static io.sigcar.verify.Verdict who(io.sigcar.verify.Verdict v) {
        return v instanceof io.sigcar.verify.Verdict.Verified ok
                ? new io.sigcar.verify.Verdict.Verified(ok.keyId(), ok.scheme(), ok.algorithm()) : v;
    }

    static VerifyKey key(String id, Algorithm algorithm, byte[] secret) {
        return new VerifyKey(id, algorithm, CRYPTO.macKey(algorithm, secret));
    }

    static KeyLookup lookup(VerifyKey... keys) {
        Map<String, VerifyKey> byId = new java.util.HashMap<>();
        for (VerifyKey k : keys) {
            byId.put(k.id(), k);
        }
        return id -> Optional.ofNullable(byId.get(id));
    }

    static InstantSource at(long epochSecond) {
        return InstantSource.fixed(Instant.ofEpochSecond(epochSecond));
    }

    static byte[] bytes(int length, int seed) {
        byte[] out = new byte[length];
        new java.util.SplittableRandom(seed).nextBytes(out);
        return out;
    }
}
