package io.sigcar.accept;

import java.util.Locale;

/**
 * Reads the request target without decoding it, and refuses paths whose meaning depends
 * on who normalises them: dot segments, empty segments, path parameters and encoded
 * slashes, dots or backslashes would let a path match one route here and reach a
 * different handler in the app.
 */
public final class Target {

    private Target() {}

    /**
     * The raw path of an origin-form target, or null for any other form: Sigcar is the app's
     * own front door, not a forward proxy, so absolute-form targets are refused rather than
     * rewritten (a rewrite is one more place for what is verified and what is sent to differ).
     */
    public static String rawPath(String uri) {
        if (uri == null || !uri.startsWith("/")) {
            return null;
        }
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    /** True when every char of the target is visible ASCII (RFC 3986 allows nothing else, raw). */
    public static boolean isVisibleAscii(String uri) {
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** The raw query (without '?'), or null when there is none. */
    public static String rawQuery(String uri) {
        int q = uri.indexOf('?');
        if (q < 0) {
            return null;
        }
        return uri.substring(q + 1);
    }

    /** Why a path is ambiguous, or null when it is safe to route on. */
    public static String ambiguity(String path) {
        String lower = path.indexOf('%') < 0 ? "" : path.toLowerCase(Locale.ROOT); // runs on every request
        if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("%2e") || lower.contains("%00")) {
            return "contains an encoded '/', '\\', '.' or NUL";
        }
        if (path.indexOf('\\') >= 0) {
            return "contains '\\'";
        }
        if (path.indexOf('#') >= 0) {
            return "contains '#' (a fragment is never part of a request target)";
        }
        if (path.contains("//")) {
            // Many apps and front proxies merge slashes: '//admin' would dodge a '/admin' rule here.
            return "contains an empty segment ('//')";
        }
        if (path.indexOf(';') >= 0) {
            // Servlet containers drop ';params' from each segment before routing: '/admin;x' is '/admin' to them.
            return "contains ';' (path parameters)";
        }
        // ';' is refused above, so a segment is a dot segment only when it is exactly '.' or '..'.
        int start = 0;
        while (start <= path.length()) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            int length = end - start;
            if ((length == 1 || length == 2) && path.charAt(start) == '.' && path.charAt(end - 1) == '.') {
                return "contains a dot segment";
            }
            start = end + 1;
        }
        return null;
    }
}
