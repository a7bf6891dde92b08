package io.sigcar.forward;

import io.vertx.core.MultiMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiConsumer;

/** Which header fields cross the proxy: hop-by-hop fields never do, nor client-sent {@code Sigcar-*}. */
final class Headers {

    private Headers() {}

    /** Copies end-to-end fields from {@code from} into {@code to}, also dropping those named by Connection. */
    static void copyEndToEnd(MultiMap from, MultiMap to, boolean request) {
        copyEndToEnd(from, connection(from), to::add, request);
    }

    /** The values of a head's Connection fields; no list is made for the usual head without one. */
    static List<String> connection(MultiMap head) {
        return head.contains("connection") ? head.getAll("connection") : List.of();
    }

    /** The same for any field list (Vert.x's or Netty's), given its Connection values, into any field sink. */
    static void copyEndToEnd(Iterable<Map.Entry<String, String>> from, List<String> connection,
            BiConsumer<String, String> to, boolean request) {
        Set<String> named = namedByConnection(connection);
        for (var entry : from) {
            String name = entry.getKey();
            if (hopByHop(name) || named != null && named.contains(name.toLowerCase(Locale.ROOT))) {
                continue;
            }
            if (request && setByProxy(name)) {
                continue;
            }
            to.accept(name, entry.getValue());
        }
    }

    /**
     * Request fields the proxy sets for the app, so the client's are not copied. The app trusts
     * Sigcar-* fields because only Sigcar can set them; Expect was answered here already;
     * Content-Length, Host and the forwarding fields are written for the app (the forwarding
     * fields extend the client's values).
     */
    private static boolean setByProxy(String name) {
        return switch (name.length()) {
            case 4 -> name.equalsIgnoreCase("host");
            case 6 -> name.equalsIgnoreCase("expect");
            case 9 -> name.equalsIgnoreCase("forwarded");
            case 14 -> name.equalsIgnoreCase("content-length");
            case 15 -> name.equalsIgnoreCase("x-forwarded-for");
            case 16 -> name.equalsIgnoreCase("x-forwarded-host");
            case 17 -> name.equalsIgnoreCase("x-forwarded-proto");
            default -> false;
        } || name.regionMatches(true, 0, "sigcar-", 0, 7);
    }

    /**
     * RFC 9110 §7.6.1 connection-specific fields, plus the legacy ones proxies also drop. Compared
     * without lower-casing: this runs for every field of every request and answer.
     */
    static boolean hopByHop(String name) {
        return switch (name.length()) {
            case 2 -> name.equalsIgnoreCase("te");
            case 7 -> name.equalsIgnoreCase("trailer") || name.equalsIgnoreCase("upgrade");
            case 10 -> name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive");
            case 16 -> name.equalsIgnoreCase("proxy-connection");
            case 17 -> name.equalsIgnoreCase("transfer-encoding");
            case 18 -> name.equalsIgnoreCase("proxy-authenticate");
            case 19 -> name.equalsIgnoreCase("proxy-authorization");
            default -> false;
        };
    }

    /** The lower-cased field names a Connection field lists, or null when it lists none. */
    static Set<String> namedByConnection(List<String> connections) {
        if (connections.isEmpty()) {
            return null;
        }
        Set<String> named = null;
        for (String connection : connections) {
            if (connection.equalsIgnoreCase("keep-alive") || connection.equalsIgnoreCase("close")) {
                continue; // the usual value, and it names no field
            }
            for (String token : connection.split(",")) {
                String t = token.strip().toLowerCase(Locale.ROOT);
                if (!t.isEmpty() && !hopByHop(t)) {
                    if (named == null) {
                        named = new HashSet<>();
                    }
                    named.add(t);
                }
            }
        }
        return named;
    }
}
