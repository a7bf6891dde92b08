package io.sigcar.accept;

import java.util.Locale;
import java.util.Set;

/**
 * Header field names the app might read differently from us. Netty refuses most bad names,
 * but lets an empty name through; and CGI-style apps (WSGI, PHP, Rack) fold '_' into '-', so
 * {@code Transfer_Encoding} would be an ordinary field here and the framing field there.
 */
public final class FieldNames {

    /** Fields that decide framing or routing: a look-alike of one of them is refused. */
    private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding", "host", "connection");

    private FieldNames() {}

    /** Why a field name is unsafe to forward, or null when it is an ordinary RFC 9110 token. */
    static String ambiguity(String name) {
        if (name.isEmpty()) {
            return "empty header field name";
        }
        for (int i = 0; i < name.length(); i++) {
            if (!isTchar(name.charAt(i))) {
                return "header field name is not a token";
            }
        }
        if (name.indexOf('_') >= 0 && FRAMING.contains(name.replace('_', '-').toLowerCase(Locale.ROOT))) {
            return "a header field name reads as a framing field where '_' means '-'";
        }
        return null;
    }

    /** RFC 9110's tchar: a character (or byte) a field name may hold. */
    public static boolean isTchar(int c) {
        return c >= 0 && c < TCHAR.length && TCHAR[c];
    }

    /** RFC 9110's tchar, by ASCII code: one load per character of every name of every request. */
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[Character.toUpperCase(c)] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }
}
