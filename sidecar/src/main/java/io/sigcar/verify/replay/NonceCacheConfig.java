package io.sigcar.verify.replay;

/**
 * How big the nonce cache is; validated once, and errors name the field.
 *
 * <p>Each entry may sit in one of two groups of {@code groupSize} slots chosen by its
 * fingerprint, and goes to the emptier one ("two choices"), so groups fill evenly: the first
 * {@code nonce_cache_full} comes at roughly 90 % fill rather than the ~50 % a single bounded
 * probe gives. Size {@code capacity} for the peak number of nonces alive in one replay window
 * (requests per second × window seconds) with that headroom.
 *
 * @param capacity slots in the table, a power of two; 24 bytes each, off the GC heap
 * @param groupSize slots searched per group, a power of two no larger than {@code capacity}
 */
public record NonceCacheConfig(int capacity, int groupSize) {

    public static final String FIELD_CAPACITY = "replay.nonce-cache.capacity";
    public static final String FIELD_GROUP_SIZE = "replay.nonce-cache.group-size";

    /** 64 Mi slots (1.5 GiB) is beyond any sidecar; past it a typo is likelier than intent. */
    public static final int MAX_CAPACITY = 1 << 26;
    public static final int MIN_CAPACITY = 16;
    public static final int MAX_GROUP_SIZE = 256;

    public NonceCacheConfig {
        if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException(FIELD_CAPACITY + ": must be a power of two from " + MIN_CAPACITY
                    + " to " + MAX_CAPACITY + ", got " + capacity);
        }
        if (groupSize < 1 || groupSize > MAX_GROUP_SIZE || Integer.bitCount(groupSize) != 1) {
            throw new IllegalArgumentException(FIELD_GROUP_SIZE + ": must be a power of two from 1 to "
                    + MAX_GROUP_SIZE + ", got " + groupSize);
        }
        if (groupSize > capacity) {
            throw new IllegalArgumentException(FIELD_GROUP_SIZE + ": must not exceed " + FIELD_CAPACITY + " ("
                    + capacity + "), got " + groupSize);
        }
    }

    /**
     * 2^20 slots (24 MiB): 3,000 requests per second each carrying a nonce, over a five-minute
     * window, at under 90 % fill. A group of 32 slots is 768 bytes, a dozen cache lines per scan.
     */
    public static NonceCacheConfig defaults() {
        return new NonceCacheConfig(1 << 20, 32);
    }

    /** Bytes of native memory the table takes. */
    public long tableBytes() {
        return (long) capacity * NonceCache.SLOT_BYTES;
    }
}
