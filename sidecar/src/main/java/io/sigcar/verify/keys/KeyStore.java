package io.sigcar.verify.keys;

import io.sigcar.crypto.CryptoProvider;
import io.sigcar.crypto.MacKey;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The live key set: event loops read it with one volatile read and no lock; {@link #reload()}
 * builds a new set off the event loop and swaps it in atomically, keeping the last good set
 * when the directory is bad.
 *
 * <p>A key that disappears or changes is closed (its native memory wiped) only after a grace
 * period, because a request on another thread may have looked it up just before the swap and
 * not yet computed its MAC.
 */
public final class KeyStore implements KeyLookup, AutoCloseable {

    /** Long enough for any in-flight verification; the MAC itself takes microseconds. */
    public static final Duration DEFAULT_RETIRE_GRACE = Duration.ofSeconds(30);

    private static final System.Logger LOG = System.getLogger(KeyStore.class.getName());

    private final KeyLoader loader;
    private final ScheduledExecutorService scheduler;
    private final Duration retireGrace;
    private final AtomicReference<KeySet> current = new AtomicReference<>(KeySet.empty());
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();
    private final List<MacKey> retiring = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean lastReloadOk = true;
    private volatile String lastProblem = "";
    private volatile boolean closed;
    private final String loadedFingerprint;

    /**
     * Loads the directory once; a bad directory at startup is fatal.
     *
     * @param scheduler runs the delayed close of retired keys; never given blocking work
     * @param retireGrace how long a replaced key stays usable after the swap
     * @throws KeyLoadException naming each bad file, or the directory when it holds no key
     */
    public KeyStore(KeyConfig config, CryptoProvider crypto, ScheduledExecutorService scheduler,
            Duration retireGrace) {
        this.loader = new KeyLoader(Objects.requireNonNull(config, "config"), Objects.requireNonNull(crypto, "crypto"));
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        if (retireGrace == null || retireGrace.isNegative()) {
            throw new IllegalArgumentException("keys.retire-grace: must be zero or positive");
        }
        this.retireGrace = retireGrace;
        // Taken before the load: a change made during it differs from this, and the watcher reloads.
        this.loadedFingerprint = KeyWatcher.fingerprint(config.directory());
        KeySet first = loader.load(KeySet.empty());
        current.set(first);
        LOG.log(Level.INFO, "loaded {0} key(s) from {1}: {2}", first.size(), config.directory(), first.ids());
    }

    /** The key directory's fingerprint from just before the initial load ({@link KeyWatcher}). */
    String loadedFingerprint() {
        return loadedFingerprint;
    }

    @Override
    public Optional<VerifyKey> find(String keyId) {
        return current.get().find(keyId);
    }

    /** The current snapshot; hold it for the whole of one request. */
    public KeySet current() {
        return current.get();
    }

    /**
     * Rereads the directory and swaps the new set in. Never call it on an event loop: it reads
     * files. Reloads are serialised so two never race to swap.
     *
     * @return true when the new set is live, false when the last good set was kept
     */
    public synchronized boolean reload() {
        if (closed) {
            return false;
        }
        KeySet before = current.get();
        KeySet after;
        try {
            after = loader.load(before);
        } catch (KeyLoadException e) {
            reloadFailures.incrementAndGet();
            lastReloadOk = false;
            lastProblem = e.getMessage();
            LOG.log(Level.WARNING, "key reload failed, keeping the last good {0} key(s) {1}: {2}",
                    before.size(), before.ids(), e.getMessage());
            return false;
        }
        current.set(after);
        reloads.incrementAndGet();
        lastReloadOk = true;
        lastProblem = "";
        List<MacKey> gone = replacedKeys(before, after);
        if (!gone.isEmpty() || !before.ids().equals(after.ids())) {
            LOG.log(Level.INFO, "reloaded keys: {0} now {1}, {2} retired", before.ids(), after.ids(), gone.size());
        }
        retire(gone);
        return true;
    }

    /** Keys loaded now, for the keys-loaded gauge. */
    public int size() {
        return current.get().size();
    }

    /** Successful reloads since start (the initial load not counted). */
    public long reloads() {
        return reloads.get();
    }

    /** Failed reloads since start, for the reload-failure counter. */
    public long reloadFailures() {
        return reloadFailures.get();
    }

    /** Whether the most recent reload succeeded (true before any reload), for a gauge and /readyz detail. */
    public boolean lastReloadOk() {
        return lastReloadOk;
    }

    /** Why the most recent reload failed, naming files; empty when it succeeded. */
    public String lastProblem() {
        return lastProblem;
    }

    /** Closes every key now, including those still in their grace period; later lookups miss. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        KeySet last = current.getAndSet(KeySet.empty());
        last.closeAll();
        List<MacKey> pending;
        synchronized (retiring) {
            pending = new ArrayList<>(retiring);
            retiring.clear();
        }
        pending.forEach(MacKey::close);
    }

    private static List<MacKey> replacedKeys(KeySet before, KeySet after) {
        Set<MacKey> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        after.asMap().values().forEach(k -> kept.add(k.macKey()));
        List<MacKey> gone = new ArrayList<>();
        before.asMap().values().forEach(k -> {
            if (!kept.contains(k.macKey())) {
                gone.add(k.macKey());
            }
        });
        return gone;
    }

    private void retire(List<MacKey> gone) {
        if (gone.isEmpty()) {
            return;
        }
        retiring.addAll(gone);
        Runnable closeThem = () -> gone.forEach(k -> {
            if (retiring.remove(k)) {
                k.close();
            }
        });
        try {
            scheduler.schedule(closeThem, retireGrace.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // The scheduler is shutting down with the process; close() wipes these keys.
            LOG.log(Level.DEBUG, "scheduler refused the retirement of {0} key(s)", gone.size());
        }
    }
}
