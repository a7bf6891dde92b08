package io.sigcar.verify.rfc9421;

import java.util.SplittableRandom;

/** Seeded value generators the property tests share: edge-biased sizes and strings over an alphabet. */
final class Generate {

    private Generate() {}

    /** A size in [min, max], the bounds themselves taken one time in ten each (edge cases). */
    static int size(SplittableRandom random, int min, int max) {
        return switch (random.nextInt(10)) {
            case 0 -> min;
            case 1 -> max;
            default -> random.nextInt(min, max + 1);
        };
    }

    /** A string of {@link #size} characters drawn from {@code alphabet}. */
    static String string(SplittableRandom random, String alphabet, int min, int max) {
        StringBuilder out = new StringBuilder();
        for (int n = size(random, min, max); out.length() < n; ) {
            out.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return out.toString();
    }

    /** Every character from {@code from} to {@code to}, as an alphabet. */
    static String printable(char from, char to) {
        StringBuilder out = new StringBuilder();
        for (char ch = from; ch <= to; ch++) {
            out.append(ch);
        }
        return out.toString();
    }
}
