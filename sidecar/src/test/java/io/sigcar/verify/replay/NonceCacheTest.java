package io.sigcar.verify.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.reject.Reason;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The nonce cache remembers pairs until they expire, fails closed when full, and races safely. */
class NonceCacheTest {

    private static final Crypto CRYPTO = Crypto.create(CryptoConfig.defaults());
    private static final long T0 = 1_795_000_000L;
    private static final Optional<Reason> OK = Optional.empty();
    private static final Optional<Reason> REPLAYED = Optional.of(Reason.REPLAYED);
    private static final Optional<Reason> FULL = Optional.of(Reason.NONCE_CACHE_FULL);

    /** A clock the test moves by hand. */
    private static final class Clock implements InstantSource {
        final AtomicLong second = new AtomicLong(T0);

        @Override
        public Instant instant() {
            return Instant.ofEpochSecond(second.get());
        }

        void advance(long seconds) {
            second.addAndGet(seconds);
        }
    }

    private final Clock clock = new Clock();
    private final List<NonceCache> opened = new ArrayList<>();

    private NonceCache cache(int capacity, int groupSize) {
        NonceCache c = new NonceCache(new NonceCacheConfig(capacity, groupSize), CRYPTO, clock);
        opened.add(c);
        return c;
    }

    @AfterEach
    void close() {
        opened.forEach(NonceCache::close);
    }

    @Test
    void firstUseIsAcceptedTheSecondIsAReplay() {
        NonceCache cache = cache(1024, 32);
        assertEquals(OK, cache.checkAndRecord("k1", "n-1", T0 + 300));
        assertEquals(REPLAYED, cache.checkAndRecord("k1", "n-1", T0 + 300));
        assertEquals(REPLAYED, cache.checkAndRecord("k1", "n-1", T0 + 900));
        assertEquals(1, cache.fill());
    }

    @Test
    void aForgottenPairIsNewAgainAndNoOtherIsTouched() {
        NonceCache cache = cache(1024, 32);
        assertEquals(OK, cache.checkAndRecord("k1", "n-1", T0 + 300));
        assertEquals(OK, cache.checkAndRecord("k1", "n-2", T0 + 300));
        cache.forget("k1", "n-1");
        cache.forget("k1", "never-recorded");
        cache.forget("k2", "n-2");
        assertEquals(1, cache.fill());
        assertEquals(OK, cache.checkAndRecord("k1", "n-1", T0 + 300), "the retry after a store outage");
        assertEquals(REPLAYED, cache.checkAndRecord("k1", "n-2", T0 + 300));
        assertEquals(2, cache.fill());
    }

    @Test
    void theKeyidIsPartOfThePair() {
        NonceCache cache = cache(1024, 32);
        assertEquals(OK, cache.checkAndRecord("k1", "n", T0 + 300));
        assertEquals(OK, cache.checkAndRecord("k2", "n", T0 + 300));
        assertEquals(OK, cache.checkAndRecord("k1", "m", T0 + 300));
        // A separator byte inside either string cannot move a pair onto another.
        assertEquals(OK, cache.checkAndRecord("a\0b", "c", T0 + 300));
        assertEquals(OK, cache.checkAndRecord("a", "b\0c", T0 + 300));
        assertEquals(OK, cache.checkAndRecord("", "k1n", T0 + 300));
        assertEquals(6, cache.fill());
    }

    @Test
    void aPairIsRememberedThroughItsExpirySecondThenForgotten() {
        NonceCache cache = cache(1024, 32);
        assertEquals(OK, cache.checkAndRecord("k1", "n", T0 + 10));
        clock.advance(10);
        assertEquals(REPLAYED, cache.checkAndRecord("k1", "n", T0 + 20));
        clock.advance(1);
        assertEquals(OK, cache.checkAndRecord("k1", "n", T0 + 40));
        assertEquals(REPLAYED, cache.checkAndRecord("k1", "n", T0 + 40));
        assertEquals(1, cache.fill());
    }

    @Test
    void aPairAlreadyPastItsExpiryTakesNoSlot() {
        NonceCache cache = cache(1024, 32);
        assertEquals(OK, cache.checkAndRecord("k1", "old", T0 - 1));
        assertEquals(0, cache.fill());
    }

