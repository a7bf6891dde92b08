package io.sigcar.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Key rotation closes keys that other threads may still be using. Whatever the timing, a
 * use either returns the right MAC or throws IllegalStateException: never a MAC computed
 * from a half-wiped key, never a crash.
 */
class CloseWhileInUseTest {

    static Stream<Arguments> keys() {
        return Stream.of(new NativeProvider(), new JdkProvider(), new BouncyCastleProvider())
                .flatMap(p -> Stream.of(Algorithm.HMAC_SHA256, Algorithm.BLAKE3_KEYED).filter(p::supports)
                        .map(a -> Arguments.of(p, a)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("keys")
    void closingUnderLoadNeverYieldsAWrongMac(CryptoProvider provider, Algorithm algorithm) throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        byte[] keyBytes = new byte[32];
        random.nextBytes(keyBytes);
        byte[][] messages = {new byte[0], new byte[64], new byte[1500], new byte[70_000]};
        byte[][] expected = new byte[messages.length][];
        for (int i = 0; i < messages.length; i++) {
            random.nextBytes(messages[i]);
            expected[i] = new BouncyCastleProvider().macKey(algorithm, keyBytes).mac(messages[i]);
        }
        AtomicLong good = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        for (int round = 0; round < 40; round++) {
            MacKey key = provider.macKey(algorithm, keyBytes);
            CountDownLatch started = new CountDownLatch(2);
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int seed = round * 2 + t;
                threads.add(Thread.ofPlatform().start(() -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    started.countDown();
                    while (true) {
                        int i = r.nextInt(messages.length);
                        try {
                            byte[] mac = r.nextBoolean() ? key.mac(messages[i])
                                    : key.newHasher().update(messages[i]).finish();
                            assertArrayEquals(expected[i], mac, "wrong MAC for message " + i);
                            good.incrementAndGet();
                        } catch (IllegalStateException closed) {
                            refused.incrementAndGet();
                            return;
                        } catch (Throwable other) {
                            failures.add(other);
                            return;
                        }
                    }
                }));
            }
            started.await();
            Thread.sleep(0, 200_000 + round * 20_000);
            key.close();
            for (Thread t : threads) {
                t.join(10_000);
                assertTrue(!t.isAlive(), "a user of the closed key did not stop");
            }
            assertEquals(List.of(), failures);
        }
        assertEquals(80, refused.get(), "every thread ends by being refused");
        assertTrue(good.get() > 0);
    }
}
