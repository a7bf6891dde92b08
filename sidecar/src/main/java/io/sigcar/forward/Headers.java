package io.sigcar.forward;

import io.vertx.core.MultiMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/** Which header fields cross the proxy: hop-by-hop fields never do, nor client-sent {@code Sigcar-*}. */
final class Headers {

    private Headers() {}

    /** Copies end-to-end fields from {@code from} into {@code to}, also dropping those named by Connection. */
    static void copyEndToEnd(MultiMap from, MultiMap to, boolean request) {
        Set<String> named = namedByConnection(from);
        for (var entry : from) {
            String name = entry.getKey();
            if (hopByHop(name) || named != null && named.contains(name.toLowerCase(Locale.ROOT))) {
                continue;
            }
            // The app trusts Sigcar-* headers because only Sigcar can set them.
            if (request && (name.regionMatches(true, 0, "sigcar-", 0, 7) || name.equalsIgnoreCase("content-length")
                    || name.equalsIgnoreCase("host"))) {
                continue;
            }
            to.add(name, entry.getValue());
        }
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
    private static Set<String> namedByConnection(MultiMap from) {
        if (from.get("connection") == null) {
            return null;
        }
        Set<String> named = null;
        for (String connection : from.getAll("connection")) {
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
