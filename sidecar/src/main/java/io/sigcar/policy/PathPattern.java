package io.sigcar.policy;

import java.util.regex.Pattern;

/**
 * A route's path test: a segment-wise prefix ({@code /api}) or a glob ({@code /hooks/*}/events,
 * {@code /static/**}); {@code *} stays inside one segment, {@code **} spans segments.
 */
public final class PathPattern {

    private final String source;
    private final Pattern glob;

    private PathPattern(String source, Pattern glob) {
        this.source = source;
        this.glob = glob;
    }

    /** A pattern without {@code *} is a prefix; with {@code *} it must match the whole path. */
    public static PathPattern parse(String source) {
        if (source == null || !source.startsWith("/")) {
            throw new IllegalArgumentException("path pattern must start with '/': " + source);
        }
        if (source.indexOf('*') < 0) {
            return new PathPattern(source, null);
        }
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < source.length(); i++) {
            char c = source.charAt(i);
            if (c == '*') {
                boolean doubleStar = i + 1 < source.length() && source.charAt(i + 1) == '*';
                regex.append(doubleStar ? ".*" : "[^/]*");
                if (doubleStar) {
                    i++;
                }
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return new PathPattern(source, Pattern.compile(regex.toString()));
    }

    /** Prefixes match whole segments: {@code /health} matches {@code /health} and {@code /health/x}, not {@code /healthy}. */
    public boolean matches(String path) {
        if (glob != null) {
            return glob.matcher(path).matches();
        }
        return path.startsWith(source) && (path.length() == source.length() || source.endsWith("/")
                || path.charAt(source.length()) == '/');
    }

    @Override
    public String toString() {
        return source;
    }
}
