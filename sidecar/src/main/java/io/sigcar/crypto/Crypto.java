package io.sigcar.crypto;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The crypto the rest of Sigcar uses: routes each algorithm to one provider, chosen by
 * configuration or, for {@code auto}, by the committed benchmark. When libsigcar cannot
 * load, everything meant for it goes to Bouncy Castle, with a WARN log and
 * {@link #fallbackActive()} set for the metrics.
 */
public final class Crypto implements CryptoProvider {

    /**
     * What {@code auto} means. Measured, not assumed: sidecar/BENCHMARKS.md (JMH, JDK 25,
     * 2-core AMD EPYC with SHA-NI and AVX2). Native wins or ties everywhere; Bouncy Castle
     * never wins and is only the fallback.
     */
    static final Map<Algorithm, ProviderChoice> MEASURED_BEST = Map.of(
            Algorithm.HMAC_SHA256, ProviderChoice.NATIVE,
            Algorithm.BLAKE3_KEYED, ProviderChoice.NATIVE,
            Algorithm.SHA_256, ProviderChoice.NATIVE,
            Algorithm.SHA_512, ProviderChoice.NATIVE);

    private static final System.Logger LOG = System.getLogger(Crypto.class.getName());

    private final Map<Algorithm, CryptoProvider> routes;
    private final List<CryptoProvider> available;
    private final CryptoProvider comparer;
    private final NativeStatus nativeStatus;
    private final List<Algorithm> fellBack;

    private Crypto(Map<Algorithm, CryptoProvider> routes, List<CryptoProvider> available, NativeStatus status,
            List<Algorithm> fellBack) {
        this.routes = routes;
        this.available = available;
        this.nativeStatus = status;
        this.fellBack = fellBack;
        this.comparer = available.getFirst();
    }

    /** Routes per {@code config}, loading libsigcar if this process has not yet. */
    public static Crypto create(CryptoConfig config) {
        return create(config, NativeLibrary.status());
    }

    /** As {@link #create(CryptoConfig)}, with the native library's status given (tests force a fallback). */
    static Crypto create(CryptoConfig config, NativeStatus status) {
        Objects.requireNonNull(config, "config");
        List<CryptoProvider> available = new ArrayList<>();
        NativeProvider nativeProvider = status.loaded() ? new NativeProvider() : null;
        if (nativeProvider != null) {
            available.add(nativeProvider);
        }
        JdkProvider jdk = new JdkProvider();
        BouncyCastleProvider bc = new BouncyCastleProvider();
        available.add(jdk);
        available.add(bc);

        EnumMap<Algorithm, CryptoProvider> routes = new EnumMap<>(Algorithm.class);
        List<Algorithm> fellBack = new ArrayList<>();
        for (Algorithm algorithm : Algorithm.values()) {
            ProviderChoice choice = config.choice(algorithm);
            if (choice == ProviderChoice.AUTO) {
                choice = MEASURED_BEST.get(algorithm);
            }
            CryptoProvider provider = switch (choice) {
                case NATIVE -> nativeProvider;
                case JDK -> jdk;
                case BOUNCYCASTLE -> bc;
                case AUTO -> throw new IllegalStateException("no measured default for " + algorithm);
            };
            if (provider == null) {
                provider = bc;
                fellBack.add(algorithm);
            }
            routes.put(algorithm, provider);
        }
        if (!fellBack.isEmpty()) {
            LOG.log(Level.WARNING, "native crypto unavailable ({0}); {1} now served by Bouncy Castle, which is"
                    + " slower. Set -D{2} or {3} to the path of libsigcar.so.",
                    status.failure(), fellBack, NativeLibrary.PATH_PROPERTY, NativeLibrary.PATH_ENV);
        }
        return new Crypto(Collections.unmodifiableMap(routes), List.copyOf(available), status, List.copyOf(fellBack));
    }

    @Override
    public String name() {
        return "sigcar";
    }

    /** The provider serving {@code algorithm}, e.g. {@code native}. */
    public String providerFor(Algorithm algorithm) {
        return routes.get(algorithm).name();
    }

    public NativeStatus nativeStatus() {
        return nativeStatus;
    }

    /** True when an algorithm meant for native crypto runs on Bouncy Castle instead; a metric exports it. */
    public boolean fallbackActive() {
        return !fellBack.isEmpty();
    }

    /** The algorithms that fell back, in declaration order. */
    public List<Algorithm> fallbackAlgorithms() {
        return fellBack;
    }

    /** Every provider this process can use, native first when loaded; for self-tests and benchmarks. */
    public List<CryptoProvider> availableProviders() {
        return available;
    }

    @Override
    public boolean supports(Algorithm algorithm) {
        return true;
    }

    @Override
    public MacKey macKey(Algorithm algorithm, byte[] key) {
        return routes.get(algorithm).macKey(algorithm, key);
    }

    @Override
    public Hasher digest(Algorithm algorithm) {
        return routes.get(algorithm).digest(algorithm);
    }

    @Override
    public void digest(Algorithm algorithm, byte[] in, int off, int len, byte[] out, int outOff) {
        routes.get(algorithm).digest(algorithm, in, off, len, out, outOff);
    }

    @Override
    public void digest(Algorithm algorithm, ByteBuffer in, byte[] out, int outOff) {
        routes.get(algorithm).digest(algorithm, in, out, outOff);
    }

    /** Uses CRYPTO_memcmp when libsigcar is loaded, else the JDK's {@code MessageDigest.isEqual}. */
    @Override
    public boolean equal(byte[] a, byte[] b) {
        return comparer.equal(a, b);
    }
}
