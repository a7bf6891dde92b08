package io.sigcar.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When libsigcar cannot load, Bouncy Castle takes over, loudly, and still verifies correctly. */
class FallbackTest {

    @Test
    void forcedFallbackRoutesToBouncyCastleAndStillPassesVectors() {
        Crypto crypto = Crypto.create(CryptoConfig.defaults(), NativeStatus.unavailable("forced by test"));
        assertTrue(crypto.fallbackActive());
        assertFalse(crypto.nativeStatus().loaded());
        for (Algorithm a : Algorithm.values()) {
            if (Crypto.MEASURED_BEST.get(a) == ProviderChoice.NATIVE) {
                assertEquals(BouncyCastleProvider.NAME, crypto.providerFor(a), a.id());
                assertTrue(crypto.fallbackAlgorithms().contains(a));
            }
        }
        assertTrue(crypto.availableProviders().stream().noneMatch(p -> p instanceof NativeProvider));
        List<KnownAnswers.Result> results = KnownAnswers.check(crypto);
        assertEquals(KnownAnswers.VECTORS.size(), results.size());
        results.forEach(r -> assertTrue(r.passed(), r.vector().name() + ": " + r.detail()));
    }

    @Test
    void explicitChoicesThatAvoidNativeAreNotAFallback() {
        CryptoConfig config = CryptoConfig.parse(List.of("hmac-sha256=jdk", "blake3-keyed=bouncycastle",
                "sha-256=jdk", "sha-512=bouncycastle"), "test");
        Crypto crypto = Crypto.create(config, NativeStatus.unavailable("forced by test"));
        assertFalse(crypto.fallbackActive());
        assertEquals("jdk", crypto.providerFor(Algorithm.HMAC_SHA256));
    }

    /** The real thing: a separate JVM told to load a library that is not there. */
    @Test
    void selftestInAJvmWithoutTheLibraryFallsBackLoudly(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("no-such-libsigcar.so");
        Result r = runSelftest("-D" + NativeLibrary.PATH_PROPERTY + "=" + missing);
        assertEquals(0, r.exit, r.stdout + r.stderr);
        assertTrue(r.stdout.contains("NOT LOADED"), r.stdout);
        assertTrue(r.stdout.contains("fallback       : ACTIVE"), r.stdout);
        assertTrue(r.stdout.contains("result         : PASS"), r.stdout);
        assertTrue(r.stderr.contains("WARNING: native crypto unavailable"), r.stderr);
        assertTrue(r.stderr.contains(missing.toString()), "the warning names the path: " + r.stderr);
    }

    @Test
    void aStaleOrForeignLibraryIsRefusedByName(@TempDir Path dir) throws Exception {
        Path notALibrary = Files.writeString(dir.resolve("libsigcar.so"), "not an ELF file");
        Result r = runSelftest("-D" + NativeLibrary.PATH_PROPERTY + "=" + notALibrary);
        assertEquals(0, r.exit, r.stdout + r.stderr);
        assertTrue(r.stdout.contains("cannot open override " + notALibrary), r.stdout);
    }

    /** A real shared library exporting our ABI probe with the wrong version, built here with cc. */
    @Test
    void aLibraryWithAnotherAbiVersionIsRefusedAsStale(@TempDir Path dir) throws Exception {
        Path source = Files.writeString(dir.resolve("stale.c"), "int sigcar_abi_version(void) { return 2; }\n");
        Path lib = dir.resolve("libsigcar.so");
        Process cc = new ProcessBuilder("cc", "-shared", "-fPIC", "-o", lib.toString(), source.toString())
                .redirectErrorStream(true).start();
        String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(cc.waitFor(60, TimeUnit.SECONDS) && cc.exitValue() == 0, "cc failed: " + ccOut);
        NativeStatus s = NativeLibrary.load(java.util.Optional.of(lib));
        assertFalse(s.loaded());
        assertTrue(s.failure().contains("stale library") && s.failure().contains("ABI version 2"), s.failure());
        assertTrue(s.failure().contains(lib.toString()), s.failure());
    }

    record Result(int exit, String stdout, String stderr) {}

    static Result runSelftest(String... jvmArgs) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.sigcar.cli.Main", "selftest"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove(NativeLibrary.PATH_ENV);
        Process p = pb.start();
        p.getOutputStream().close();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "selftest did not finish");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
