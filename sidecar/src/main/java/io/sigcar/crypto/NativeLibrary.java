package io.sigcar.crypto;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds and opens libsigcar once per process, in this order: an override path, the copy
 * packaged in the jar under {@code META-INF/native/<os>-<arch>/}, then
 * {@code java.library.path}. Every failure names the path or symbol that failed.
 */
public final class NativeLibrary {

    /** ABI this code was written against; must equal the library's {@code sigcar_abi_version()}. */
    static final int ABI_VERSION = 1;
    /** System property holding an explicit library path. */
    public static final String PATH_PROPERTY = "sigcar.native.path";
    /** Environment variable holding an explicit library path, when the property is unset. */
    public static final String PATH_ENV = "SIGCAR_NATIVE_LIB";

    private static final String LIB_FILE = "libsigcar.so";

    /** Set once, before {@link LibSigcar} resolves its handles from it. */
    private static volatile SymbolLookup lookup;
    private static NativeStatus status;

    private NativeLibrary() {}

    /** Loads the library on first call and returns the same status ever after. */
    public static synchronized NativeStatus status() {
        if (status == null) {
            status = load(configuredPath());
        }
        return status;
    }

    /** The lookup {@link LibSigcar} binds to; only valid after a successful {@link #status()}. */
    static SymbolLookup lookup() {
        SymbolLookup l = lookup;
        if (l == null) {
            throw new IllegalStateException("libsigcar is not loaded");
        }
        return l;
    }

    static Optional<Path> configuredPath() {
        String p = System.getProperty(PATH_PROPERTY);
        if (p == null || p.isBlank()) {
            p = System.getenv(PATH_ENV);
        }
        return (p == null || p.isBlank()) ? Optional.empty() : Optional.of(Path.of(p));
    }

    /** Platform directory name, e.g. {@code linux-x86_64}, matching the native module's build. */
    static String platform() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String osPart = os.contains("linux") ? "linux" : os.contains("mac") ? "macos" : os.replace(' ', '_');
        String archPart = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
        return osPart + "-" + archPart;
    }

    /**
     * One load attempt; {@link #status()} is the process-wide entry point that remembers it.
     * A success also becomes the library {@link LibSigcar} binds to, if it has not bound yet.
     */
    static NativeStatus load(Optional<Path> override) {
        List<String> tried = new ArrayList<>();
        try {
            if (override.isPresent()) {
                // An explicit path is a promise from the operator: no silent second choice.
                return open(override.get(), "override " + override.get() + " (" + PATH_PROPERTY + "/" + PATH_ENV + ")");
            }
            Optional<Path> extracted = extractFromJar(tried);
            if (extracted.isPresent()) {
                try {
                    return open(extracted.get(), "jar:META-INF/native/" + platform() + "/" + LIB_FILE);
                } catch (LoadFailure e) {
                    // e.g. a noexec /tmp: a copy installed on java.library.path may still work.
                    tried.add(e.getMessage());
                }
            }
            Optional<Path> onLibraryPath = findOnLibraryPath(tried);
            if (onLibraryPath.isPresent()) {
                return open(onLibraryPath.get(), onLibraryPath.get().toString());
            }
            return NativeStatus.unavailable("no " + LIB_FILE + " found; tried " + String.join(", ", tried));
        } catch (LoadFailure e) {
            return NativeStatus.unavailable(e.getMessage());
        }
    }

    private static Optional<Path> extractFromJar(List<String> tried) throws LoadFailure {
        String resource = "/META-INF/native/" + platform() + "/" + LIB_FILE;
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                tried.add("classpath " + resource);
                return Optional.empty();
            }
            // Private to this user; removed once mapped, so nothing lingers in /tmp.
            Path tmp = Files.createTempFile("libsigcar-", ".so",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return Optional.of(tmp);
        } catch (IOException e) {
            throw new LoadFailure("cannot extract classpath " + resource + " to a temp file: " + e.getMessage());
        }
    }

    private static Optional<Path> findOnLibraryPath(List<String> tried) {
        String paths = System.getProperty("java.library.path", "");
        for (String dir : paths.split(File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            Path candidate = Path.of(dir, LIB_FILE);
            tried.add(candidate.toString());
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    @SuppressWarnings("restricted") // opening a library is the point of this class
    private static NativeStatus open(Path path, String source) throws LoadFailure {
        SymbolLookup candidate;
        try {
            String problem = ElfCheck.problem(path); // dlopen of a truncated file kills the JVM (SIGBUS)
            if (problem != null) {
                throw new LoadFailure("cannot open " + source + ": " + problem);
            }
            candidate = SymbolLookup.libraryLookup(path, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new LoadFailure("cannot open " + source + ": " + e.getMessage());
        } finally {
            if (source.startsWith("jar:")) {
                deleteQuietly(path);
            }
        }
        int abi = callInt(candidate, "sigcar_abi_version", source);
        if (abi != ABI_VERSION) {
            throw new LoadFailure("stale library " + source + ": ABI version " + abi + ", this build needs "
                    + ABI_VERSION);
        }
        lookup = candidate;
        try {
            return NativeStatus.loaded(source, LibSigcar.version(), LibSigcar.blake3Version(),
                    LibSigcar.openSslVersion(), LibSigcar.blake3Simd());
        } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
            lookup = null;
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new LoadFailure("library " + source + " is incomplete: " + cause.getMessage());
        }
    }

    @SuppressWarnings("restricted")
    private static int callInt(SymbolLookup candidate, String symbol, String source) throws LoadFailure {
        MemorySegment address = candidate.find(symbol)
                .orElseThrow(() -> new LoadFailure("symbol " + symbol + " not found in " + source));
        MethodHandle handle = Linker.nativeLinker().downcallHandle(address, FunctionDescriptor.of(JAVA_INT));
        try {
            return (int) handle.invokeExact();
        } catch (Throwable t) {
            throw new LoadFailure("calling " + symbol + " in " + source + " failed: " + t);
        }
    }

    /** Reads a NUL-terminated static C string returned by the library. */
    @SuppressWarnings("restricted") // the library returns pointers to static strings
    static String cString(MemorySegment pointer) {
        return pointer.reinterpret(4096).getString(0);
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // deleteOnExit is registered as well; a leftover temp file is harmless.
        }
    }

    /** A load attempt that failed, with a message naming what failed. */
    static final class LoadFailure extends Exception {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        LoadFailure(String message) {
            super(message, null, false, false);
        }
    }
}
