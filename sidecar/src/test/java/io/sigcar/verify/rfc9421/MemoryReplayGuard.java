package io.sigcar.verify.rfc9421;

import io.sigcar.reject.Reason;
import io.sigcar.verify.replay.ReplayGuard;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A bounded, on-heap replay guard for tests; fails closed when full, as the real one must. */
final class MemoryReplayGuard implements ReplayGuard {

    private final int capacity;
    private final Map<List<String>, Long> seen = new HashMap<>();

    MemoryReplayGuard(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public synchronized Optional<Reason> checkAndRecord(String keyId, String nonce, long expiresAtEpochSecond) {
        List<String> pair = List.of(keyId, nonce);
        if (seen.containsKey(pair)) {
            return Optional.of(Reason.REPLAYED);
        }
        if (seen.size() >= capacity) {
            return Optional.of(Reason.NONCE_CACHE_FULL);
        }
        seen.put(pair, expiresAtEpochSecond);
        return Optional.empty();
    }

    @Override
    public synchronized void forget(String keyId, String nonce) {
        seen.remove(List.of(keyId, nonce));
    }

    synchronized int size() {
        return seen.size();
    }
}
