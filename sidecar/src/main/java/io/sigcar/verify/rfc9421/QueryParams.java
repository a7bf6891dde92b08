package io.sigcar.verify.rfc9421;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code @query-param} rules of RFC 9421 §2.2.8: parse the query as
 * application/x-www-form-urlencoded (WHATWG URL §5.1), then re-encode each name and value with
 * "percent-encode after encoding" (§5.2, UTF-8, spaces as {@code %20}, never {@code +}), so
 * signer and verifier agree however the client happened to escape the query.
 */
final class QueryParams {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private QueryParams() {}

    /** One name/value pair, both already re-encoded. */
    record Pair(String name, String value) {}

    /** Every pair of {@code rawQuery} in order; empty for null or empty queries. */
    static List<Pair> parse(String rawQuery) {
        List<Pair> pairs = new ArrayList<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return pairs;
        }
        // The request line is bytes; one char per byte is how it reaches us.
        byte[] bytes = rawQuery.getBytes(StandardCharsets.ISO_8859_1);
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '&') {
                if (i > start) {
                    pairs.add(pair(bytes, start, i));
                }
                start = i + 1;
            }
        }
        return pairs;
    }

    private static Pair pair(byte[] bytes, int from, int to) {
        int eq = from;
        while (eq < to && bytes[eq] != '=') {
            eq++;
        }
        String name = encode(decode(bytes, from, eq));
        String value = eq < to ? encode(decode(bytes, eq + 1, to)) : "";
        return new Pair(name, value);
    }

    /** {@code +} to space, then percent-decoding; malformed escapes stay as they are. */
    static String decode(byte[] bytes, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b == '+') {
                out.write(' ');
            } else if (b == '%' && i + 2 < to && hex(bytes[i + 1]) >= 0 && hex(bytes[i + 2]) >= 0) {
                out.write(hex(bytes[i + 1]) << 4 | hex(bytes[i + 2]));
                i += 2;
            } else {
                out.write(b);
            }
        }
        // WHATWG's "UTF-8 decode without BOM": invalid sequences become U+FFFD, a BOM is kept.
        return out.toString(StandardCharsets.UTF_8);
    }

    /** UTF-8, then every byte but ASCII alphanumerics and {@code *-._} as upper-case {@code %XX}. */
    static String encode(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(utf8.length);
        for (byte b : utf8) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '*' || c == '-' || c == '.' || c == '_') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }
}
