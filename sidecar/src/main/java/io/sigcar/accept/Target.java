package io.sigcar.accept;

import java.util.Locale;

/**
 * Reads the request target without decoding it, and refuses paths whose meaning depends
 * on who normalises them: dot segments and encoded slashes, dots or backslashes would let
 * a path match one route here and reach a different handler in the app.
 */
public final class Target {

    private Target() {}

    /** The raw path of an origin-form or absolute-form target, or null for other forms. */
    public static String rawPath(String uri) {
        if (uri == null || uri.isEmpty()) {
            return null;
        }
        String rest = uri;
        if (!uri.startsWith("/")) {
            int scheme = uri.indexOf("://");
            if (scheme < 0) {
                return null;
            }
            int slash = uri.indexOf('/', scheme + 3);
            rest = slash < 0 ? "/" : uri.substring(slash);
        }
        int q = rest.indexOf('?');
        int hash = rest.indexOf('#');
        int end = q >= 0 ? q : hash >= 0 ? hash : rest.length();
        return rest.substring(0, end);
    }

    /** The raw query (without '?'), or null when there is none. */
    public static String rawQuery(String uri) {
        int q = uri.indexOf('?');
        if (q < 0) {
            return null;
        }
        int hash = uri.indexOf('#', q);
        return uri.substring(q + 1, hash < 0 ? uri.length() : hash);
    }

    /** Why a path is ambiguous, or null when it is safe to route on. */
    public static String ambiguity(String path) {
        String lower = path.toLowerCase(Locale.ROOT);
        if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("%2e") || lower.contains("%00")) {
            return "contains an encoded '/', '\\', '.' or NUL";
        }
        if (path.indexOf('\\') >= 0) {
            return "contains '\\'";
        }
        for (String segment : path.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return "contains a dot segment";
            }
        }
        return null;
    }
}
