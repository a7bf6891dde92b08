package io.sigcar.verify.rfc9421;

import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.MacKey;
import io.sigcar.reject.Reason;
import io.sigcar.verify.SignedRequest;
import io.sigcar.verify.Verdict;
import io.sigcar.verify.Verifier;
import io.sigcar.verify.digest.ContentDigest;
import io.sigcar.verify.keys.KeyLookup;
import io.sigcar.verify.keys.VerifyKey;
import io.sigcar.verify.replay.Claim;
import io.sigcar.verify.replay.ReplayGuard;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import org.greenbytes.http.sfv.InnerList;
import org.greenbytes.http.sfv.StringItem;

/**
 * Verifies RFC 9421 HTTP Message Signatures made with a shared key (hmac-sha256, blake3-keyed).
 *
 * <p>Cheap checks come first (parameters, coverage, time, key), then the MAC. The body digest
 * and the nonce are looked at only once a MAC verified, so unsigned junk costs neither a body
 * hash nor a slot in the replay cache.
 */
public final class Rfc9421Verifier implements Verifier {

    public static final String SCHEME = "rfc9421";

    private final Rfc9421Config config;
    private final KeyLookup keys;
    private final ReplayGuard replay;
    private final Crypto crypto;
    private final ContentDigest contentDigest;
    /** {@code requiredLabels} in a fixed order, sorted once rather than per request. */
    private final List<String> requiredLabels;

    /** Random keys nobody holds, used when a keyid is unknown so the work done is the same. */
    private final MacKey decoyHmac;
    private final MacKey decoyBlake3;

    private static MacKey decoy(Crypto crypto, Algorithm algorithm) {
        byte[] random = new byte[32];
        new java.security.SecureRandom().nextBytes(random);
        return crypto.macKey(algorithm, random);
    }

    public Rfc9421Verifier(Rfc9421Config config, KeyLookup keys, ReplayGuard replay, Crypto crypto) {
        this.decoyHmac = decoy(crypto, Algorithm.HMAC_SHA256);
        this.decoyBlake3 = decoy(crypto, Algorithm.BLAKE3_KEYED);
        this.config = Objects.requireNonNull(config, "config");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.replay = Objects.requireNonNull(replay, "replay");
        this.crypto = Objects.requireNonNull(crypto, "crypto");
        this.contentDigest = new ContentDigest(crypto);
        this.requiredLabels = List.copyOf(new TreeSet<>(config.requiredLabels()));
    }

    @Override
    public String scheme() {
        return SCHEME;
    }

    @Override
    public boolean applies(SignedRequest request) {
        return !request.headerValues("signature-input").isEmpty() || !request.headerValues("signature").isEmpty();
    }

    @Override
    public Verdict verify(SignedRequest request) {
        List<String> inputs = request.headerValues("signature-input");
        List<String> signatures = request.headerValues("signature");
        if (inputs.isEmpty() || signatures.isEmpty()) {
            return Verdict.reject(Reason.MISSING_SIGNATURE, inputs.isEmpty()
                    ? "no Signature-Input field" : "no Signature field");
        }
        Map<String, SignatureFields.Entry> entries;
        try {
            entries = SignatureFields.parse(inputs, signatures);
        } catch (ComponentException e) {
            return Verdict.reject(e.reason(), e.getMessage());
        }
        Instant now = config.clock().instant();
        boolean all = !requiredLabels.isEmpty();
        Iterable<String> labels = all ? requiredLabels : entries.keySet();
        if (!all && entries.isEmpty()) {
            return Verdict.reject(Reason.MISSING_SIGNATURE, "Signature-Input holds no signature");
        }
        // Read once: the digest rule, the covered field and the final check all look at it.
        List<String> digest = request.headerValues(ContentDigest.FIELD);
        Message message = Message.of(request, digest);

        List<Passed> passed = new ArrayList<>();
        Verdict.Rejected firstFailure = null;
        for (String label : labels) {
            SignatureFields.Entry entry = entries.get(label);
            Outcome outcome = entry == null
                    ? Outcome.rejected(Reason.MISSING_SIGNATURE, "required signature " + label + " is absent")
                    : checkOne(entry, request, message, digest, now);
            if (outcome.verdict() instanceof Verdict.Rejected rejected) {
                if (all) {
                    return rejected;
                }
                firstFailure = firstFailure == null ? rejected : firstFailure;
            } else {
                passed.add(new Passed(entry, outcome.params(), (Verdict.Verified) outcome.verdict()));
                if (!all) {
                    break;
                }
            }
        }
        if (passed.isEmpty()) {
            return firstFailure;
        }
        return afterMac(passed, request, digest, now);
    }

