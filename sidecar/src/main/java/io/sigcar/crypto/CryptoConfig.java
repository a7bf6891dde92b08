package io.sigcar.crypto;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Which provider serves each algorithm. Built and validated once; errors name the field
 * they came from (a flag, an environment variable or a config-file path).
 */
public record CryptoConfig(Map<Algorithm, ProviderChoice> choices) {

    public CryptoConfig {
        EnumMap<Algorithm, ProviderChoice> all = new EnumMap<>(Algorithm.class);
        for (Algorithm a : Algorithm.values()) {
            all.put(a, choices.getOrDefault(a, ProviderChoice.AUTO));
        }
        choices = Collections.unmodifiableMap(all);
    }

    public static CryptoConfig defaults() {
        return new CryptoConfig(Map.of());
    }

    /**
     * Parses {@code algorithm=provider} entries, e.g. {@code hmac-sha256=jdk}.
     *
     * @param field where the entries came from, for error messages (e.g. {@code --crypto})
     * @throws IllegalArgumentException naming the field and the bad entry
     */
    public static CryptoConfig parse(List<String> entries, String field) {
        EnumMap<Algorithm, ProviderChoice> choices = new EnumMap<>(Algorithm.class);
        for (String raw : entries) {
            String entry = raw.strip();
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw new IllegalArgumentException(field + ": '" + raw + "' is not algorithm=provider");
            }
            String algId = entry.substring(0, eq).strip();
            String providerId = entry.substring(eq + 1).strip();
            Algorithm algorithm = Algorithm.byId(algId).orElseThrow(() -> new IllegalArgumentException(
                    field + ": unknown algorithm '" + algId + "' (expected one of " + algorithmIds() + ")"));
            ProviderChoice choice = ProviderChoice.byId(providerId).orElseThrow(() -> new IllegalArgumentException(
                    field + ": unknown provider '" + providerId + "' for " + algId + " (expected one of "
                            + ProviderChoice.allIds() + ")"));
            if (choice == ProviderChoice.JDK && !new JdkProvider().supports(algorithm)) {
                throw new IllegalArgumentException(field + ": the jdk provider does not implement " + algorithm
                        + " (choose auto, native or bouncycastle)");
            }
            if (choices.put(algorithm, choice) != null) {
                throw new IllegalArgumentException(field + ": " + algorithm + " is set more than once");
            }
        }
        return new CryptoConfig(choices);
    }

    public ProviderChoice choice(Algorithm algorithm) {
        return choices.get(algorithm);
    }

    private static String algorithmIds() {
        return Arrays.stream(Algorithm.values()).map(Algorithm::id).collect(Collectors.joining(", "));
    }
}
