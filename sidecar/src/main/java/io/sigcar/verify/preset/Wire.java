package io.sigcar.verify.preset;

import java.util.List;

/**
 * Reading the presets' header values strictly. Each helper answers null for "unusable" instead of
 * throwing, so every malformed input becomes a {@code malformed_signature} verdict.
 */
final class Wire {

    /** Ten digits covers every second until the year 2286; more is not a Unix time a vendor sends. */
    private static final int MAX_EPOCH_DIGITS = 10;

    private Wire() {}

    /**
     * The one value of a header sent once, or sent several times with the same value (some
     * proxies duplicate headers). Null when the copies differ: which one would the app trust?
     */
    static String single(List<String> values) {
        String first = values.getFirst().strip();
        for (int i = 1; i < values.size(); i++) {
            if (!values.get(i).strip().equals(first)) {
                return null;
            }
        }
        return first;
    }

    /**
     * Parses a Unix time in seconds written as plain ASCII digits, or returns -1. Signs, spaces
     * and {@code Long.parseLong}'s other leniencies are refused: the digits are signed as text.
     */
    static long epochSeconds(String digits) {
        if (digits.isEmpty() || digits.length() > MAX_EPOCH_DIGITS) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
