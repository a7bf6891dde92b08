package io.sigcar.verify.rfc9421;

import io.sigcar.verify.replay.TimeWindow;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What an RFC 9421 signature must satisfy on a route, built and validated once.
 *
 * @param requiredComponents component names every accepted signature covers whole (no {@code key}
 *     selector); derived names start with {@code @}
 * @param digestRequiredWithBody when the body is non-empty, {@code content-digest} must be covered
 *     and the Content-Digest field must match the body; a Content-Digest field that is present
 *     must match the body either way
 * @param window how old or early {@code created} may be
 * @param requireCreated refuse signatures without {@code created}
 * @param requireNonce refuse signatures without {@code nonce}
 * @param requiredLabels empty: at least one signature must verify; else each label listed must
 *     be present and verify
 * @param allowedKeyIds empty: any key the lookup knows; else only these keyids
 * @param clock the time a signature's freshness is judged against
 */
public record Rfc9421Config(
        List<String> requiredComponents,
        boolean digestRequiredWithBody,
        TimeWindow window,
        boolean requireCreated,
        boolean requireNonce,
        Set<String> requiredLabels,
        Set<String> allowedKeyIds,
        InstantSource clock) {

    /** What a signer must cover unless a route says otherwise: who is called, how, and with what query. */
    public static final List<String> DEFAULT_COMPONENTS = List.of("@method", "@authority", "@path", "@query");

    public Rfc9421Config {
        requiredComponents = List.copyOf(Objects.requireNonNull(requiredComponents, "requiredComponents"));
        Objects.requireNonNull(window, "window");
        requiredLabels = Set.copyOf(Objects.requireNonNull(requiredLabels, "requiredLabels"));
        allowedKeyIds = Set.copyOf(Objects.requireNonNull(allowedKeyIds, "allowedKeyIds"));
        Objects.requireNonNull(clock, "clock");
        for (String name : requiredComponents) {
            if (name.isEmpty() || !name.equals(name.toLowerCase(Locale.ROOT)) || name.contains("\"")
                    || name.contains(";")) {
                throw new IllegalArgumentException("requiredComponents: '" + name
                        + "' must be a bare lower-case component name");
            }
            if (name.equals("@query-param") || name.equals("@signature-params") || name.equals("@status")) {
                throw new IllegalArgumentException("requiredComponents: '" + name
                        + "' cannot be required by name alone");
            }
        }
        for (String label : requiredLabels) {
            if (label.isEmpty()) {
                throw new IllegalArgumentException("requiredLabels: a label must not be empty");
            }
        }
    }

    /** The defaults: method, authority, path and query, digest with any body, created required, nonce optional. */
    public static Rfc9421Config defaults() {
        return new Rfc9421Config(DEFAULT_COMPONENTS, true, TimeWindow.defaults(), true, false, Set.of(), Set.of(),
                InstantSource.system());
    }

    public Rfc9421Config withRequiredComponents(List<String> components) {
        return new Rfc9421Config(components, digestRequiredWithBody, window, requireCreated, requireNonce,
                requiredLabels, allowedKeyIds, clock);
    }

    public Rfc9421Config withDigestRequiredWithBody(boolean required) {
        return new Rfc9421Config(requiredComponents, required, window, requireCreated, requireNonce,
                requiredLabels, allowedKeyIds, clock);
    }

    public Rfc9421Config withWindow(TimeWindow newWindow) {
        return new Rfc9421Config(requiredComponents, digestRequiredWithBody, newWindow, requireCreated,
                requireNonce, requiredLabels, allowedKeyIds, clock);
    }

    public Rfc9421Config withRequireCreated(boolean required) {
        return new Rfc9421Config(requiredComponents, digestRequiredWithBody, window, required, requireNonce,
                requiredLabels, allowedKeyIds, clock);
    }

    public Rfc9421Config withRequireNonce(boolean required) {
        return new Rfc9421Config(requiredComponents, digestRequiredWithBody, window, requireCreated, required,
                requiredLabels, allowedKeyIds, clock);
    }

    public Rfc9421Config withRequiredLabels(Set<String> labels) {
        return new Rfc9421Config(requiredComponents, digestRequiredWithBody, window, requireCreated,
                requireNonce, labels, allowedKeyIds, clock);
    }

    public Rfc9421Config withAllowedKeyIds(Set<String> keyIds) {
        return new Rfc9421Config(requiredComponents, digestRequiredWithBody, window, requireCreated,
                requireNonce, requiredLabels, keyIds, clock);
    }

    public Rfc9421Config withClock(InstantSource newClock) {
        return new Rfc9421Config(requiredComponents, digestRequiredWithBody, window, requireCreated,
                requireNonce, requiredLabels, allowedKeyIds, newClock);
    }
}
