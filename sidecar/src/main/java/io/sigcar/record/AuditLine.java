package io.sigcar.record;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One audit line as it is being written: JSON in UTF-8, straight into a byte array that the
 * event loop reuses, so a line costs one copy into its thread's pending bytes (see
 * {@link AuditLog}) rather than a builder, a string and its encoding.
 */
final class AuditLine {

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private byte[] bytes = new byte[512];
    private int length;

    AuditLine reset() {
        length = 0;
        return this;
    }

    /** Bytes that are already JSON (the line's constant parts). */
    AuditLine raw(byte[] b) {
        room(b.length);
        System.arraycopy(b, 0, bytes, length, b.length);
        length += b.length;
        return this;
    }

    AuditLine raw(char ascii) {
        room(1);
        bytes[length++] = (byte) ascii;
        return this;
    }

    /** A decimal number, as {@code Long.toString} writes it. */
    AuditLine number(long v) {
        if (v == Long.MIN_VALUE) {
            return raw(Long.toString(v).getBytes(StandardCharsets.US_ASCII));
        }
        room(20);
        if (v < 0) {
            bytes[length++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long rest = v / 10; rest > 0; rest /= 10) {
            digits++;
        }
        for (int i = length + digits - 1; i >= length; i--) {
            bytes[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        length += digits;
        return this;
    }

    /**
     * A JSON string's contents: quote, backslash and control characters escaped, the rest in
     * UTF-8 (an unpaired surrogate becomes '?', as {@code String.getBytes} writes it).
     */
    AuditLine text(String s) {
        room(6 * s.length()); // the most a char can take: a control character's escape
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                bytes[length++] = (byte) c; // the usual character: no other branch taken
            } else if (c == '"' || c == '\\') {
                bytes[length++] = '\\';
                bytes[length++] = (byte) c;
            } else if (c < 0x80) { // a control character or DEL
                bytes[length++] = '\\';
                bytes[length++] = 'u';
                bytes[length++] = '0';
                bytes[length++] = '0';
                bytes[length++] = HEX[c >> 4];
                bytes[length++] = HEX[c & 0xf];
            } else {
                i = utf8(s, i);
            }
        }
        return this;
    }

    /** Writes the character at {@code i} (and its low surrogate) in UTF-8; the index of the last char used. */
    private int utf8(String s, int i) {
        char c = s.charAt(i);
        if (c < 0x800) {
            bytes[length++] = (byte) (0xc0 | c >> 6);
            bytes[length++] = (byte) (0x80 | c & 0x3f);
            return i;
        }
        if (!Character.isSurrogate(c)) {
            bytes[length++] = (byte) (0xe0 | c >> 12);
            bytes[length++] = (byte) (0x80 | c >> 6 & 0x3f);
            bytes[length++] = (byte) (0x80 | c & 0x3f);
            return i;
        }
        if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            int cp = Character.toCodePoint(c, s.charAt(i + 1));
            bytes[length++] = (byte) (0xf0 | cp >> 18);
            bytes[length++] = (byte) (0x80 | cp >> 12 & 0x3f);
            bytes[length++] = (byte) (0x80 | cp >> 6 & 0x3f);
            bytes[length++] = (byte) (0x80 | cp & 0x3f);
            return i + 1;
        }
        bytes[length++] = '?';
        return i;
    }

    /** The line's bytes, exactly. */
    byte[] copy() {
        return Arrays.copyOf(bytes, length);
    }

    int length() {
        return length;
    }

    /** Copies the line into {@code to} at {@code at}. */
    void copyTo(byte[] to, int at) {
        System.arraycopy(bytes, 0, to, at, length);
    }

    @Override
    public String toString() {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    private void room(int more) {
        if (length + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }
    }
}
