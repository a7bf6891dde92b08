package io.sigcar.forward;

import io.vertx.core.MultiMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/** Which header fields cross the proxy: hop-by-hop fields never do, nor client-sent {@code Sigcar-*}. */
final class Headers {

    /** RFC 9110 §7.6.1 connection-specific fields, plus the legacy ones proxies also drop. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade");

    private Headers() {}

    /** Copies end-to-end fields from {@code from} into {@code to}, also dropping those named by Connection. */
    static void copyEndToEnd(MultiMap from, MultiMap to, boolean request) {
        Set<String> named = new HashSet<>();
        for (String connection : from.getAll("connection")) {
            for (String token : connection.split(",")) {
                named.add(token.strip().toLowerCase(Locale.ROOT));
            }
        }
        for (var entry : from) {
            String name = entry.getKey().toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(name) || named.contains(name)) {
                continue;
            }
            // The app trusts Sigcar-* headers because only Sigcar can set them.
            if (request && (name.startsWith("sigcar-") || name.equals("content-length") || name.equals("host"))) {
                continue;
            }
            to.add(entry.getKey(), entry.getValue());
        }
    }
}
