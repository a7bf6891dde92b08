package io.sigcar.verify.keys;

import io.sigcar.crypto.Algorithm;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Where the keys live and how each is bound to an algorithm; built and validated once, and
 * every error names the config field it came from.
 *
 * @param directory the key directory, usually a mounted Kubernetes Secret
 * @param defaultAlgorithm the algorithm of every key without an override
 * @param algorithms per-keyid overrides of {@code defaultAlgorithm}
 * @param presetKeys keyids used by webhook presets (GitHub, Stripe, Slack); the vendor picks
 *     their length, so they may be shorter than the HMAC minimum
 * @param refuseShortPresetKeys refuse short preset keys too, for operators who want the
 *     32-byte floor everywhere
 */
public record KeyConfig(
        Path directory,
        Algorithm defaultAlgorithm,
        Map<String, Algorithm> algorithms,
        Set<String> presetKeys,
        boolean refuseShortPresetKeys) {

    /** A keyid is a file name and ends up in logs and a forwarded header, so it must be a plain token. */
    static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    public static final String FIELD_DIRECTORY = "keys.directory";
    public static final String FIELD_DEFAULT_ALGORITHM = "keys.default-algorithm";
    public static final String FIELD_ALGORITHMS = "keys.algorithms";
    public static final String FIELD_PRESET_KEYS = "keys.preset-keys";

    public KeyConfig {
        if (directory == null) {
            throw new IllegalArgumentException(FIELD_DIRECTORY + ": is required");
        }
        if (defaultAlgorithm == null) {
            throw new IllegalArgumentException(FIELD_DEFAULT_ALGORITHM + ": is required");
        }
        requireMac(defaultAlgorithm, FIELD_DEFAULT_ALGORITHM);
        // Sorted copies: the config prints the same way every time, which keeps logs diffable.
        TreeMap<String, Algorithm> overrides = new TreeMap<>();
        for (Map.Entry<String, Algorithm> e : Objects.requireNonNullElse(algorithms,
                Map.<String, Algorithm>of()).entrySet()) {
            String field = FIELD_ALGORITHMS + "[" + e.getKey() + "]";
            requireKeyId(e.getKey(), FIELD_ALGORITHMS);
            if (e.getValue() == null) {
                throw new IllegalArgumentException(field + ": algorithm is required");
            }
            requireMac(e.getValue(), field);
            overrides.put(e.getKey(), e.getValue());
        }
        TreeSet<String> presets = new TreeSet<>();
        for (String id : Objects.requireNonNullElse(presetKeys, Set.<String>of())) {
            requireKeyId(id, FIELD_PRESET_KEYS);
            presets.add(id);
        }
        directory = directory.toAbsolutePath().normalize();
        algorithms = Collections.unmodifiableSortedMap(overrides);
        presetKeys = Collections.unmodifiableSortedSet(presets);
    }

    /** Every key uses {@code defaultAlgorithm}; no presets. */
    public static KeyConfig of(Path directory, Algorithm defaultAlgorithm) {
        return new KeyConfig(directory, defaultAlgorithm, Map.of(), Set.of(), false);
    }

    public KeyConfig withAlgorithms(Map<String, Algorithm> overrides) {
        return new KeyConfig(directory, defaultAlgorithm, overrides, presetKeys, refuseShortPresetKeys);
    }

    public KeyConfig withPresetKeys(Set<String> ids, boolean refuseShort) {
        return new KeyConfig(directory, defaultAlgorithm, algorithms, ids, refuseShort);
    }

    /** The algorithm bound to {@code keyId}: its override, else the default. */
    public Algorithm algorithmFor(String keyId) {
        return algorithms.getOrDefault(keyId, defaultAlgorithm);
    }

    public boolean isPresetKey(String keyId) {
        return presetKeys.contains(keyId);
    }

    static boolean isSafeKeyId(String id) {
        return id != null && KEY_ID.matcher(id).matches();
    }

    private static void requireKeyId(String id, String field) {
        if (!isSafeKeyId(id)) {
            throw new IllegalArgumentException(field + ": keyid '" + id
                    + "' is not a safe token (letters, digits, '.', '_', '-'; 1 to 128 characters)");
        }
    }

    private static void requireMac(Algorithm algorithm, String field) {
        if (algorithm.kind() != Algorithm.Kind.MAC) {
            throw new IllegalArgumentException(field + ": " + algorithm + " is a digest, not a MAC algorithm");
        }
    }
}
