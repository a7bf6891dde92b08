package io.sigcar.crypto;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Zeroed native memory that is resident only where it has been written: a private anonymous
 * mapping from libc's {@code mmap}, which the kernel backs with its shared zero page until a
 * page is first written. {@link Arena#allocate} zeroes what it hands out, and so makes every
 * page of a large table resident at start: 24 MiB of RSS for a nonce table of a million slots
 * that a deployment without RFC 9421 nonces never writes to.
 */
public final class LazyZeroedMemory {

    // Linux's values on x86-64 and AArch64 (asm-generic/mman-common.h).
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final long MAP_FAILED = -1;
    private static final boolean LINUX = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");

    private LazyZeroedMemory() {}

    /**
     * {@code bytes} of zeroed memory, unmapped when {@code arena} closes. Elsewhere than Linux,
     * or if the mapping fails, it is the arena's own (eagerly zeroed) memory.
     */
    @SuppressWarnings("restricted") // sizing and owning a mapping this class made is the point of it
    public static MemorySegment allocate(Arena arena, long bytes) {
        if (LINUX && bytes > 0) {
            try {
                long address = (long) Mmap.MMAP.invokeExact(MemorySegment.NULL, bytes, PROT_READ_WRITE,
                        MAP_PRIVATE_ANONYMOUS, -1, 0L);
                if (address != MAP_FAILED) {
                    return MemorySegment.ofAddress(address).reinterpret(bytes, arena, LazyZeroedMemory::unmap);
                }
            } catch (Throwable e) {
                // Falls through to the arena: the memory is the same, only resident from the start.
            }
        }
        return arena.allocate(bytes, Long.BYTES);
    }

    private static void unmap(MemorySegment segment) {
        try {
            int ignored = (int) Munmap.MUNMAP.invokeExact(segment, segment.byteSize());
        } catch (Throwable e) {
            // munmap of a mapping this class made cannot fail but for a kernel out of memory for
            // splitting it; the process then keeps the pages, and there is nothing else to do.
        }
    }

    /**
     * libc's handles, each linked on first use: every new call shape spins a stub class at run
     * time (the AOT cache cannot hold it), and munmap is only needed at close, not at start.
     */
    private static final class Libc {
        static final Linker LINKER = Linker.nativeLinker();

        @SuppressWarnings("restricted") // two libc calls with fixed, documented signatures
        static MethodHandle link(String symbol, FunctionDescriptor descriptor) {
            return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(symbol), descriptor);
        }
    }

    private static final class Mmap {
        // void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset); the
        // result is taken as a long so MAP_FAILED ((void *) -1) compares without a segment.
        static final MethodHandle MMAP = Libc.link("mmap",
                FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    }

    private static final class Munmap {
        // int munmap(void *addr, size_t length)
        static final MethodHandle MUNMAP = Libc.link("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    }
}
