package io.sigcar.verify.keys;

import static io.sigcar.verify.keys.KeyFiles.await;
import static io.sigcar.verify.keys.KeyFiles.key;
import static io.sigcar.verify.keys.KeyFiles.kubeletWrite;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Changes on disk reach the key store without a restart: plain edits, Kubernetes' atomic
 * {@code ..data} swap, and (with inotify off) through the fingerprint poll alone.
 */
class KeyWatcherTest {

    private static final Crypto CRYPTO = Crypto.create(CryptoConfig.defaults());
    private static final byte[] MESSAGE = KeyFiles.ascii("PUT /items/7");
    /** Long enough that only inotify can explain a reload seen within the 5 s deadline. */
    private static final Duration NO_POLL = Duration.ofHours(1);

    @TempDir
    Path dir;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private KeyStore store;
    private KeyWatcher watcher;

    @BeforeEach
    void firstKey() throws IOException {
        Files.write(dir.resolve("k1"), key(32, 1));
    }

    @AfterEach
    void stop() {
        if (watcher != null) {
            watcher.stop();
        }
        if (store != null) {
            store.close();
        }
        scheduler.shutdownNow();
    }

    private void watch(Duration poll, boolean inotify) {
        store = new KeyStore(KeyConfig.of(dir, Algorithm.HMAC_SHA256), CRYPTO, scheduler, Duration.ZERO);
        watcher = new KeyWatcher(dir, store::reload, Duration.ofMillis(50), poll, inotify).start();
        // Past the catch-up reload, only an inotify event (or the poll) can explain a later one.
        await(() -> store.reloads() == 1, "the catch-up reload at start");
    }

    private boolean verifiesWith(String keyId, byte[] keyBytes) {
        return store.find(keyId).map(k -> Arrays.equals(
                CRYPTO.macKey(Algorithm.HMAC_SHA256, keyBytes).mac(MESSAGE), k.macKey().mac(MESSAGE)))
                .orElse(false);
    }

    /** Given the store's own fingerprint, the watcher skips the catch-up reload only when nothing changed since the load. */
    @Test
    void theCatchUpReloadRunsOnlyForAChangeSinceTheLoad() throws Exception {
        store = new KeyStore(KeyConfig.of(dir, Algorithm.HMAC_SHA256), CRYPTO, scheduler, Duration.ZERO);
        watcher = new KeyWatcher(dir, store::reload, Duration.ofMillis(50), NO_POLL, true)
                .start(store.loadedFingerprint());
        Thread.sleep(500);
        assertEquals(0, store.reloads(), "nothing changed since the load: no reload while the sidecar starts");
        Files.write(dir.resolve("k2"), key(32, 2));
        await(() -> verifiesWith("k2", key(32, 2)), "a later change is still seen");
        watcher.stop();
        store.close();

        store = new KeyStore(KeyConfig.of(dir, Algorithm.HMAC_SHA256), CRYPTO, scheduler, Duration.ZERO);
        Files.write(dir.resolve("k3"), key(32, 3)); // after the load, before the watch
        watcher = new KeyWatcher(dir, store::reload, Duration.ofMillis(50), NO_POLL, true)
                .start(store.loadedFingerprint());
        await(() -> verifiesWith("k3", key(32, 3)), "a change between the load and the watch is reloaded");
    }

    @Test
    void addedKeyBecomesVisibleWithoutRestart() throws IOException {
        watch(NO_POLL, true);
        Files.write(dir.resolve("k2"), key(32, 2));
        await(() -> verifiesWith("k2", key(32, 2)), "k2 loaded");
        assertTrue(verifiesWith("k1", key(32, 1)));
    }

    @Test
    void removedKeyDisappears() throws IOException {
        Files.write(dir.resolve("k2"), key(32, 2));
        watch(NO_POLL, true);
        assertEquals(2, store.size());
        Files.delete(dir.resolve("k2"));
        await(() -> store.find("k2").isEmpty(), "k2 gone");
        assertEquals(Set.of("k1"), store.current().ids());
    }

    @Test
    void rewrittenKeyIsReloaded() throws IOException {
        watch(NO_POLL, true);
        Files.write(dir.resolve("k1"), key(32, 9));
        await(() -> verifiesWith("k1", key(32, 9)), "k1 rewritten");
    }

