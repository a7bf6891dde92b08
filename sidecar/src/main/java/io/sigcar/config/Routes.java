package io.sigcar.config;

import io.sigcar.policy.Action;
import io.sigcar.policy.PathPattern;
import io.sigcar.policy.Route;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Parses route rules from their compact form: {@code name=..,path=..,methods=GET|POST,action=..}, rules split by ';'. */
final class Routes {

    private static final Set<String> KEYS = Set.of("name", "path", "methods", "host", "action", "max-body", "schemes",
            "keys");
    static final Set<String> SCHEMES = Set.of("rfc9421", "github", "stripe", "slack");

    private Routes() {}

    static List<Route> parse(String text, long maxBodyLimit) {
        List<Route> routes = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int index = 0;
        for (String rule : text.split(";")) {
            if (rule.isBlank()) {
                continue;
            }
            String where = "routes[" + index + "]";
            Map<String, String> kv;
            try {
                kv = Parse.map(rule);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage());
            }
            for (String k : kv.keySet()) {
                if (!KEYS.contains(k)) {
                    throw new IllegalArgumentException(where + ": unknown key '" + k + "' (known: " + KEYS + ")");
                }
            }
            String name = require(kv, "name", where);
            if (!name.matches("[a-z0-9][a-z0-9_-]{0,62}")) {
                throw new IllegalArgumentException(where + ".name: '" + name
                        + "' must be lower-case letters, digits, '-' or '_' (it labels metrics)");
            }
            if (!names.add(name) || name.equals("default")) {
                throw new IllegalArgumentException(where + ".name: '" + name + "' is used twice or reserved");
            }
            PathPattern path;
            try {
                path = PathPattern.parse(require(kv, "path", where));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ".path: " + e.getMessage());
            }
            Action action = switch (require(kv, "action", where).toLowerCase(Locale.ROOT)) {
                case "verify" -> Action.VERIFY;
                case "allow" -> Action.ALLOW;
                case "deny" -> Action.DENY;
                default -> throw new IllegalArgumentException(where + ".action: '" + kv.get("action")
                        + "' is not verify, allow or deny");
            };
            long maxBody = -1;
            if (kv.containsKey("max-body")) {
                try {
                    maxBody = Parse.longIn(kv.get("max-body"), 0, maxBodyLimit);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where + ".max-body: " + e.getMessage());
                }
            }
            Set<String> schemes = Set.copyOf(split(kv.get("schemes")));
            for (String s : schemes) {
                if (!SCHEMES.contains(s)) {
                    throw new IllegalArgumentException(where + ".schemes: unknown scheme '" + s + "' (known: "
                            + SCHEMES + ")");
                }
            }
            String host = kv.get("host");
            if (host != null && (host.contains(":") && !host.startsWith("["))) {
                throw new IllegalArgumentException(where + ".host: '" + host
                        + "' has a port; hosts are matched without it");
            }
            Set<String> keys = Set.copyOf(split(kv.get("keys")));
            if (action != Action.VERIFY && (!keys.isEmpty() || !schemes.isEmpty())) {
                throw new IllegalArgumentException(where + ": keys and schemes only apply to action=verify");
            }
            routes.add(new Route(name, path, Set.copyOf(split(kv.get("methods"))), host, action, maxBody,
                    schemes, keys));
            index++;
        }
        return routes;
    }

    private static String require(Map<String, String> kv, String key, String where) {
        String v = kv.get(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(where + "." + key + ": missing");
        }
        return v;
    }

    private static List<String> split(String multi) {
        if (multi == null || multi.isBlank()) {
            return List.of();
        }
        return List.of(multi.split("\\|")).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
