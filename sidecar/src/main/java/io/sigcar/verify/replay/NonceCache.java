package io.sigcar.verify.replay;

import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.CryptoProvider;
import io.sigcar.crypto.LazyZeroedMemory;
import io.sigcar.crypto.MacKey;
import io.sigcar.reject.Reason;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The replay guard: a fixed-size hash table of (keyid, nonce) fingerprints and expiries in
 * native memory, so millions of short-lived entries never reach the garbage collector. It
 * never evicts a live entry: when there is no room it answers {@link Reason#NONCE_CACHE_FULL}.
 *
 * <p>A slot is 24 bytes: a 16-byte fingerprint and the epoch second after which it may be
 * forgotten (0 marks a never-used slot). The fingerprint is a keyed BLAKE3 with a random key
 * made at startup, so nobody outside the process can aim nonces at one group to fill it.
 *
 * <p>Concurrency: striped locks, each held only while scanning the entry's two groups and
 * writing one slot (no I/O, no allocation, the MAC is computed before locking). Per-slot CAS
 * was rejected: a slot is three words and Java has no 128-bit CAS, so a lock-free insert needs
 * a claim protocol, and two threads inserting the same nonce into different free slots (the
 * two groups, or an expired slot) would both succeed unless each re-scanned and retracted;
 * that is exactly where a replay slips through. An uncontended lock is one CAS, and with many
 * stripes and a handful of event loops contention is rare.
 */
public final class NonceCache implements ReplayGuard, AutoCloseable {

    static final long SLOT_BYTES = 24;
    private static final long FP_LO = 0;
    private static final long FP_HI = 8;
    private static final long EXPIRY = 16;
    private static final int MAX_STRIPES = 1024;
    /** Marker results of {@link #scan}: the fingerprint is live, or the group has no room. */
    private static final long SEEN = -1;
    private static final long NONE = -2;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final Arena arena = Arena.ofShared();
    private final MemorySegment table;
    private final int capacity;
    private final int groupSize;
    private final int groupMask;
    private final ReentrantLock[] stripes;
    private final MacKey fingerprintKey;
    private final InstantSource clock;
    private final LongAdder used = new LongAdder();
    private volatile boolean closed;

    /**
     * @param crypto computes the fingerprints (native BLAKE3 when loaded)
     * @param clock the time expiries are compared with; injected in tests
     */
    public NonceCache(NonceCacheConfig config, CryptoProvider crypto, InstantSource clock) {
        Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.capacity = config.capacity();
        this.groupSize = config.groupSize();
        this.groupMask = capacity / groupSize - 1;
        // Zeroed memory is an empty table. It is mapped, not allocated, so only the pages that
        // hold entries become resident (none without nonces), and nothing is filled at start.
        this.table = LazyZeroedMemory.allocate(arena, config.tableBytes());
        int stripeCount = Math.min(MAX_STRIPES, capacity / groupSize);
        this.stripes = new ReentrantLock[stripeCount];
        Arrays.setAll(stripes, i -> new ReentrantLock());
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        try {
            this.fingerprintKey = crypto.macKey(Algorithm.BLAKE3_KEYED, secret);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    @Override
    public Optional<Reason> checkAndRecord(String keyId, String nonce, long expiresAtEpochSecond) {
        long now = Math.floorDiv(clock.millis(), 1000);
        if (expiresAtEpochSecond < now) {
            // Past its window already: the timestamp check refuses any replay of it, so there
            // is nothing to remember and no slot to spend.
            return Optional.empty();
        }
        if (closed) {
            return Optional.of(Reason.NONCE_CACHE_FULL);
        }
        byte[] fp;
        try {
            fp = fingerprintKey.mac(message(keyId, nonce));
        } catch (IllegalStateException e) {
            return Optional.of(Reason.NONCE_CACHE_FULL);
        }
        long expiry = Math.max(1, expiresAtEpochSecond);
        return underBothLocks(fp, (g1, g2, lo, hi) -> insert(g1, g2, lo, hi, expiry, now));
    }

    /** What runs with both of a fingerprint's groups locked. */
    private interface GroupsOp<T> {
        T run(int g1, int g2, long lo, long hi);
    }

    private <T> T underBothLocks(byte[] fp, GroupsOp<T> op) {
        long lo = (long) LONGS.get(fp, 0);
        long hi = (long) LONGS.get(fp, 8);
        int g1 = (int) (lo & groupMask);
        int g2 = (int) (hi & groupMask);
        // Two stripes are always taken in stripe-index order, so two inserts never wait on
        // each other crosswise.
        int s1 = stripeIndex(g1);
        int s2 = stripeIndex(g2);
        ReentrantLock first = stripes[Math.min(s1, s2)];
        ReentrantLock second = stripes[Math.max(s1, s2)];
        first.lock();
        try {
            if (second != first) {
                second.lock();
            }
            try {
                return op.run(g1, g2, lo, hi);
            } finally {
                if (second != first) {
                    second.unlock();
                }
            }
        } finally {
            first.unlock();
        }
    }

    @Override
    public void forget(String keyId, String nonce) {
        if (closed) {
            return;
        }
        byte[] fp;
        try {
            fp = fingerprintKey.mac(message(keyId, nonce));
        } catch (IllegalStateException e) {
            return;
        }
        underBothLocks(fp, (g1, g2, lo, hi) -> !closed && (clear(g1, lo, hi) || clear(g2, lo, hi)));
    }

    /** Under the group's lock: frees the live slot holding this fingerprint, if any. */
    private boolean clear(int group, long lo, long hi) {
        int base = group * groupSize;
        for (int i = 0; i < groupSize; i++) {
            long at = (long) (base + i) * SLOT_BYTES;
            if (table.get(ValueLayout.JAVA_LONG, at + EXPIRY) != 0
                    && table.get(ValueLayout.JAVA_LONG, at + FP_LO) == lo
                    && table.get(ValueLayout.JAVA_LONG, at + FP_HI) == hi) {
                table.set(ValueLayout.JAVA_LONG, at + EXPIRY, 0L);
                used.decrement();
                return true;
            }
        }
        return false;
    }

    private int stripeIndex(int group) {
        return group % stripes.length;
    }

    /** Under both groups' locks. */
    private Optional<Reason> insert(int g1, int g2, long lo, long hi, long expiry, long now) {
        if (closed) {
            return Optional.of(Reason.NONCE_CACHE_FULL);
        }
        long free1 = scan(g1, lo, hi, now);
        if (free1 == SEEN) {
            return Optional.of(Reason.REPLAYED);
        }
        long free2 = g2 == g1 ? NONE : scan(g2, lo, hi, now);
        if (free2 == SEEN) {
            return Optional.of(Reason.REPLAYED);
        }
        long slot = pick(free1, free2);
        if (slot == NONE) {
            return Optional.of(Reason.NONCE_CACHE_FULL);
        }
        long at = (slot >>> 32) * SLOT_BYTES;
        table.set(ValueLayout.JAVA_LONG, at + FP_LO, lo);
        table.set(ValueLayout.JAVA_LONG, at + FP_HI, hi);
        table.set(ValueLayout.JAVA_LONG, at + EXPIRY, expiry);
        used.increment();
        return Optional.empty();
    }

    /**
     * Scans a whole group: always all of it, never stopping at an empty slot, because expired
     * slots are cleared here and an entry may sit past a slot that was cleared after it was
     * written. Returns {@link #SEEN}, {@link #NONE}, or the first free slot index (high 32
     * bits) with the group's free count (low 32 bits).
     */
    private long scan(int group, long lo, long hi, long now) {
        int base = group * groupSize;
        int firstFree = -1;
        int free = 0;
        for (int i = 0; i < groupSize; i++) {
            long at = (long) (base + i) * SLOT_BYTES;
            long expiry = table.get(ValueLayout.JAVA_LONG, at + EXPIRY);
            if (expiry != 0 && expiry < now) {
                table.set(ValueLayout.JAVA_LONG, at + EXPIRY, 0L);
                used.decrement();
                expiry = 0;
            }
            if (expiry == 0) {
                free++;
                if (firstFree < 0) {
                    firstFree = base + i;
                }
            } else if (table.get(ValueLayout.JAVA_LONG, at + FP_LO) == lo
                    && table.get(ValueLayout.JAVA_LONG, at + FP_HI) == hi) {
                return SEEN;
            }
        }
        return firstFree < 0 ? NONE : ((long) firstFree << 32) | free;
    }

    /** The emptier group's free slot, so both groups of every pair fill evenly. */
    private static long pick(long a, long b) {
        if (a == NONE) {
            return b;
        }
        if (b == NONE) {
            return a;
        }
        return (b & 0xFFFF_FFFFL) > (a & 0xFFFF_FFFFL) ? b : a;
    }

    /**
     * Length-prefixed rather than NUL-separated: the guard may be handed any strings, and a
     * prefix keeps ("a\0b", "c") and ("a", "b\0c") apart.
     */
    private static byte[] message(String keyId, String nonce) {
        byte[] k = keyId.getBytes(StandardCharsets.UTF_8);
        byte[] n = nonce.getBytes(StandardCharsets.UTF_8);
        byte[] m = new byte[4 + k.length + n.length];
        m[0] = (byte) (k.length >>> 24);
        m[1] = (byte) (k.length >>> 16);
        m[2] = (byte) (k.length >>> 8);
        m[3] = (byte) k.length;
        System.arraycopy(k, 0, m, 4, k.length);
        System.arraycopy(n, 0, m, 4 + k.length, n.length);
        return m;
    }

    /**
     * Clears every expired slot and returns how many. Inserts clear the groups they touch, so
     * this only makes {@link #fill()} exact after traffic stops; call it from a timer off the
     * event loop (it walks the whole table, a few milliseconds at 2^20 slots).
     */
    public int sweep() {
        long now = Math.floorDiv(clock.millis(), 1000);
        int cleared = 0;
        int groups = groupMask + 1;
        for (int g = 0; g < groups && !closed; g++) {
            ReentrantLock lock = stripes[stripeIndex(g)];
            lock.lock();
            try {
                if (closed) {
                    break;
                }
                for (int i = 0; i < groupSize; i++) {
                    long at = ((long) g * groupSize + i) * SLOT_BYTES + EXPIRY;
                    long expiry = table.get(ValueLayout.JAVA_LONG, at);
                    if (expiry != 0 && expiry < now) {
                        table.set(ValueLayout.JAVA_LONG, at, 0L);
                        used.decrement();
                        cleared++;
                    }
                }
            } finally {
                lock.unlock();
            }
        }
        return cleared;
    }

    /**
     * Slots in use, for the fill gauge. Counts entries that expired but sit in groups no
     * insert or {@link #sweep()} has touched since, so it errs high, never low.
     */
    public long fill() {
        return used.sum();
    }

    public int capacity() {
        return capacity;
    }

    /** Frees the table; later checks fail closed with {@link Reason#NONCE_CACHE_FULL}. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Taking every stripe once waits out the checks already inside the table, so none
        // touches the memory after the arena frees it.
        for (ReentrantLock lock : stripes) {
            lock.lock();
            lock.unlock();
        }
        arena.close();
        fingerprintKey.close();
    }
}
