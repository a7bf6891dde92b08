package io.sigcar.accept.wire;

import java.nio.charset.StandardCharsets;

/**
 * What {@link Framer} needs from one HTTP/1 head's fields to find the next head: the
 * Content-Length, whether the body is chunked, and whether an upgrade (to h2c or else) was asked
 * for. Fed one byte at a time as the head streams by, keeping no line: a name is matched
 * against the three it cares about while it arrives.
 */
final class HeadFields {

    /** {@link #length()} of a Content-Length that is not plain digits, or repeated: the decoder or Acceptor refuses it. */
    static final long UNREADABLE = -2;

    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] UPGRADE = "upgrade".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHUNKED = "chunked".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] H2C = "h2c".getBytes(StandardCharsets.US_ASCII);

    private int field;        // 0 unknown, 1 content-length, 2 transfer-encoding, 3 upgrade, -1 none of them
    private boolean inValue;
    private int nameLength;
    private long length = -1; // -1 none
    private boolean chunked;
    private int chunkedMatch;
    private boolean upgrade;
    private boolean upgradeH2c;
    private int h2cMatch;

    /** A new head. What is known of Upgrade stays: the 101 comes after the head was read. */
    void reset() {
        lineStarted();
        length = -1;
        chunked = false;
        chunkedMatch = 0;
    }

    void lineStarted() {
        field = 0;
        inValue = false;
        nameLength = 0;
    }

    /** True while the current line may still be one of the three fields: read it byte by byte. */
    boolean watching() {
        return field > 0;
    }

    long length() {
        return length;
    }

    boolean chunked() {
        return chunked;
    }

    /** Upgrade asked for something other than h2c (a WebSocket): a 101 ends HTTP on the connection. */
    boolean upgradeNotH2c() {
        return upgrade && !upgradeH2c;
    }

    /** One byte of a header line (no CR/LF), at {@code column} of that line. */
    void feed(byte b, int column) {
        byte lower = (byte) (b >= 'A' && b <= 'Z' ? b + 32 : b);
        if (!inValue) {
            name(b, lower, column);
            return;
        }
        switch (field) {
            case 1 -> {
                if (b >= '0' && b <= '9' && length >= 0 && length < 100_000_000_000_000L) {
                    length = length * 10 + (b - '0');
                } else if (b != ' ' && b != '\t') {
                    length = UNREADABLE;
                }
            }
            case 2 -> {
                chunkedMatch = CHUNKED[chunkedMatch] == lower ? chunkedMatch + 1 : (lower == 'c' ? 1 : 0);
                if (chunkedMatch == CHUNKED.length) {
                    chunked = true; // anything but exactly "chunked" is refused by Acceptor, which closes
                    chunkedMatch = 0;
                }
            }
            case 3 -> {
                h2cMatch = H2C[h2cMatch] == lower ? h2cMatch + 1 : (lower == 'h' ? 1 : 0);
                if (h2cMatch == H2C.length) {
                    upgradeH2c = true;
                    h2cMatch = 0;
                }
            }
            default -> { }
        }
    }

    private void name(byte b, byte lower, int column) {
        if (b == ':') {
            inValue = true;
            field = field > 0 && nameLength == name(field).length ? field : -1;
            if (field == 1) {
                length = length == -1 ? 0 : UNREADABLE;
            } else if (field == 3) {
                upgrade = true;
                h2cMatch = 0;
            }
            return;
        }
        if (column == 0) {
            field = lower == 'c' ? 1 : lower == 't' ? 2 : lower == 'u' ? 3 : -1;
        }
        if (field > 0) {
            byte[] name = name(field);
            if (column >= name.length || name[column] != lower) {
                field = -1;
            }
        }
        nameLength = column + 1;
    }

    private static byte[] name(int field) {
        return field == 1 ? CONTENT_LENGTH : field == 2 ? TRANSFER_ENCODING : UPGRADE;
    }
}
