package io.sigcar.verify.replay;

import io.sigcar.reject.Reason;
import java.util.Optional;

/**
 * Rejects a (keyid, nonce) pair seen before inside the replay window. Runs on the event loop:
 * no blocking and no locks held for long.
 */
public interface ReplayGuard {

    /**
     * Records the pair if new. Returns empty when accepted, {@link Reason#REPLAYED} when seen
     * before, {@link Reason#NONCE_CACHE_FULL} when there is no room (fail closed).
     *
     * @param expiresAtEpochSecond when the pair may be forgotten (end of its validity window)
     */
    Optional<Reason> checkAndRecord(String keyId, String nonce, long expiresAtEpochSecond);

    /**
     * Drops a pair recorded here whose request was then refused for another reason (the shared
     * store did not answer), so that the client's retry is not taken for a replay.
     */
    void forget(String keyId, String nonce);
}
