package io.sigcar.crypto;

/**
 * What became of loading libsigcar: where it came from and what it runs on, or why it
 * could not load. Exported as a metric and printed by {@code sigcar selftest}.
 */
public record NativeStatus(
        boolean loaded,
        String source,
        String version,
        String blake3Version,
        String openSslVersion,
        String simd,
        String failure) {

    static NativeStatus loaded(String source, String version, String blake3, String openSsl, String simd) {
        return new NativeStatus(true, source, version, blake3, openSsl, simd, "");
    }

    static NativeStatus unavailable(String failure) {
        return new NativeStatus(false, "", "", "", "", "", failure);
    }

    /** One line for logs and the self-test. */
    public String describe() {
        if (!loaded) {
            return "not loaded: " + failure;
        }
        return "libsigcar " + version + " from " + source + " (BLAKE3 " + blake3Version + ", SIMD " + simd
                + ", " + openSslVersion + ")";
    }
}
