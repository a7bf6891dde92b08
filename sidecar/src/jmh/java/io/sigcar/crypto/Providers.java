package io.sigcar.crypto;

/** Looks providers up by name for benchmark parameters. */
final class Providers {

    private Providers() {}

    static CryptoProvider byName(String name) {
        return switch (name) {
            case NativeProvider.NAME -> {
                if (!NativeLibrary.status().loaded()) {
                    throw new IllegalStateException("libsigcar did not load: " + NativeLibrary.status().failure());
                }
                yield new NativeProvider();
            }
            case JdkProvider.NAME -> new JdkProvider();
            case BouncyCastleProvider.NAME -> new BouncyCastleProvider();
            default -> throw new IllegalArgumentException("unknown provider " + name);
        };
    }
}
