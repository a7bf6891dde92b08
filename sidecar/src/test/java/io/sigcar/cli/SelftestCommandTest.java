package io.sigcar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code sigcar selftest} reports the native provider and its SIMD path, and fails on bad options. */
class SelftestCommandTest {

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void reportsNativeAndSimdAndPasses() {
        Run r = run("selftest");
        assertEquals(0, r.exit, r.out + r.err);
        assertTrue(r.out.contains("native library : loaded"), r.out);
        assertTrue(r.out.matches("(?s).*BLAKE3 SIMD    : (avx512|avx2|sse41|sse2|portable)\\n.*"), r.out);
        assertTrue(r.out.contains("blake3-keyed  -> native"), r.out);
        assertTrue(r.out.contains("result         : PASS"), r.out);
        assertTrue(r.out.contains("(smuggling fixes: [CVE-2025-58056, CVE-2026-33870])"), r.out);
    }

    @Test
    void overridesShowInTheRoutes() {
        Run r = run("selftest", "--crypto", "hmac-sha256=jdk,sha-512=bouncycastle");
        assertEquals(0, r.exit, r.out + r.err);
        assertTrue(r.out.contains("hmac-sha256   -> jdk (configured jdk)"), r.out);
        assertTrue(r.out.contains("sha-512       -> bouncycastle (configured bouncycastle)"), r.out);
    }

    @Test
    void badOverrideExitsTwoWithTheReason() {
        Run r = run("selftest", "--crypto", "blake3-keyed=jdk");
        assertEquals(2, r.exit);
        assertTrue(r.err.contains("--crypto: the jdk provider does not implement blake3-keyed"), r.err);
    }

    @Test
    void everyCommandHasHelp() {
        assertEquals(0, run("--help").exit);
        Run r = run("selftest", "--help");
        assertEquals(0, r.exit);
        assertTrue(r.out.contains("--crypto=ALG=PROVIDER"), r.out);
    }
}
