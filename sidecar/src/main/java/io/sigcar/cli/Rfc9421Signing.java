package io.sigcar.cli;

import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.MacKey;
import io.sigcar.verify.rfc9421.ComponentException;
import io.sigcar.verify.rfc9421.Rfc9421Signer;
import java.net.URI;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How the CLI signs RFC 9421 requests: label {@code sig1}, the components the proxy requires by default. */
final class Rfc9421Signing {

    static final List<String> COMPONENTS = List.of("@method", "@authority", "@path", "@query");

    /** One generator for every nonce: a pool of 300k signatures made a new one per signature. */
    private static final SecureRandom RANDOM = new SecureRandom();

    private Rfc9421Signing() {}

    /**
     * @param nonce null for none, {@code auto} for 16 random bytes in hex, else the value
     * @throws IllegalArgumentException with a message fit for the command line
     */
    static Map<String, String> sign(Crypto crypto, URI uri, String method, Map<String, String> headers, byte[] body,
            byte[] key, String keyId, String alg, long created, String nonce) {
        try (MacKey k = macKey(crypto, alg, key)) {
            return sign(crypto, uri, method, headers, body, k, keyId, created, nonce);
        }
    }

    /** The key to sign with under {@code alg}; the caller closes it. */
    static MacKey macKey(Crypto crypto, String alg, byte[] key) {
        Algorithm algorithm = Algorithm.byId(alg).filter(a -> a.kind() == Algorithm.Kind.MAC)
                .orElseThrow(() -> new IllegalArgumentException("--alg: '" + alg + "' is not hmac-sha256 or blake3-keyed"));
        return crypto.macKey(algorithm, key);
    }

    /**
     * As above with a key made once: a pool of signatures shares it (a native key per signature
     * cost a shared arena's close, a handshake with every thread, each time).
     */
    static Map<String, String> sign(Crypto crypto, URI uri, String method, Map<String, String> headers, byte[] body,
            MacKey key, String keyId, long created, String nonce) {
        String n = nonce;
        if ("auto".equals(nonce)) {
            byte[] random = new byte[16];
            RANDOM.nextBytes(random);
            n = HexFormat.of().formatHex(random);
        }
        Map<String, List<String>> multi = new LinkedHashMap<>();
        headers.forEach((k, v) -> multi.put(k.toLowerCase(java.util.Locale.ROOT), List.of(v)));
        try {
            Rfc9421Signer.Signed signed = new Rfc9421Signer(crypto).sign(
                    new Rfc9421Signer.Request(method, uri, multi, body),
                    new Rfc9421Signer.Spec("sig1", COMPONENTS, keyId, created, null, n, true), key);
            return signed.headers();
        } catch (ComponentException e) {
            throw new IllegalArgumentException("cannot sign: " + e.getMessage());
        }
    }
}
