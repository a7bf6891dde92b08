package io.sigcar.verify.replay;

import io.sigcar.reject.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The freshness rule every scheme shares: a signature's creation time must fall in
 * [now − maxAge, now + futureSkew], and an explicit expiry must not have passed.
 */
public record TimeWindow(Duration maxAge, Duration futureSkew) {

    public TimeWindow {
        if (maxAge.isNegative() || futureSkew.isNegative()) {
            throw new IllegalArgumentException("maxAge and futureSkew must not be negative");
        }
    }

    /** RFC 9421 default here: five minutes old at most, thirty seconds of clock skew ahead. */
    public static TimeWindow defaults() {
        return new TimeWindow(Duration.ofMinutes(5), Duration.ofSeconds(30));
    }

    /**
     * @param createdEpochSecond when the signer says it signed
     * @param expiresEpochSecond when the signer says the signature expires, or null
     */
    public Optional<Reason> check(long createdEpochSecond, Long expiresEpochSecond, Instant now) {
        long nowSecond = now.getEpochSecond();
        if (createdEpochSecond > nowSecond + futureSkew.toSeconds()) {
            return Optional.of(Reason.FROM_FUTURE);
        }
        if (createdEpochSecond < nowSecond - maxAge.toSeconds()) {
            return Optional.of(Reason.STALE);
        }
        if (expiresEpochSecond != null && expiresEpochSecond < nowSecond) {
            return Optional.of(Reason.STALE);
        }
        return Optional.empty();
    }

    /** Until when a nonce seen now must be remembered: past that, the timestamp check alone refuses it. */
    public long rememberUntil(long createdEpochSecond, Long expiresEpochSecond) {
        long byAge = createdEpochSecond + maxAge.toSeconds();
        return expiresEpochSecond == null ? byAge : Math.min(byAge, expiresEpochSecond);
    }
}
