package io.sigcar.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** One prepared key serves many threads at once (event loops share keys) with no wrong answer. */
class SharedKeyTest {

    @Test
    void preparedKeysAreSafeAcrossThreads() throws Exception {
        CryptoProvider[] providers = {new NativeProvider(), new JdkProvider(), new BouncyCastleProvider()};
        byte[] keyBytes = new byte[32];
        new SplittableRandom(3).nextBytes(keyBytes);
        byte[][] messages = new byte[64][];
        SplittableRandom random = new SplittableRandom(4);
        for (int i = 0; i < messages.length; i++) {
            messages[i] = new byte[random.nextInt(5000)];
            random.nextBytes(messages[i]);
        }
        for (CryptoProvider p : providers) {
            for (Algorithm a : List.of(Algorithm.HMAC_SHA256, Algorithm.BLAKE3_KEYED)) {
                if (!p.supports(a)) {
                    continue;
                }
                try (MacKey key = p.macKey(a, keyBytes);
                        ExecutorService pool = Executors.newFixedThreadPool(4)) {
                    byte[][] expected = new byte[messages.length][];
                    for (int i = 0; i < messages.length; i++) {
                        expected[i] = new BouncyCastleProvider().macKey(a, keyBytes).mac(messages[i]);
                    }
                    List<Future<?>> futures = new ArrayList<>();
                    for (int t = 0; t < 4; t++) {
                        int seed = t;
                        futures.add(pool.submit(() -> {
                            SplittableRandom r = new SplittableRandom(seed);
                            for (int n = 0; n < 2000; n++) {
                                int i = r.nextInt(messages.length);
                                assertArrayEquals(expected[i], key.mac(messages[i]), p.name() + " " + a);
                            }
                        }));
                    }
                    for (Future<?> f : futures) {
                        f.get();
                    }
                }
            }
        }
    }
}
