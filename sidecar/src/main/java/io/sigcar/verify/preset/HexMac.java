package io.sigcar.verify.preset;

import io.netty.buffer.ByteBuf;
import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.ByteBufs;
import io.sigcar.crypto.CryptoProvider;
import io.sigcar.crypto.Hasher;
import io.sigcar.crypto.MacKey;
import io.sigcar.reject.Reason;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.keys.KeyLookup;
import io.sigcar.verify.keys.VerifyKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What the three presets share: an HMAC-SHA256 over {@code prefix || body}, sent as hex, checked
 * against several configured keys because webhooks name no key; the signing side, so signer and
 * verifier cannot disagree about the bytes; and strict readers for the header values. The readers
 * answer null for "unusable" instead of throwing, so bad input becomes {@code malformed_signature}.
 */
final class HexMac {

    /** HMAC-SHA256 in hex: what every preset sends. */
    static final int HEX_LENGTH = Algorithm.HMAC_SHA256.outputLength() * 2;

    private static final HexFormat HEX = HexFormat.of();

    /** Ten digits covers every second until the year 2286; more is not a Unix time a vendor sends. */
    private static final int MAX_EPOCH_DIGITS = 10;

    private HexMac() {}

    /**
     * Tries the configured keys in order and returns {@link Verdict.Verified} with the first
     * whose MAC equals one of {@code candidates}. Each key's MAC is computed once whatever the
     * number of candidates, and every comparison is constant-time.
     *
     * @param prefix the bytes signed before the body ("t." or "v0:ts:"); empty for GitHub
     * @param matched receives the MAC that matched, when the verdict is {@link Verdict.Verified}
     */
    static Verdict verify(String scheme, PresetConfig config, KeyLookup keys, CryptoProvider crypto,
            byte[] prefix, ByteBuf body, List<byte[]> candidates, byte[] matched) {
        List<VerifyKey> usable = new ArrayList<>(config.keyIds().size());
        boolean anyLoaded = false;
        for (String id : config.keyIds()) {
            VerifyKey key = keys.find(id).orElse(null);
            if (key == null) {
                continue;
            }
            anyLoaded = true;
            if (key.algorithm() == Algorithm.HMAC_SHA256) {
                usable.add(key);
            }
        }
        if (usable.isEmpty()) {
            return anyLoaded
                    ? Verdict.reject(Reason.ALGORITHM_MISMATCH, scheme + " needs hmac-sha256 keys; keys "
                            + config.keyIds() + " are bound to another algorithm")
                    : Verdict.reject(Reason.NO_KEYS, scheme + ": none of keys " + config.keyIds() + " is loaded");
        }

        byte[] mac = new byte[Algorithm.HMAC_SHA256.outputLength()];
        int closed = 0;
        for (VerifyKey key : usable) {
            try {
                compute(key.macKey(), prefix, body, mac);
            } catch (io.sigcar.crypto.KeyClosedException closedByReload) {
                // The key directory reloaded and closed this key while we held it; the next
                // request sees the new key set. Treat it as not loaded rather than fail the loop.
                closed++;
                continue;
            }
            for (byte[] candidate : candidates) {
                if (crypto.equal(mac, candidate)) {
                    System.arraycopy(mac, 0, matched, 0, mac.length);
                    return new Verdict.Verified(key.id(), scheme, Algorithm.HMAC_SHA256);
                }
            }
        }
        if (closed == usable.size()) {
            return Verdict.reject(Reason.NO_KEYS, scheme + ": keys " + config.keyIds() + " were unloaded during verify");
        }
        return Verdict.reject(Reason.BAD_SIGNATURE, scheme + ": no configured key matches");
    }

    /** The lower-case hex HMAC-SHA256 of {@code prefix || body}, as the vendors send it. */
    static String sign(MacKey key, byte[] prefix, ByteBuf body) {
        if (key.algorithm() != Algorithm.HMAC_SHA256) {
            throw new IllegalArgumentException("webhook presets sign with hmac-sha256, not " + key.algorithm());
        }
        byte[] mac = new byte[Algorithm.HMAC_SHA256.outputLength()];
        compute(key, prefix, body, mac);
        return HEX.formatHex(mac);
    }

    /**
     * Decodes one hex MAC as sent on the wire, or returns null when it is not exactly
     * {@link #HEX_LENGTH} hex digits; never throws, so a bad header cannot escape as an exception.
     */
    static byte[] decode(String hex) {
        if (hex.length() != HEX_LENGTH) {
            return null;
        }
        for (int i = 0; i < hex.length(); i++) {
            if (!HexFormat.isHexDigit(hex.charAt(i))) {
                return null;
            }
        }
        return HEX.parseHex(hex);
    }

    private static void compute(MacKey key, byte[] prefix, ByteBuf body, byte[] out) {
        if (prefix.length == 0) {
            ByteBufs.mac(key, body, out, 0);
            return;
        }
        // Incremental so the body is fed where it lies, never copied behind the prefix.
        try (Hasher hasher = key.newHasher()) {
            hasher.update(prefix);
            ByteBufs.update(hasher, body);
            hasher.finish(out, 0);
        }
    }

    /**
     * The one value of a header sent once, or sent several times with the same value (some
     * proxies duplicate headers). Null when the copies differ: which one would the app trust?
     */
    static String single(List<String> values) {
        String first = values.getFirst().strip();
        for (int i = 1; i < values.size(); i++) {
            if (!values.get(i).strip().equals(first)) {
                return null;
            }
        }
        return first;
    }

    /**
     * Parses a Unix time in seconds written as plain ASCII digits, or returns -1. Signs, spaces
     * and {@code Long.parseLong}'s other leniencies are refused: the digits are signed as text.
     */
    static long epochSeconds(String digits) {
        if (digits.isEmpty() || digits.length() > MAX_EPOCH_DIGITS) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
