package io.sigcar.verify.keys;

import static io.sigcar.verify.keys.KeyFiles.await;
import static io.sigcar.verify.keys.KeyFiles.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.crypto.MacKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reloading swaps whole sets, keeps the last good one on error, and retires keys after a grace. */
class KeyStoreTest {

    private static final Crypto CRYPTO = Crypto.create(CryptoConfig.defaults());
    private static final byte[] MESSAGE = KeyFiles.ascii("POST /hook");

    @TempDir
    Path dir;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopScheduler() {
        scheduler.shutdownNow();
    }

    private KeyStore open(Duration grace) {
        return new KeyStore(KeyConfig.of(dir, Algorithm.HMAC_SHA256), CRYPTO, scheduler, grace);
    }

    private static boolean isClosed(MacKey key) {
        try {
            key.mac(MESSAGE);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    @Test
    void aBadDirectoryAtStartupIsFatal() throws IOException {
        Files.write(dir.resolve("weak"), new byte[16]);
        KeyLoadException e = assertThrows(KeyLoadException.class, () -> open(Duration.ZERO));
        assertTrue(e.getMessage().contains(dir.resolve("weak").toString()), e.getMessage());
    }

    @Test
    void addRemoveAndRewriteAreSeenAfterReload() throws IOException {
        Files.write(dir.resolve("k1"), key(32, 1));
        Files.write(dir.resolve("k2"), key(32, 2));
        try (KeyStore store = open(Duration.ofHours(1))) {
            assertEquals(Set.of("k1", "k2"), store.current().ids());
            VerifyKey k1 = store.find("k1").orElseThrow();
            VerifyKey k2 = store.find("k2").orElseThrow();

            Files.write(dir.resolve("k3"), key(48, 3));
            Files.delete(dir.resolve("k2"));
            Files.write(dir.resolve("k1"), key(32, 11));
            assertTrue(store.reload());

            assertEquals(Set.of("k1", "k3"), store.current().ids());
            assertEquals(2, store.size());
            assertEquals(1, store.reloads());
            assertTrue(store.find("k2").isEmpty());
            VerifyKey newK1 = store.find("k1").orElseThrow();
            assertNotSame(k1, newK1);
            assertArrayEquals(CRYPTO.macKey(Algorithm.HMAC_SHA256, key(32, 11)).mac(MESSAGE), newK1.macKey().mac(MESSAGE));
            // Within the grace period a request that looked up the old keys can still finish.
            assertFalse(isClosed(k1.macKey()));
            assertFalse(isClosed(k2.macKey()));
        }
    }

    @Test
    void unchangedKeysSurviveAReloadAsTheSameObject() throws IOException {
        Files.write(dir.resolve("stay"), key(32, 1));
        Files.write(dir.resolve("go"), key(32, 2));
        try (KeyStore store = open(Duration.ZERO)) {
            VerifyKey stay = store.find("stay").orElseThrow();
            Files.delete(dir.resolve("go"));
            Files.write(dir.resolve("stay"), key(32, 1));
            assertTrue(store.reload());
            assertSame(stay, store.find("stay").orElseThrow());
            assertFalse(isClosed(stay.macKey()));
        }
    }

    @Test
    void replacedKeysCloseAfterTheGracePeriod() throws IOException {
        Files.write(dir.resolve("k1"), key(32, 1));
        Files.write(dir.resolve("k2"), key(32, 2));
        try (KeyStore store = open(Duration.ofMillis(200))) {
            MacKey removed = store.find("k2").orElseThrow().macKey();
            MacKey rewritten = store.find("k1").orElseThrow().macKey();
            Files.delete(dir.resolve("k2"));
            Files.write(dir.resolve("k1"), key(32, 5));
            long swapped = System.nanoTime();
            assertTrue(store.reload());
            assertFalse(isClosed(removed));
            await(() -> isClosed(removed) && isClosed(rewritten), "retired keys closed");
            assertTrue(System.nanoTime() - swapped >= Duration.ofMillis(200).toNanos());
            assertFalse(isClosed(store.find("k1").orElseThrow().macKey()));
        }
    }

    @Test
    void aBadReloadKeepsTheLastGoodSetAndCountsTheFailure() throws IOException {
        Files.write(dir.resolve("good"), key(32, 1));
        try (KeyStore store = open(Duration.ZERO);
                KeyFiles.LogCapture log = new KeyFiles.LogCapture(KeyStore.class)) {
            KeySet before = store.current();
            Files.write(dir.resolve("added"), key(32, 2));
            Files.write(dir.resolve("typo"), new byte[20]);

            assertFalse(store.reload());

            assertSame(before, store.current());
            assertTrue(store.find("added").isEmpty());
            assertFalse(isClosed(store.find("good").orElseThrow().macKey()));
            assertEquals(1, store.reloadFailures());
            assertFalse(store.lastReloadOk());
            assertTrue(store.lastProblem().contains(dir.resolve("typo") + ": hmac-sha256 keys must be at least 32"),
                    store.lastProblem());
            assertTrue(log.text().contains("WARNING key reload failed") && log.text().contains("typo"), log.text());

            Files.delete(dir.resolve("typo"));
            assertTrue(store.reload());
            assertTrue(store.lastReloadOk());
            assertEquals("", store.lastProblem());
            assertEquals(Set.of("added", "good"), store.current().ids());
            assertEquals(1, store.reloadFailures());
        }
    }

    @Test
    void closeWipesEveryKeyIncludingThoseInTheirGracePeriod() throws IOException {
        Files.write(dir.resolve("k1"), key(32, 1));
        KeyStore store = open(Duration.ofHours(1));
        MacKey old = store.find("k1").orElseThrow().macKey();
        Files.write(dir.resolve("k1"), key(32, 2));
        assertTrue(store.reload());
        MacKey current = store.find("k1").orElseThrow().macKey();
        store.close();
        assertTrue(isClosed(old));
        assertTrue(isClosed(current));
        assertTrue(store.find("k1").isEmpty());
        assertFalse(store.reload());
    }
}
