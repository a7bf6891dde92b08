package io.sigcar.policy;

import java.util.List;

/** The ordered route table: the first rule that matches decides; none matching means verify. */
public final class Policy {

    private final List<Route> routes;
    private final Route fallback = Route.fallback();

    public Policy(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    public Route match(String method, String authority, String path) {
        String host = hostOf(authority);
        for (Route r : routes) {
            if (r.matches(method, host, path)) {
                return r;
            }
        }
        return fallback;
    }

    public List<Route> routes() {
        return routes;
    }

    /** Every route name, the fallback included: the full label set of the route metric. */
    public List<String> routeNames() {
        return java.util.stream.Stream.concat(routes.stream(), java.util.stream.Stream.of(fallback))
                .map(Route::name).distinct().toList();
    }

    static String hostOf(String authority) {
        if (authority == null) {
            return "";
        }
        if (authority.startsWith("[")) {
            int end = authority.indexOf(']');
            return end < 0 ? authority : authority.substring(0, end + 1);
        }
        int colon = authority.lastIndexOf(':');
        return colon < 0 ? authority : authority.substring(0, colon);
    }
}
