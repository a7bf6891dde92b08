package io.sigcar.policy;

import java.util.Locale;
import java.util.Set;

/**
 * One ordered route rule: which requests it matches (path, methods, host) and what happens
 * to them. Empty sets mean "any".
 *
 * @param name        label for metrics and logs (bounded: comes from config, never from a request)
 * @param maxBodyBytes body limit for this route, or -1 for the global limit
 * @param schemes     signature schemes accepted here (e.g. rfc9421, github); empty = all configured
 * @param keyIds      keyids accepted here; empty = any loaded key
 */
public record Route(String name, PathPattern path, Set<String> methods, String host, Action action,
        long maxBodyBytes, Set<String> schemes, Set<String> keyIds) {

    public Route {
        methods = Set.copyOf(methods.stream().map(m -> m.toUpperCase(Locale.ROOT)).toList());
        host = host == null || host.isEmpty() ? null : host.toLowerCase(Locale.ROOT);
        schemes = Set.copyOf(schemes);
        keyIds = Set.copyOf(keyIds);
    }

    /** The rule every request falls to when no other matches: verify, with every scheme and key. */
    public static Route fallback() {
        return new Route("default", PathPattern.parse("/"), Set.of(), null, Action.VERIFY, -1, Set.of(), Set.of());
    }

    /** @param hostWithoutPort the request's host, lower-case, port removed */
    public boolean matches(String method, String hostWithoutPort, String path) {
        return (methods.isEmpty() || methods.contains(method))
                && (host == null || host.equals(hostWithoutPort))
                && this.path.matches(path);
    }
}
