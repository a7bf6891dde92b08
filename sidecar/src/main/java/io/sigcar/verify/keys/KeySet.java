package io.sigcar.verify.keys;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One immutable snapshot of the key directory: what a request sees from lookup to MAC, even
 * if the directory reloads meanwhile.
 *
 * <p>Besides each key, the set keeps a check value (the key's MAC over a fixed label) so a
 * reload can tell an unchanged key from a rewritten one without holding raw key bytes on the
 * heap; a MAC output reveals no more about the key than any signature made with it. It is made
 * when a reload first compares the key (the first load compares nothing), so it may be null.
 */
public final class KeySet implements KeyLookup {

    /** A loaded key and its check value (null until a reload has compared the key). */
    record Entry(VerifyKey key, byte[] check) {}

    private static final KeySet EMPTY = new KeySet(Map.of(), Set.of());

    private final Map<String, Entry> entries;
    private final Map<String, VerifyKey> keys;
    private final SortedSet<String> shortPresetKeys;

    KeySet(Map<String, Entry> entries, Set<String> shortPresetKeys) {
        TreeMap<String, Entry> sorted = new TreeMap<>(entries);
        TreeMap<String, VerifyKey> byId = new TreeMap<>();
        sorted.forEach((id, e) -> byId.put(id, e.key()));
        // Map.copyOf gives a compact hash map for the per-request lookup; the sorted copies
        // above only fix the iteration order of ids() for logs.
        this.entries = Map.copyOf(sorted);
        this.keys = Map.copyOf(byId);
        this.shortPresetKeys = Collections.unmodifiableSortedSet(new TreeSet<>(shortPresetKeys));
    }

    /** A set with no keys; every lookup misses. */
    public static KeySet empty() {
        return EMPTY;
    }

    @Override
    public Optional<VerifyKey> find(String keyId) {
        return keyId == null ? Optional.empty() : Optional.ofNullable(keys.get(keyId));
    }

    /** How many keys are loaded, for the keys-loaded gauge. */
    public int size() {
        return keys.size();
    }

    /** The loaded keyids, sorted. */
    public SortedSet<String> ids() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(keys.keySet()));
    }

    /** Preset keys accepted although shorter than 32 bytes (each was logged at WARN). */
    public SortedSet<String> shortPresetKeys() {
        return shortPresetKeys;
    }

    /** Keyid to key, unmodifiable. */
    public Map<String, VerifyKey> asMap() {
        return keys;
    }

    Map<String, Entry> entries() {
        return entries;
    }

    /** Closes every key now; only for shutdown or a set nobody has seen. */
    void closeAll() {
        keys.values().forEach(k -> k.macKey().close());
    }

    @Override
    public String toString() {
        return "KeySet" + ids();
    }
}