    @Test
    void kubernetesAtomicSwapIsSeen(@TempDir Path volume) throws IOException {
        dir = volume;
        kubeletWrite(dir, "10_00_00.1", Map.of("k1", key(32, 1), "k2", key(32, 2)));
        watch(NO_POLL, true);
        assertEquals(Set.of("k1", "k2"), store.current().ids());
        assertTrue(verifiesWith("k1", key(32, 1)));

        // Rotation: k1 gets a new value, k2 goes, k3 arrives; only ..data is renamed for k1.
        kubeletWrite(dir, "10_05_00.2", Map.of("k1", key(32, 11), "k3", key(40, 3)));

        await(() -> store.current().ids().equals(Set.of("k1", "k3"))
                && verifiesWith("k1", key(32, 11)) && verifiesWith("k3", key(40, 3)), "swapped keys loaded");
        assertTrue(store.lastReloadOk());
    }

    @Test
    void aSwapThatOnlyChangesValuesIsSeen(@TempDir Path volume) throws IOException {
        dir = volume;
        kubeletWrite(dir, "a", Map.of("k1", key(32, 1)));
        watch(NO_POLL, true);
        kubeletWrite(dir, "b", Map.of("k1", key(32, 21)));
        await(() -> verifiesWith("k1", key(32, 21)), "k1 rotated through ..data alone");
    }

    @Test
    void thePollAloneCatchesChangesInotifyMissed(@TempDir Path volume) throws IOException {
        dir = volume;
        kubeletWrite(dir, "a", Map.of("k1", key(32, 1)));
        watch(Duration.ofMillis(100), false);
        kubeletWrite(dir, "b", Map.of("k1", key(32, 31), "k2", key(32, 32)));
        await(() -> verifiesWith("k1", key(32, 31)) && verifiesWith("k2", key(32, 32)), "poll reload");
    }

    @Test
    void aBadWriteKeepsTheLastGoodSetAndCounts() throws IOException {
        watch(NO_POLL, true);
        Files.write(dir.resolve("k2"), new byte[10]);
        await(() -> store.reloadFailures() >= 1, "failed reload counted");
        assertFalse(store.lastReloadOk());
        assertTrue(store.lastProblem().contains(dir.resolve("k2").toString()), store.lastProblem());
        assertEquals(Set.of("k1"), store.current().ids());
        assertTrue(verifiesWith("k1", key(32, 1)));

        Files.write(dir.resolve("k2"), key(32, 2));
        await(() -> store.lastReloadOk() && verifiesWith("k2", key(32, 2)), "fixed key loaded");
    }

    @Test
    void aBurstOfChangesIsDebounced() throws IOException {
        AtomicInteger reloads = new AtomicInteger();
        watcher = new KeyWatcher(dir, reloads::incrementAndGet, Duration.ofMillis(300), NO_POLL, true).start();
        await(() -> reloads.get() == 1, "the catch-up reload at start");
        for (int i = 0; i < 20; i++) {
            Files.write(dir.resolve("k" + i), key(32, i));
        }
        await(() -> reloads.get() >= 2, "a reload after the burst");
        assertTrue(reloads.get() <= 3, "20 writes gave " + (reloads.get() - 1) + " reloads");
    }

    @Test
    void stopEndsTheThread() {
        watch(Duration.ofMillis(50), true);
        assertTrue(threadAlive());
        watcher.stop();
        assertFalse(threadAlive());
        watcher = null;
    }

    @Test
    void theFingerprintFollowsSymlinksAndSeesTargets(@TempDir Path volume) throws IOException {
        kubeletWrite(volume, "a", Map.of("k1", key(32, 1)));
        String before = KeyWatcher.fingerprint(volume);
        kubeletWrite(volume, "b", Map.of("k1", key(32, 1)));
        assertNotEquals(before, KeyWatcher.fingerprint(volume));
        assertTrue(KeyWatcher.fingerprint(volume.resolve("missing")).startsWith("unreadable"));
    }

    private static boolean threadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("sigcar-key-watcher") && t.isAlive());
    }
}
