package io.sigcar.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Text-to-value parsers for settings; each throws IllegalArgumentException with a reason a user can act on. */
final class Parse {

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

    private Parse() {}

    static HostPort hostPort(String text) {
        String t = text.strip();
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not host:port");
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = intIn(t.substring(colon + 1), 0, 65535);
        return new HostPort(host, port);
    }

    static Duration duration(String text) {
        Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (e.g. 250ms, 30s, 5m, 1h)");
        }
        String unit = m.group(2) == null ? "s" : m.group(2);
        try {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofSeconds(n);
            };
            if (d.compareTo(Duration.ofDays(7)) > 0) {
                throw new IllegalArgumentException("'" + text + "' is longer than 7 days");
            }
            return d;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
    }

    /** A duration that must be at least one second (timeouts: zero would mean "never"). */
    static Duration timeout(String text) {
        Duration d = duration(text);
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("'" + text + "' is under 1s; a timeout of zero would never fire");
        }
        return d;
    }

    static int intIn(String text, int min, int max) {
        long v = longIn(text, min, max);
        return (int) v;
    }

    static long longIn(String text, long min, long max) {
        long v;
        try {
            v = Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number");
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(v + " is outside " + min + ".." + max);
        }
        return v;
    }

    static boolean bool(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException("'" + text + "' is not true or false");
        };
    }

    /** Comma-separated, blanks dropped. */
    static List<String> list(String text) {
        List<String> out = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                out.add(part.strip());
            }
        }
        return out;
    }

    /** Comma-separated key=value pairs. */
    static Map<String, String> map(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : list(text)) {
            int eq = part.indexOf('=');
            if (eq <= 0 || eq == part.length() - 1) {
                throw new IllegalArgumentException("'" + part + "' is not key=value");
            }
            if (out.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip()) != null) {
                throw new IllegalArgumentException("'" + part.substring(0, eq).strip() + "' is given twice");
            }
        }
        return out;
    }

    static double[] buckets(String text) {
        double[] out = list(text).stream().mapToDouble(s -> {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + s + "' is not a number of seconds");
            }
        }).toArray();
        if (out.length == 0) {
            throw new IllegalArgumentException("at least one bucket is needed");
        }
        double[] sorted = out.clone();
        Arrays.sort(sorted);
        if (!Arrays.equals(sorted, out) || sorted[0] <= 0) {
            throw new IllegalArgumentException("buckets must be positive and increasing");
        }
        return out;
    }
}
