package io.sigcar.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;

/** The kernel's own page table (/proc/self/pagemap): resident where written, gone when closed. */
class LazyZeroedMemoryTest {

    private static final long MIB = 1024 * 1024;
    private static final long PAGE = 4096;
    private static final long HUGE_PAGE = 2 * MIB;

    @Test
    void onlyWrittenPagesAreResidentAndTheRestReadsZero() throws IOException {
        long bytes = 64 * MIB;
        Arena arena = Arena.ofShared();
        try {
            MemorySegment table = LazyZeroedMemory.allocate(arena, bytes);
            assertEquals(bytes, table.byteSize());
            assertEquals(0, presentPages(table), "nothing is resident before a write");

            for (long at = 0; at < bytes; at += 8 * MIB) {
                table.set(ValueLayout.JAVA_LONG, at, 0x5EC0_CA11L);
            }
            // One page per write; with transparent huge pages always on, the kernel may fault in a whole
            // 2 MiB page instead. Either way far fewer than the 16,384 pages an eager zeroing touches.
            long present = presentPages(table);
            long perWrite = hugePagesAlways() ? HUGE_PAGE / PAGE : 1;
            assertTrue(present >= 8 && present <= 8 * perWrite, present + " pages resident after 8 writes");

            for (long at = 8; at < bytes; at += 3 * MIB + 8) {
                long expected = at % (8 * MIB) == 0 ? 0x5EC0_CA11L : 0;
                assertEquals(expected, table.get(ValueLayout.JAVA_LONG, at), "offset " + at);
            }
            assertEquals(0x5EC0_CA11L, table.get(ValueLayout.JAVA_LONG, 8 * MIB));
            MemorySegment unchecked = MemorySegment.ofAddress(table.address()).reinterpret(bytes);
            arena.close();
            assertEquals(0, presentPages(unchecked), "closing the arena unmaps the table");
        } finally {
            if (arena.scope().isAlive()) {
                arena.close();
            }
        }
    }

    @Test
    void zeroBytesIsAnEmptySegment() {
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(0, LazyZeroedMemory.allocate(arena, 0).byteSize());
        }
    }

    private static boolean hugePagesAlways() throws IOException {
        Path mode = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        return Files.exists(mode) && Files.readString(mode).contains("[always]");
    }

    /**
     * How many of the segment's pages are present in memory, from /proc/self/pagemap (one 64-bit
     * entry per page, bit 63 set when present): exact for this range, whatever the kernel merged
     * the mapping with.
     */
    private static long presentPages(MemorySegment segment) throws IOException {
        long pages = segment.byteSize() / PAGE;
        ByteBuffer entries = ByteBuffer.allocate((int) (pages * Long.BYTES)).order(ByteOrder.nativeOrder());
        try (FileChannel pagemap = FileChannel.open(Path.of("/proc/self/pagemap"), StandardOpenOption.READ)) {
            long at = segment.address() / PAGE * Long.BYTES;
            while (entries.hasRemaining() && pagemap.read(entries, at + entries.position()) > 0) {
                // reads until the range is in
            }
        }
        entries.flip();
        long present = 0;
        while (entries.hasRemaining()) {
            present += entries.getLong() >>> 63;
        }
        return present;
    }
}