    /** A signature whose MAC verified, waiting for the body and nonce checks. */
    private record Passed(SignatureFields.Entry entry, Params params, Verdict.Verified verdict) {}

    /** The verdict on one signature, with its parameters once they parsed. */
    private record Outcome(Verdict verdict, Params params) {
        static Outcome rejected(Reason reason, String detail) {
            return new Outcome(Verdict.reject(reason, detail), null);
        }
    }

    private Verdict afterMac(List<Passed> passed, SignedRequest request, List<String> digest, Instant now) {
        // A Content-Digest that is there must match even when no signature covers it: the app
        // may trust it, and Sigcar forwards it.
        boolean digestCovered = false;
        for (Passed p : passed) {
            digestCovered = digestCovered || covers(p.entry().input(), ContentDigest.FIELD);
        }
        if (digestCovered || !digest.isEmpty()
                || request.body().readableBytes() > 0 && config.digestRequiredWithBody()) {
            Optional<Verdict.Rejected> bad = contentDigest.verify(digest, request.body());
            if (bad.isPresent()) {
                return bad.get();
            }
        }
        List<Claim> claims = new ArrayList<>(0);
        for (Passed p : passed) {
            Params params = p.params();
            if (params.nonce() != null) {
                long created = params.created() != null ? params.created() : now.getEpochSecond();
                long until = config.window().rememberUntil(created, params.expires());
                Optional<Reason> replayed = replay.checkAndRecord(params.keyId(), params.nonce(), until);
                if (replayed.isPresent()) {
                    claims.forEach(c -> replay.forget(c.keyId(), c.token()));
                    return Verdict.reject(replayed.get(), "nonce of signature " + p.entry().label()
                            + " was refused by the replay guard");
                }
                claims.add(new Claim(params.keyId(), params.nonce(), until));
            }
        }
        Verdict.Verified first = passed.getFirst().verdict();
        return claims.isEmpty() ? first : first.withClaims(claims);
    }

    /** Everything about one signature up to and including its MAC. */
    private Outcome checkOne(SignatureFields.Entry entry, SignedRequest request, Message message,
            List<String> digest, Instant now) {
        String label = entry.label();
        if (entry.signature() == null) {
            return Outcome.rejected(Reason.MALFORMED_SIGNATURE, "signature " + label + " has no Signature value");
        }
        InnerList input = entry.input();
        Params params;
        List<StringItem> components;
        try {
            params = Params.of(input);
            components = SignatureBase.components(input);
        } catch (ComponentException e) {
            return Outcome.rejected(e.reason(), "signature " + label + ": " + e.getMessage());
        }
        if (params.keyId() == null) {
            return Outcome.rejected(Reason.MISSING_PARAMETER, "signature " + label + " has no keyid");
        }
        if (params.created() == null && config.requireCreated()) {
            return Outcome.rejected(Reason.MISSING_PARAMETER, "signature " + label + " has no created");
        }
        if (params.nonce() == null && config.requireNonce()) {
            return Outcome.rejected(Reason.MISSING_PARAMETER, "signature " + label + " has no nonce");
        }
        for (String name : config.requiredComponents()) {
            if (!covers(input, name)) {
                return Outcome.rejected(Reason.MISSING_COMPONENT, "signature " + label + " does not cover " + name);
            }
        }
        if (request.body().readableBytes() > 0 && config.digestRequiredWithBody()
                && !covers(input, ContentDigest.FIELD)) {
            return digest.isEmpty()
                    ? Outcome.rejected(Reason.MISSING_DIGEST, "request has a body but no Content-Digest")
                    : Outcome.rejected(Reason.MISSING_COMPONENT, "signature " + label
                            + " does not cover content-digest although the request has a body");
        }
        Optional<Reason> late = params.created() != null
                ? config.window().check(params.created(), params.expires(), now)
                : params.expires() != null && params.expires() < now.getEpochSecond()
                        ? Optional.of(Reason.STALE) : Optional.empty();
        if (late.isPresent()) {
            return Outcome.rejected(late.get(), "signature " + label + " created=" + params.created()
                    + " expires=" + params.expires() + " is outside the window at " + now.getEpochSecond());
        }
        return new Outcome(checkKeyAndMac(entry, params, components, message), params);
    }

