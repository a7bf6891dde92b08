package io.sigcar.cli;

import io.sigcar.crypto.Algorithm;
import io.sigcar.crypto.Crypto;
import io.sigcar.crypto.CryptoConfig;
import io.sigcar.crypto.CryptoProvider;
import io.sigcar.crypto.KnownAnswers;
import io.sigcar.crypto.NativeStatus;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sigcar selftest}: shows which crypto runs here and checks it against published vectors. */
@Command(name = "selftest",
        mixinStandardHelpOptions = true,
        description = {
            "Shows which crypto runs here and checks it against published test vectors.",
            "",
            "Loads the crypto providers, prints which one serves each algorithm and which",
            "BLAKE3 SIMD path is active, and checks every provider, one-shot and",
            "incremental, against RFC 4231, the BLAKE3 keyed_hash vectors and FIPS 180,",
            "and checks that the Netty HTTP codec in use has the request-smuggling fixes",
            "(CVE-2025-58056, CVE-2026-33870).",
            "Exits 0 when every check passes, 1 when one fails, 2 on bad options."
        })
final class SelftestCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--crypto", paramLabel = "ALG=PROVIDER", split = ",",
            description = {
                "Provider per algorithm, overriding the measured default (auto).",
                "ALG: hmac-sha256, blake3-keyed, sha-256, sha-512.",
                "PROVIDER: auto, native, jdk, bouncycastle.",
                "Also read from SIGCAR_CRYPTO (comma-separated)."
            })
    private List<String> crypto = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        CryptoConfig config;
        try {
            config = CryptoConfig.parse(cryptoEntries(), crypto.isEmpty() ? "SIGCAR_CRYPTO" : "--crypto");
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("sigcar selftest: " + e.getMessage());
            return 2;
        }
        Crypto c = Crypto.create(config);
        NativeStatus n = c.nativeStatus();

        out.println("sigcar " + VersionProvider.version() + " selftest");
        out.println("native library : " + (n.loaded() ? "loaded" : "NOT LOADED") + "  " + n.describe());
        out.println("BLAKE3 SIMD    : " + (n.loaded() ? n.simd() : "n/a (native not loaded)"));
        out.println("fallback       : " + (c.fallbackActive() ? "ACTIVE for " + c.fallbackAlgorithms() : "none"));
        io.sigcar.accept.NettyFixes.Status netty = io.sigcar.accept.NettyFixes.check();
        out.println("netty http     : " + netty.version() + (netty.ok() ? "  (smuggling fixes: "
                + io.sigcar.accept.NettyFixes.REQUIRED.stream().map(io.sigcar.accept.NettyFixes.Fix::cve).toList() + ")"
                : "  MISSING FIXES " + netty.missing().stream().map(io.sigcar.accept.NettyFixes.Fix::cve).toList()));
        out.println("providers      :");
        for (Algorithm a : Algorithm.values()) {
            out.printf("  %-13s -> %s (configured %s)%n", a.id(), c.providerFor(a), config.choice(a));
        }
        out.println("known answers  :");
        int failed = 0;
        int total = 0;
        List<CryptoProvider> providers = new ArrayList<>(c.availableProviders());
        providers.add(c);
        for (CryptoProvider p : providers) {
            for (KnownAnswers.Result r : KnownAnswers.check(p)) {
                total++;
                if (!r.passed()) {
                    failed++;
                }
                out.printf("  %-4s %-13s %-32s %s%s%n", r.passed() ? "ok" : "FAIL", r.provider(),
                        r.vector().name(), r.vector().algorithm().id(),
                        r.detail().isEmpty() ? "" : "  " + r.detail());
            }
        }
        out.printf("result         : %s (%d/%d vectors)%n", failed == 0 && netty.ok() ? "PASS" : "FAIL",
                total - failed, total);
        out.flush();
        return failed == 0 && netty.ok() ? 0 : 1;
    }

    private List<String> cryptoEntries() {
        if (!crypto.isEmpty()) {
            return crypto;
        }
        String env = System.getenv("SIGCAR_CRYPTO");
        return env == null || env.isBlank() ? List.of() : List.of(env.split(","));
    }
}