    @Test
    void aFullTableFailsClosedThenRecoversAfterExpiry() {
        NonceCache cache = cache(64, 64);
        for (int i = 0; i < 64; i++) {
            assertEquals(OK, cache.checkAndRecord("k", "n" + i, T0 + 60), "nonce " + i);
        }
        assertEquals(64, cache.fill());
        assertEquals(64, cache.capacity());
        assertEquals(FULL, cache.checkAndRecord("k", "one-too-many", T0 + 60));
        // Full or not, a replay is still recognised as one.
        assertEquals(REPLAYED, cache.checkAndRecord("k", "n7", T0 + 60));

        clock.advance(61);
        assertEquals(OK, cache.checkAndRecord("k", "one-too-many", T0 + 200));
        assertEquals(OK, cache.checkAndRecord("k", "n7", T0 + 200));
        assertEquals(REPLAYED, cache.checkAndRecord("k", "n7", T0 + 200));
    }

    @Test
    void noLiveEntryIsEverEvicted() {
        NonceCache cache = cache(256, 8);
        List<String> accepted = new ArrayList<>();
        int full = 0;
        for (int i = 0; i < 1000; i++) {
            Optional<Reason> r = cache.checkAndRecord("k", "n" + i, T0 + 60);
            if (r.isEmpty()) {
                accepted.add("n" + i);
            } else {
                assertEquals(FULL, r);
                full++;
            }
        }
        assertTrue(full > 0);
        assertTrue(accepted.size() <= 256);
        assertEquals(accepted.size(), cache.fill());
        for (String nonce : accepted) {
            assertEquals(REPLAYED, cache.checkAndRecord("k", nonce, T0 + 60), nonce);
        }
    }

    @Test
    void twoChoicesFillTheTableEvenly() {
        NonceCache cache = cache(1 << 14, 32);
        int i = 0;
        while (cache.checkAndRecord("k", "n" + i, T0 + 60).isEmpty()) {
            i++;
        }
        double firstFull = (double) cache.fill() / cache.capacity();
        assertTrue(firstFull > 0.85, "first nonce_cache_full at " + firstFull);
    }

    @Test
    void sweepMakesTheFillExactAfterTrafficStops() {
        NonceCache cache = cache(1024, 32);
        for (int i = 0; i < 100; i++) {
            cache.checkAndRecord("k", "n" + i, T0 + (i < 40 ? 5 : 500));
        }
        assertEquals(100, cache.fill());
        assertEquals(0, cache.sweep());
        clock.advance(6);
        assertEquals(40, cache.sweep());
        assertEquals(60, cache.fill());
    }

    @Test
    void concurrentUsesOfOneNonceAcceptExactlyOne() throws Exception {
        NonceCache cache = cache(1 << 16, 32);
        int nonces = 20_000;
        int threads = 4;
        AtomicIntegerArray accepted = new AtomicIntegerArray(nonces);
        CyclicBarrier start = new CyclicBarrier(threads);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int n = 0; n < nonces; n++) {
                        if (cache.checkAndRecord("k", "nonce-" + n, T0 + 60).isEmpty()) {
                            accepted.incrementAndGet(n);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        for (int n = 0; n < nonces; n++) {
            assertEquals(1, accepted.get(n), "nonce-" + n);
        }
        assertEquals(nonces, cache.fill());
    }

    @Test
    void afterCloseEveryCheckFailsClosed() {
        NonceCache cache = cache(64, 8);
        cache.close();
        assertEquals(FULL, cache.checkAndRecord("k", "n", T0 + 60));
        cache.close();
    }

    @Test
    void configErrorsNameTheField() {
        assertField(NonceCacheConfig.FIELD_CAPACITY, () -> new NonceCacheConfig(1000, 8));
        assertField(NonceCacheConfig.FIELD_CAPACITY, () -> new NonceCacheConfig(8, 8));
        assertField(NonceCacheConfig.FIELD_CAPACITY, () -> new NonceCacheConfig(1 << 27, 8));
        assertField(NonceCacheConfig.FIELD_GROUP_SIZE, () -> new NonceCacheConfig(64, 3));
        assertField(NonceCacheConfig.FIELD_GROUP_SIZE, () -> new NonceCacheConfig(64, 128));
        assertEquals(24L << 20, NonceCacheConfig.defaults().tableBytes());
    }

    private static void assertField(String field, org.junit.jupiter.api.function.Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertTrue(e.getMessage().startsWith(field + ": "), e.getMessage());
    }
}