    /**
     * Everything that does not depend on the key is decided first, and a MAC is computed
     * whether or not the keyid exists (with a throwaway key when it does not), so neither the
     * answer nor the work done tells a client which keyids are loaded.
     */
    private Verdict checkKeyAndMac(SignatureFields.Entry entry, Params params, List<StringItem> components,
            Message message) {
        String label = entry.label();
        String keyId = params.keyId();
        Algorithm claimed = null;
        if (params.alg() != null) {
            claimed = Algorithm.byId(params.alg()).orElse(null);
            if (claimed == null || claimed.kind() != Algorithm.Kind.MAC) {
                return Verdict.reject(Reason.UNSUPPORTED_ALGORITHM, "signature " + label + " alg " + params.alg()
                        + " is not supported (hmac-sha256, blake3-keyed)");
            }
        }
        byte[] base;
        try {
            base = SignatureBase.bytes(components, entry.input(), message);
        } catch (ComponentException e) {
            return Verdict.reject(e.reason(), "signature " + label + ": " + e.getMessage());
        }
        Optional<VerifyKey> found = keys.find(keyId);
        MacKey macKey = found.map(VerifyKey::macKey)
                .orElse(claimed == Algorithm.BLAKE3_KEYED ? decoyBlake3 : decoyHmac);
        byte[] expected;
        try {
            expected = macKey.mac(base);
        } catch (io.sigcar.crypto.KeyClosedException e) {
            // The key directory reloaded and closed this key between lookup and use.
            return Verdict.reject(Reason.UNKNOWN_KEY, "keyid " + keyId + " was unloaded while verifying");
        }
        boolean macMatches = crypto.equal(expected, entry.signature());
        if (found.isEmpty()) {
            return Verdict.reject(Reason.UNKNOWN_KEY, "keyid " + keyId + " is not loaded");
        }
        VerifyKey key = found.get();
        if (!config.allowedKeyIds().isEmpty() && !config.allowedKeyIds().contains(keyId)) {
            return Verdict.reject(Reason.KEY_NOT_ALLOWED, "keyid " + keyId + " is not allowed on this route");
        }
        if (claimed != null && claimed != key.algorithm()) {
            return Verdict.reject(Reason.ALGORITHM_MISMATCH, "signature " + label + " says alg "
                    + params.alg() + " but keyid " + keyId + " is bound to " + key.algorithm());
        }
        if (!macMatches) {
            return Verdict.reject(Reason.BAD_SIGNATURE, "signature " + label + " with keyid " + keyId
                    + " does not verify");
        }
        return new Verdict.Verified(keyId, SCHEME, key.algorithm());
    }

    private static boolean covers(InnerList input, String name) {
        for (var item : input.get()) {
            if (item instanceof StringItem s && SignatureBase.coversWhole(s, name)) {
                return true;
            }
        }
        return false;
    }
}
