package io.sigcar.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loader finds the packaged library, reports what it runs on, and names what failed. */
class NativeLibraryTest {

    @Test
    void packagedLibraryLoadsFromTheJar() {
        NativeStatus s = NativeLibrary.status();
        assertTrue(s.loaded(), s.failure());
        assertEquals("jar:META-INF/native/" + NativeLibrary.platform() + "/libsigcar.so", s.source());
        assertTrue(Set.of("avx512", "avx2", "sse41", "sse2", "portable").contains(s.simd()), s.simd());
        assertTrue(s.openSslVersion().startsWith("OpenSSL 3"), s.openSslVersion());
        assertFalse(s.blake3Version().isEmpty());
    }

    @Test
    void missingOverrideNamesThePath(@TempDir Path dir) {
        Path missing = dir.resolve("gone.so");
        NativeStatus s = NativeLibrary.load(Optional.of(missing));
        assertFalse(s.loaded());
        assertTrue(s.failure().contains(missing.toString()), s.failure());
    }

    @Test
    void libraryWithoutOurAbiNamesTheSymbol() {
        // Any real shared library that is not libsigcar: the C library is always there.
        Path libc = Stream.of("/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
                        "/lib/aarch64-linux-gnu/libc.so.6")
                .map(Path::of).filter(Files::exists).findFirst().orElseThrow();
        NativeStatus s = NativeLibrary.load(Optional.of(libc));
        assertFalse(s.loaded());
        assertTrue(s.failure().contains("symbol sigcar_abi_version not found"), s.failure());
        assertTrue(s.failure().contains(libc.toString()), s.failure());
    }

    @Test
    void platformMatchesTheNativeBuild() {
        assertTrue(NativeLibrary.platform().matches("[a-z]+-[a-z0-9_]+"), NativeLibrary.platform());
    }
}
