package io.sigcar.loadtest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An incremental HTTP/1.1 response reader: fed bytes as they arrive, it says when one whole response
 * (head and body: Content-Length, chunked, or delimited by close) has been read.
 *
 * <p>It works on bytes, not Strings, so that a response costs no garbage: at 25k responses a second a
 * young collection every few seconds would show up in the generator's own lag.
 */
final class ResponseParser {

    private enum State { STATUS, HEADERS, BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, UNTIL_CLOSE, DONE }

    private final byte[] line = new byte[8192];
    private int lineLength;
    private State state = State.DONE;
    private boolean headRequest;
    private int status;
    private long length;
    private boolean chunked;
    private boolean reusable;
    private long remaining;

    /** Starts on the next response; a HEAD request's answer has no body whatever its length says. */
    void reset(boolean head) {
        headRequest = head;
        state = State.STATUS;
        lineLength = 0;
    }

    int status() {
        return status;
    }

    /** False when the server closes after this response (Connection: close, HTTP/1.0, or no framing). */
    boolean reusable() {
        return reusable;
    }

    /** Consumes what {@code in} holds of the response; true once the response is whole. */
    boolean feed(ByteBuffer in) throws IOException {
        while (state != State.DONE && in.hasRemaining()) {
            switch (state) {
                case BODY, CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, in.remaining());
                    in.position(in.position() + n);
                    remaining -= n;
                    if (remaining == 0) {
                        state = state == State.BODY ? State.DONE : State.CHUNK_END;
                    }
                }
                case UNTIL_CLOSE -> in.position(in.limit());
                default -> {
                    if (readLine(in)) {
                        onLine();
                        lineLength = 0;
                    }
                }
            }
        }
        return state == State.DONE;
    }

    /** The server closed the connection: true if that ends a close-delimited body, else an error. */
    boolean closed() throws IOException {
        if (state != State.UNTIL_CLOSE) {
            throw new IOException("connection closed before a whole response");
        }
        state = State.DONE;
        return true;
    }

    private void onLine() throws IOException {
        switch (state) {
            case STATUS -> {
                if (lineLength < 12 || !startsWith("http/1.")) {
                    throw new IOException("not an HTTP response: " + new String(line, 0, Math.min(lineLength, 80),
                            StandardCharsets.ISO_8859_1));
                }
                status = (int) number(9, 12, 10);
                reusable = line[7] == '1';
                length = -1;
                chunked = false;
                state = State.HEADERS;
            }
            case HEADERS -> {
                if (lineLength > 0) {
                    header();
                } else {
                    bodyStarts();
                }
            }
            case CHUNK_SIZE -> {
                int end = indexOf(';', lineLength);
                remaining = number(0, end, 16);
                state = remaining == 0 ? State.TRAILERS : State.CHUNK_DATA;
            }
            case CHUNK_END -> state = State.CHUNK_SIZE;
            case TRAILERS -> state = lineLength == 0 ? State.DONE : State.TRAILERS;
            default -> throw new IllegalStateException(state.name());
        }
    }

    private void header() throws IOException {
        int colon = indexOf(':', lineLength);
        if (startsWith("content-length:")) {
            length = number(colon + 1, lineLength, 10);
        } else if (startsWith("transfer-encoding:")) {
            chunked = contains("chunked", colon);
        } else if (startsWith("connection:")) {
            reusable &= !contains("close", colon);
        }
    }

    private void bodyStarts() {
        if (status >= 100 && status < 200 && status != 101) {
            state = State.STATUS; // an interim answer (100 Continue): the real one follows
        } else if (headRequest || status == 204 || status == 304 || status < 200) {
            state = State.DONE;
        } else if (chunked) {
            state = State.CHUNK_SIZE;
        } else if (length >= 0) {
            remaining = length;
            state = length == 0 ? State.DONE : State.BODY;
        } else {
            reusable = false;
            state = State.UNTIL_CLOSE;
        }
    }

    /** Appends to the line until LF; the line is kept without its CR. */
    private boolean readLine(ByteBuffer in) throws IOException {
        while (in.hasRemaining()) {
            byte b = in.get();
            if (b == '\n') {
                return true;
            }
            if (b != '\r') {
                if (lineLength == line.length) {
                    throw new IOException("response line too long");
                }
                line[lineLength++] = b;
            }
        }
        return false;
    }

    private boolean startsWith(String lowerCase) {
        if (lineLength < lowerCase.length()) {
            return false;
        }
        for (int i = 0; i < lowerCase.length(); i++) {
            if ((line[i] | 0x20) != lowerCase.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean contains(String lowerCase, int from) {
        outer:
        for (int i = Math.max(0, from); i + lowerCase.length() <= lineLength; i++) {
            for (int j = 0; j < lowerCase.length(); j++) {
                if ((line[i + j] | 0x20) != lowerCase.charAt(j)) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private int indexOf(char c, int otherwise) {
        for (int i = 0; i < lineLength; i++) {
            if (line[i] == c) {
                return i;
            }
        }
        return otherwise;
    }

    /** The number in line[from, to), blanks around it allowed. */
    private long number(int from, int to, int radix) throws IOException {
        while (from < to && (line[from] == ' ' || line[from] == '\t')) {
            from++;
        }
        while (to > from && (line[to - 1] == ' ' || line[to - 1] == '\t')) {
            to--;
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            int d = Character.digit(line[i], radix);
            if (d < 0 || value > (Long.MAX_VALUE - d) / radix) {
                to = from; // not a number
                break;
            }
            value = value * radix + d;
        }
        if (to == from) {
            throw new IOException("bad number in: " + new String(line, 0, Math.min(lineLength, 80),
                    StandardCharsets.ISO_8859_1));
        }
        return value;
    }
}
