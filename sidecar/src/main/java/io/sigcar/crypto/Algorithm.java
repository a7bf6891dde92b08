package io.sigcar.crypto;

import java.util.Optional;

/** The MACs and digests Sigcar computes, with the names used in config, signatures and metrics. */
public enum Algorithm {
    /** HMAC over SHA-256 (RFC 2104); keys of any non-zero length, longer than 64 bytes are hashed first. */
    HMAC_SHA256("hmac-sha256", Kind.MAC, 32, 0),
    /** BLAKE3 in keyed-hash mode with a 32-byte key and the default 32-byte output. */
    BLAKE3_KEYED("blake3-keyed", Kind.MAC, 32, 32),
    /** SHA-256, for RFC 9530 Content-Digest {@code sha-256}. */
    SHA_256("sha-256", Kind.DIGEST, 32, -1),
    /** SHA-512, for RFC 9530 Content-Digest {@code sha-512}. */
    SHA_512("sha-512", Kind.DIGEST, 64, -1);

    /** Whether an algorithm takes a key. */
    public enum Kind { MAC, DIGEST }

    private final String id;
    private final Kind kind;
    private final int outputLength;
    private final int keyLength;

    Algorithm(String id, Kind kind, int outputLength, int keyLength) {
        this.id = id;
        this.kind = kind;
        this.outputLength = outputLength;
        this.keyLength = keyLength;
    }

    /** The stable lower-case name, e.g. {@code hmac-sha256}. */
    public String id() {
        return id;
    }

    public Kind kind() {
        return kind;
    }

    public int outputLength() {
        return outputLength;
    }

    /**
     * Checks a key for this MAC and returns it. Only the key's shape is judged here;
     * minimum strengths for production keys are the key loader's business.
     */
    byte[] checkKey(byte[] key) {
        if (kind != Kind.MAC) {
            throw new IllegalArgumentException(id + " is a digest and takes no key");
        }
        if (key == null) {
            throw new NullPointerException(id + " key is null");
        }
        if (keyLength > 0 && key.length != keyLength) {
            throw new IllegalArgumentException(
                    id + " needs a key of exactly " + keyLength + " bytes, got " + key.length);
        }
        if (key.length == 0) {
            throw new IllegalArgumentException(id + " key is empty");
        }
        return key;
    }

    void requireKind(Kind wanted) {
        if (kind != wanted) {
            throw new IllegalArgumentException(
                    id + " is a " + kind.name().toLowerCase() + ", not a " + wanted.name().toLowerCase());
        }
    }

    private static final Algorithm[] ALL = values();

    /** The algorithm named {@code id}; a plain loop, as signatures name theirs on every request. */
    public static Optional<Algorithm> byId(String id) {
        for (Algorithm a : ALL) {
            if (a.id.equals(id)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return id;
    }
}
