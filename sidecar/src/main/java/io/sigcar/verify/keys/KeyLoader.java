package io.sigcar.verify.keys;

import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.CryptoProvider;
import io.sigcar.crypto.MacKey;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a key directory into a {@link KeySet}, all or nothing: one bad file fails the whole
 * load, so a reload never drops a key that merely had a typo in its new value, and startup
 * refuses exactly what a reload would refuse.
 *
 * <p>Every regular file (symlinks followed) is a key; its name is the keyid and its raw bytes
 * are the key. Bytes are not trimmed: a Secret's {@code data} is binary, a random key may
 * legitimately end in a byte that looks like whitespace, and trimming would silently verify
 * with a different key than the signer holds. A trailing newline is only warned about.
 * Names starting with "." are Kubernetes' own ({@code ..data}, {@code ..2026_…}) and skipped.
 */
final class KeyLoader {

    /** Large enough for any real MAC key, small enough that a mis-mounted file is caught. */
    static final int MAX_KEY_BYTES = 4096;
    /** RFC 2104 advises keys at least as long as the hash output. */
    static final int HMAC_MIN_BYTES = 32;

    private static final System.Logger LOG = System.getLogger(KeyLoader.class.getName());
    private static final byte[] CHECK_LABEL = "sigcar key check v1".getBytes(StandardCharsets.US_ASCII);

    /** The entry's check value, made now from its (still open) key if the load that made it did not. */
    private static byte[] checkOf(KeySet.Entry entry) {
        return entry.check() != null ? entry.check() : entry.key().macKey().mac(CHECK_LABEL);
    }

    private final KeyConfig config;
    private final CryptoProvider crypto;

    KeyLoader(KeyConfig config, CryptoProvider crypto) {
        this.config = config;
        this.crypto = crypto;
    }

    /**
     * Loads the directory, reusing {@code previous}'s key object for every key whose algorithm
     * and bytes are unchanged (so rotation of one key leaves the others untouched).
     *
     * @throws KeyLoadException naming every bad file, or the directory if it has no keys
     */
    KeySet load(KeySet previous) {
        Path dir = config.directory();
        List<String> problems = new ArrayList<>();
        Map<String, KeySet.Entry> loaded = new HashMap<>();
        List<MacKey> created = new ArrayList<>();
        Set<String> shortPresets = new TreeSet<>();
        try {
            for (Path file : listCandidates(dir)) {
                String id = file.getFileName().toString();
                if (!KeyConfig.isSafeKeyId(id)) {
                    problems.add(file + ": file name is not a safe keyid (letters, digits, '.', '_', '-';"
                            + " 1 to 128 characters)");
                    continue;
                }
                byte[] bytes = null;
                try {
                    bytes = read(file);
                    if (bytes == null) {
                        problems.add(file + ": larger than the " + MAX_KEY_BYTES + "-byte limit for a key file");
                        continue;
                    }
                    Algorithm algorithm = config.algorithmFor(id);
                    String refusal = judge(id, algorithm, bytes.length, shortPresets);
                    if (refusal != null) {
                        problems.add(file + ": " + refusal);
                        continue;
                    }
                    if (looksLikeTextWithNewline(bytes)) {
                        LOG.log(Level.WARNING, "key {0} ends with a newline, which is part of the key (bytes are"
                                + " never trimmed); if signers do not include it, recreate the Secret without it",
                                id);
                    }
                    MacKey macKey = crypto.macKey(algorithm, bytes);
                    created.add(macKey);
                    KeySet.Entry before = previous.entries().get(id);
                    // Check values are made when a reload compares: the first load has nothing to compare
                    // with, and its MACs would link every MAC's native calls on the way to listening.
                    byte[] check = before == null ? null : macKey.mac(CHECK_LABEL);
                    if (before != null && before.key().algorithm() == algorithm
                            && crypto.equal(checkOf(before), check)) {
                        loaded.put(id, before);
                    } else {
                        loaded.put(id, new KeySet.Entry(new VerifyKey(id, algorithm, macKey), check));
                    }
                } catch (IOException e) {
                    problems.add(file + ": cannot read (" + e + ")");
                } finally {
                    if (bytes != null) {
                        Arrays.fill(bytes, (byte) 0);
                    }
                }
            }
        } catch (IOException e) {
            problems.add(dir + ": cannot list the key directory (" + e + ")");
        }
        if (problems.isEmpty() && loaded.isEmpty()) {
            problems.add(dir + ": no key files (expected one file per keyid)");
        }
        // Close every key this load made that the new set does not hold: all of them on failure,
        // the duplicates of unchanged keys on success.
        Set<MacKey> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        if (problems.isEmpty()) {
            loaded.values().forEach(e -> kept.add(e.key().macKey()));
        }
        created.stream().filter(k -> !kept.contains(k)).forEach(MacKey::close);
        if (!problems.isEmpty()) {
            throw new KeyLoadException(problems);
        }
        for (String id : shortPresets) {
            LOG.log(Level.WARNING, "preset key {0} is shorter than {1} bytes; accepted because the webhook vendor"
                    + " chooses its length (set refuseShortPresetKeys to refuse it)", id, HMAC_MIN_BYTES);
        }
        return new KeySet(loaded, shortPresets);
    }

    /** Returns why a key of this length is refused, or null when it is fine. */
    private String judge(String id, Algorithm algorithm, int length, Set<String> shortPresets) {
        if (length == 0) {
            return "key file is empty";
        }
        if (algorithm == Algorithm.BLAKE3_KEYED && length != 32) {
            return algorithm + " keys must be exactly 32 bytes, this one is " + length;
        }
        if (algorithm == Algorithm.HMAC_SHA256 && length < HMAC_MIN_BYTES) {
            if (!config.isPresetKey(id)) {
                return algorithm + " keys must be at least " + HMAC_MIN_BYTES + " bytes, this one is " + length;
            }
            if (config.refuseShortPresetKeys()) {
                return algorithm + " keys must be at least " + HMAC_MIN_BYTES + " bytes, this preset key is "
                        + length + " (refuseShortPresetKeys is set)";
            }
            shortPresets.add(id);
        }
        return null;
    }

    /**
     * A printable-ASCII key ending in a newline is almost always {@code echo} without {@code -n};
     * a random binary key ends in 0x0a one time in 256, so binary keys are not warned about.
     */
    private static boolean looksLikeTextWithNewline(byte[] bytes) {
        int end = bytes.length - 1;
        if (bytes[end] != '\n') {
            return false;
        }
        if (end > 0 && bytes[end - 1] == '\r') {
            end--;
        }
        for (int i = 0; i < end; i++) {
            if (bytes[i] < 0x20 || bytes[i] > 0x7e) {
                return false;
            }
        }
        return end > 0;
    }

    /**
     * Reads at most one byte past the limit, so a huge or growing file never fills the heap;
     * null when the file is over the limit.
     */
    private static byte[] read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_KEY_BYTES + 1);
            if (bytes.length > MAX_KEY_BYTES) {
                Arrays.fill(bytes, (byte) 0);
                return null;
            }
            return bytes;
        }
    }

    /**
     * Regular files (after following symlinks) whose names do not start with ".", sorted.
     * Directories, dangling symlinks (a key removed mid-swap) and special files are skipped:
     * reading a FIFO would block the reload thread forever.
     */
    private static List<Path> listCandidates(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                if (Files.isRegularFile(p)) {
                    files.add(p);
                } else {
                    LOG.log(Level.DEBUG, "skipping {0}: not a regular file", p);
                }
            }
        }
        files.sort(null);
        return files;
    }
}
