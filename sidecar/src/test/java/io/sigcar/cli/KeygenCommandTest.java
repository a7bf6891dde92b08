package io.sigcar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sigcar keygen} writes private keys of the right length and refuses bad requests. */
class KeygenCommandTest {

    @Test
    void writesAPrivateRandomKey(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("key-a");
        Path b = dir.resolve("key-b");
        assertEquals(0, SelftestCommandTest.run("keygen", a.toString()).exit());
        assertEquals(0, SelftestCommandTest.run("keygen", "--algorithm", "blake3-keyed", b.toString()).exit());
        assertEquals(32, Files.size(a));
        assertEquals(32, Files.size(b));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b)), "keys must differ");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a)));
    }

    @Test
    void refusesToOverwriteOrMisuse(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("k");
        assertEquals(0, SelftestCommandTest.run("keygen", a.toString()).exit());
        byte[] before = Files.readAllBytes(a);
        var again = SelftestCommandTest.run("keygen", a.toString());
        assertEquals(2, again.exit());
        assertTrue(again.err().contains("exists"), again.err());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(a)), "nothing lost");
        assertEquals(2, SelftestCommandTest.run("keygen", "--length", "16", dir.resolve("short").toString()).exit());
        assertEquals(2, SelftestCommandTest.run("keygen", "--algorithm", "blake3-keyed", "--length", "64",
                dir.resolve("b").toString()).exit());
        assertEquals(0, SelftestCommandTest.run("keygen", "--force", a.toString()).exit());
    }
}
