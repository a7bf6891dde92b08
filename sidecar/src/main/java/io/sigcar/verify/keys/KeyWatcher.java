package io.sigcar.verify.keys;

import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Reloads the key store when its directory changes, on one daemon thread of its own (reloads
 * read files, so never on an event loop).
 *
 * <p>Two triggers. Inotify (via {@link WatchService}) sees Kubernetes' atomic swap, where
 * {@code ..data} is replaced by renaming a temporary symlink over it, and in-place edits;
 * events are debounced so one swap (several renames) gives one reload. A periodic fingerprint
 * of the directory (names, sizes, modification times and symlink targets, followed into
 * {@code ..data}) is the safety net for what inotify misses: overflowed queues, a directory
 * that was itself replaced, and filesystems that send no events.
 */
public final class KeyWatcher implements Closeable {

    public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(100);
    public static final Duration DEFAULT_POLL = Duration.ofSeconds(10);

    private static final System.Logger LOG = System.getLogger(KeyWatcher.class.getName());

    private final Path directory;
    private final Runnable reload;
    private final long debounceNanos;
    private final long pollNanos;
    private final boolean useWatchService;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile WatchService watchService;
    private WatchKey initialKey;
    private String initialFingerprint;
    /** The directory's fingerprint from before the store's initial load, when known (see {@link #start(String)}). */
    private String loadedFingerprint;

    /**
     * @param reload called on the watcher thread after a change, e.g. {@code store::reload}
     */
    public KeyWatcher(Path directory, Runnable reload, Duration debounce, Duration poll) {
        this(directory, reload, debounce, poll, true);
    }

    /** As the public constructor; tests switch inotify off to prove the poll alone suffices. */
    KeyWatcher(Path directory, Runnable reload, Duration debounce, Duration poll, boolean useWatchService) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.reload = Objects.requireNonNull(reload, "reload");
        if (debounce.isNegative() || !poll.isPositive()) {
            throw new IllegalArgumentException("keys.watch: debounce must be >= 0 and poll interval > 0");
        }
        this.debounceNanos = debounce.toNanos();
        this.pollNanos = poll.toNanos();
        this.useWatchService = useWatchService;
        this.thread = Thread.ofPlatform().daemon().name("sigcar-key-watcher").unstarted(this::run);
    }

    /** Watches {@code store}'s directory with the default debounce and poll interval, started. */
    public static KeyWatcher start(KeyConfig config, KeyStore store) {
        return new KeyWatcher(config.directory(), store::reload, DEFAULT_DEBOUNCE, DEFAULT_POLL)
                .start(store.loadedFingerprint());
    }

    /**
     * Registers the watch on the calling thread, so every change after this returns is seen,
     * then starts the watcher thread; returns this. The thread's first act is one reload,
     * which catches a change made between the store's initial load and the registration.
     */
    public KeyWatcher start() {
        return start(null);
    }

    /**
     * As {@link #start()}, given the directory's fingerprint from before the store's initial load:
     * when the directory still has it once the watch is registered, nothing changed in between and
     * the first reload is skipped (it would re-read and re-key every file while the sidecar starts).
     */
    KeyWatcher start(String loaded) {
        loadedFingerprint = loaded;
        initialKey = useWatchService ? register() : null;
        initialFingerprint = fingerprint(directory);
        thread.start();
        return this;
    }

    /** Ends the watcher thread and waits briefly for it; an in-progress reload completes first. */
    public void stop() {
        synchronized (this) {
            running = false;
            closeWatchService();
        }
        // Unpark, not interrupt: an interrupt would abort a reload's file reads mid-way and
        // count a spurious failure. A closed watch service wakes a waiting poll by itself.
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    private void run() {
        String seen = initialFingerprint;
        WatchKey key = initialKey;
        long nextPoll = System.nanoTime() + pollNanos;
        long firstEventAt = System.nanoTime();
        long reloadAt = seen.equals(loadedFingerprint) ? Long.MAX_VALUE : firstEventAt;
        while (running) {
            try {
                if (useWatchService && (key == null || !key.isValid())) {
                    key = register();
                }
                long now = System.nanoTime();
                if (now - reloadAt >= 0 && reloadAt != Long.MAX_VALUE) {
                    reloadAt = Long.MAX_VALUE;
                    seen = fingerprint(directory);
                    reload.run();
                    continue;
                }
                if (now - nextPoll >= 0) {
                    nextPoll = now + pollNanos;
                    String fresh = fingerprint(directory);
                    if (!fresh.equals(seen)) {
                        LOG.log(Level.DEBUG, "key directory fingerprint changed; reloading");
                        seen = fresh;
                        reload.run();
                    }
                    continue;
                }
                long wait = Math.min(nextPoll, reloadAt) - now;
                WatchService ws = watchService;
                if (key == null || ws == null) {
                    LockSupport.parkNanos(this, wait);
                    continue;
                }
                WatchKey signalled = ws.poll(wait, TimeUnit.NANOSECONDS);
                if (signalled != null) {
                    signalled.pollEvents();
                    signalled.reset();
                    // Quiet-period debounce, since a Kubernetes swap is several renames in a row;
                    // capped so a directory that never stops changing still reloads.
                    long at = System.nanoTime();
                    if (reloadAt == Long.MAX_VALUE) {
                        firstEventAt = at;
                    }
                    reloadAt = Math.min(at + debounceNanos, firstEventAt + 10 * debounceNanos);
                }
            } catch (ClosedWatchServiceException | InterruptedException e) {
                if (running) {
                    key = null;
                }
            } catch (RuntimeException e) {
                // One bad round must not end watching; the next event or poll tries again.
                LOG.log(Level.WARNING, "key watcher round failed: {0}", e.toString());
                reloadAt = Long.MAX_VALUE;
            }
        }
        closeWatchService();
    }

    private synchronized WatchKey register() {
        if (!running) {
            return null;
        }
        try {
            if (watchService == null) {
                watchService = directory.getFileSystem().newWatchService();
            }
            return directory.register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
        } catch (IOException | ClosedWatchServiceException e) {
            // The directory may be gone for a moment; the poll keeps watching and we retry.
            LOG.log(Level.DEBUG, "cannot watch {0} ({1}); relying on the poll", directory, e.toString());
            closeWatchService();
            return null;
        }
    }

    private synchronized void closeWatchService() {
        WatchService ws = watchService;
        watchService = null;
        if (ws != null) {
            try {
                ws.close();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "closing the watch service: {0}", e);
            }
        }
    }

    /**
     * Names, symlink targets, and the size and modification time of what each name resolves
     * to. Any error is part of the fingerprint, so a directory that vanishes and returns is a
     * change too.
     */
    static String fingerprint(Path dir) {
        List<String> parts = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                StringBuilder part = new StringBuilder(p.getFileName().toString());
                if (Files.isSymbolicLink(p)) {
                    part.append(" -> ").append(Files.readSymbolicLink(p));
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    part.append(' ').append(a.size()).append(' ').append(a.lastModifiedTime().toMillis())
                            .append(' ').append(a.lastModifiedTime().toInstant().getNano());
                } catch (IOException e) {
                    part.append(" dangling");
                }
                parts.add(part.toString());
            }
        } catch (IOException | RuntimeException e) {
            return "unreadable: " + e;
        }
        parts.sort(null);
        return String.join("\n", parts);
    }
}
