package io.sigcar.cli;

import io.sigcar.crypto.Algorithm;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sigcar keygen}: writes a fresh random key of the right length for its algorithm. */
@Command(name = "keygen",
        mixinStandardHelpOptions = true,
        description = {
            "Writes a new random key, readable by its owner only.",
            "",
            "The file name is the keyid: put the file in the key directory (or a Secret)",
            "and bind its algorithm with --key-algorithm / --key-algorithms on the proxy.",
            "Keys are 32 random bytes from the OS's SecureRandom: the length blake3-keyed",
            "requires and the minimum Sigcar accepts for hmac-sha256."
        })
final class KeygenCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "Where to write the key; its name becomes the keyid.")
    private Path file;

    @Option(names = "--algorithm", paramLabel = "ALG", defaultValue = "hmac-sha256",
            description = "hmac-sha256 (default) or blake3-keyed.")
    private String algorithm;

    @Option(names = "--length", paramLabel = "BYTES", defaultValue = "32",
            description = "Key length for hmac-sha256, 32..1024 (blake3-keyed is always 32).")
    private int length;

    @Option(names = "--force", description = "Overwrite an existing file.")
    private boolean force;

    @Override
    public Integer call() {
        Algorithm alg = Algorithm.byId(algorithm).filter(a -> a.kind() == Algorithm.Kind.MAC).orElse(null);
        if (alg == null) {
            return fail("--algorithm: '" + algorithm + "' is not hmac-sha256 or blake3-keyed");
        }
        if (alg == Algorithm.BLAKE3_KEYED && length != 32) {
            return fail("--length: blake3-keyed keys are exactly 32 bytes");
        }
        if (length < 32 || length > 1024) {
            return fail("--length: " + length + " is outside 32..1024");
        }
        byte[] key = new byte[length];
        new SecureRandom().nextBytes(key);
        try {
            if (force) {
                Files.deleteIfExists(file);
            }
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(file, key, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (FileAlreadyExistsException e) {
            return fail(file + " exists; use --force to replace it");
        } catch (IOException e) {
            return fail("cannot write " + file + ": " + e.getMessage());
        } finally {
            java.util.Arrays.fill(key, (byte) 0);
        }
        spec.commandLine().getOut().printf("wrote %d-byte %s key %s (keyid \"%s\")%n", length, alg.id(), file,
                file.getFileName());
        return 0;
    }

    private int fail(String message) {
        spec.commandLine().getErr().println("sigcar keygen: " + message);
        return 2;
    }
}
