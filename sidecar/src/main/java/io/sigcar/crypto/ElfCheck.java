package io.sigcar.crypto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A pre-flight check of a shared library's ELF layout before dlopen. The dynamic loader maps
 * segments straight from the file: a truncated copy makes it touch pages past the end of the
 * file and the whole JVM dies of SIGBUS. Refusing such a file here turns that crash into the
 * documented fallback.
 */
final class ElfCheck {

    private static final int PT_LOAD = 1;

    private ElfCheck() {}

    /** Null when the file looks loadable; otherwise why not. Only 64-bit little-endian ELF is accepted. */
    static String problem(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = read(ch, 0, 64);
            if (head == null || head.getInt(0) != 0x464c457f) { // "\x7fELF" read little-endian
                return "not an ELF file";
            }
            if (head.get(4) != 2 || head.get(5) != 1) {
                return "not a 64-bit little-endian ELF file";
            }
            long phoff = head.getLong(0x20);
            long shoff = head.getLong(0x28);
            int phentsize = Short.toUnsignedInt(head.getShort(0x36));
            int phnum = Short.toUnsignedInt(head.getShort(0x38));
            int shentsize = Short.toUnsignedInt(head.getShort(0x3A));
            int shnum = Short.toUnsignedInt(head.getShort(0x3C));
            if (phentsize < 56 || phnum == 0 || phoff < 0 || phoff + (long) phentsize * phnum > size) {
                return "truncated or corrupt ELF: program headers past the end of the " + size + "-byte file";
            }
            if (shoff < 0 || shoff + (long) shentsize * shnum > size) {
                return "truncated ELF: section headers past the end of the " + size + "-byte file";
            }
            ByteBuffer ph = read(ch, phoff, phentsize * phnum);
            for (int i = 0; i < phnum; i++) {
                int base = i * phentsize;
                if (ph.getInt(base) != PT_LOAD) {
                    continue;
                }
                long offset = ph.getLong(base + 8);
                long fileSize = ph.getLong(base + 32);
                if (offset < 0 || fileSize < 0 || offset + fileSize > size) {
                    return "truncated ELF: a loadable segment ends at byte " + (offset + fileSize) + " of a " + size
                            + "-byte file";
                }
            }
            return null;
        } catch (IOException e) {
            return "cannot read: " + e.getMessage();
        }
    }

    private static ByteBuffer read(FileChannel ch, long at, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                return null;
            }
        }
        return b.flip();
    }
}
