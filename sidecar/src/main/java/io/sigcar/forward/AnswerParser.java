package io.sigcar.forward;

import io.netty.buffer.ByteBuf;
import io.sigcar.accept.Acceptor;
import io.sigcar.accept.FieldNames;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Reads the app's answers on one {@link AppLinks} connection straight from its bytes: each head
 * into two arrays of strings (no header map, no name hashing), then the body by its framing
 * (RFC 9112 §6.3), streamed out as it comes. Replaces Netty's response decoder, its map and
 * the three lookups and copy the relay made in that map.
 *
 * <p>Stricter than Netty's decoder: an answer a client could read two ways is not relayed but
 * fails the exchange (502). That is a folded field line, a bare CR or LF, a control character in a
 * value, a name that is not a token, a Content-Length that is not digits or that differs from
 * another, Content-Length beside Transfer-Encoding, any transfer coding but {@code chunked}
 * alone, Transfer-Encoding in an HTTP/1.0 answer, and a 101 to a request that asked for no upgrade. Bytes after an answer's end make
 * the connection unusable for another request.
 */
final class AnswerParser {

    /** The status line's limit, as Vert.x's client has it. */
    static final int MAX_STATUS_LINE = 4096;
    /** The head's limit beyond the status line, as Vert.x's client has it; trailers get the same. */
    static final int MAX_FIELDS = 8192;
    /** A chunk-size line with its extensions. */
    private static final int MAX_CHUNK_LINE = 4096;
    /** The head is copied out of the read buffer this much at a time. */
    private static final int HEAD_BLOCK = 1024;
    private static final byte[] HTTP_1 = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);

    /** Where the answers go; called on the connection's event loop. */
    interface Listener {
        /** A final answer's head. False when the listener closed the connection instead (nothing more is read). */
        boolean head(Head head);

        /** Body bytes, not the last (a heap copy). */
        void body(Buffer chunk);

        /**
         * The answer ended.
         *
         * @param last     its last bytes, or null
         * @param reusable the connection may carry another request (keep-alive, and nothing came after the end)
         */
        void end(Buffer last, boolean reusable);
    }

    /** The app's answer does not parse or cannot be relayed as one message. */
    static final class BadAnswer extends IOException {
        private static final long serialVersionUID = 1L;

        BadAnswer(String message) {
            super("the app's answer did not parse: " + message);
        }
    }

    /** One answer's head: the status, the reason phrase, and its fields in order. */
    static final class Head {
        int status;
        String reason;
        boolean keepAlive;
        boolean hasLength;
        private String[] names = new String[16];
        private String[] values = new String[16];
        private int count;
        /** The Connection fields' values, or null when there is none (the usual head). */
        private List<String> connection;

        /** The fields that cross the proxy, in the app's order: not hop-by-hop, not named by Connection. */
        void endToEnd(BiConsumer<String, String> sink) {
            Set<String> named = connection == null ? null : Headers.namedByConnection(connection);
            for (int i = 0; i < count; i++) {
                String name = names[i];
                if (Headers.hopByHop(name) || named != null && named.contains(name.toLowerCase(Locale.ROOT))) {
                    continue;
                }
                sink.accept(name, values[i]);
            }
        }

        private void clear() {
            Arrays.fill(names, 0, count, null);
            Arrays.fill(values, 0, count, null);
            count = 0;
            connection = null;
            reason = null;
            keepAlive = false;
            hasLength = false;
        }

        private void add(String name, String value) {
            if (count == names.length) {
                names = Arrays.copyOf(names, count * 2);
                values = Arrays.copyOf(values, count * 2);
            }
            names[count] = name;
            values[count++] = value;
        }
    }

    private enum State { IDLE, HEAD, FIXED, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, UNTIL_CLOSE }

    private final Listener listener;
    private final Head head = new Head();
    /** The head (or a chunk line, or the trailers) read so far; heads larger than usual grow it. */
    private byte[] line = new byte[512];
    private int have;
    private State state = State.IDLE;
    private boolean headOnly;
    private long remaining;
    private int trailerBytes;
    /** The head being parsed: its Transfer-Encoding values joined, and its Content-Length (-1: none). */
    private String transferEncoding;
    private long length;
    private boolean http11;

    AnswerParser(Listener listener) {
        this.listener = listener;
    }

    /** A request was sent: its answer is next. {@code headOnly}: a HEAD request, whose answer has no body. */
    void expect(boolean headOnly) {
        this.headOnly = headOnly;
        state = State.HEAD;
        have = 0;
    }

    /** The app closed the connection: an answer read until close ends here. False if an answer was cut short. */
    boolean closed() {
        if (state == State.UNTIL_CLOSE) {
            state = State.IDLE;
            listener.end(null, false);
            return true;
        }
        return state == State.IDLE;
    }

    /** Reads what {@code in} holds (all of it; the caller releases it). */
    void read(ByteBuf in) throws BadAnswer {
        while (in.isReadable()) {
            switch (state) {
                case IDLE -> throw new BadAnswer("bytes came with no request outstanding");
                case HEAD -> {
                    if (!readHead(in)) {
                        return;
                    }
                }
                case FIXED -> {
                    int take = (int) Math.min(remaining, in.readableBytes());
                    Buffer chunk = BufferInternal.safeBuffer(in.readRetainedSlice(take)); // a heap copy
                    remaining -= take;
                    if (remaining > 0) {
                        listener.body(chunk);
                    } else {
                        finish(in, chunk);
                        return;
                    }
                }
                case CHUNK_SIZE -> {
                    int end = readLine(in, MAX_CHUNK_LINE, "a chunk-size line");
                    if (end < 0) {
                        return;
                    }
                    remaining = chunkSize(end);
                    state = remaining == 0 ? State.TRAILERS : State.CHUNK_DATA;
                    trailerBytes = 0;
                }
                case CHUNK_DATA -> {
                    int take = (int) Math.min(remaining, in.readableBytes());
                    listener.body(BufferInternal.safeBuffer(in.readRetainedSlice(take)));
                    remaining -= take;
                    if (remaining == 0) {
                        state = State.CHUNK_END;
                    }
                }
                case CHUNK_END -> {
                    int end = readLine(in, 2, "the end of a chunk");
                    if (end < 0) {
                        return;
                    }
                    if (end != 0) {
                        throw new BadAnswer("a chunk is longer than its size");
                    }
                    state = State.CHUNK_SIZE;
                }
                case TRAILERS -> {
                    int end = readLine(in, MAX_FIELDS - trailerBytes, "the trailer section");
                    if (end < 0) {
                        return;
                    }
                    trailerBytes += end + 2;
                    if (end == 0) {
                        finish(in, null); // trailers are not relayed, as before
                        return;
                    }
                    checkFieldLine(line, 0, end, "trailer");
                }
                case UNTIL_CLOSE -> listener.body(BufferInternal.safeBuffer(in.readRetainedSlice(in.readableBytes())));
            }
        }
    }

    /** The answer's end: anything after it means the app and this connection are out of step. */
    private void finish(ByteBuf in, Buffer last) {
        boolean extra = in.isReadable();
        in.skipBytes(in.readableBytes());
        state = State.IDLE;
        listener.end(last, head.keepAlive && !extra);
    }

    /** Gathers the head; false when it is not complete yet or the listener stopped reading. */
    private boolean readHead(ByteBuf in) throws BadAnswer {
        int limit = MAX_STATUS_LINE + MAX_FIELDS;
        int end = -1;
        while (end < 0) {
            // A block at a time, so a head that comes with a large body copies little of the body.
            int n = Math.min(in.readableBytes(), Math.min(HEAD_BLOCK, limit - have));
            if (n == 0) {
                if (have >= limit) {
                    throw new BadAnswer("the head is over " + limit + " bytes");
                }
                return false; // all read; the rest of the head comes later
            }
            ensure(have + n);
            in.getBytes(in.readerIndex(), line, have, n);
            int top = have + n;
            for (int i = Math.max(0, have - 3); i < top; i++) {
                if (line[i] != '\n') {
                    continue;
                }
                if (i == 0 || line[i - 1] != '\r') {
                    throw new BadAnswer("an LF without its CR in the head");
                }
                if (i >= 3 && line[i - 2] == '\n' && line[i - 3] == '\r') {
                    end = i + 1;
                    break;
                }
            }
            in.skipBytes((end < 0 ? top : end) - have);
            have = end < 0 ? top : 0;
        }
        parseHead(end);
        if (head.status < 200) {
            if (head.status == 101) {
                throw new BadAnswer("101 Switching Protocols to a request that asked for no upgrade");
            }
            return true; // informational: not relayed; the final answer follows
        }
        boolean noBody = headOnly || head.status == 204 || head.status == 304;
        String te = transferEncoding;
        if (te != null && head.hasLength) {
            throw new BadAnswer("both Content-Length and Transfer-Encoding");
        }
        if (te != null && !http11) {
            throw new BadAnswer("Transfer-Encoding in an HTTP/1.0 answer");
        }
        if (te != null && !isChunkedAlone(te)) {
            throw new BadAnswer("a transfer coding other than chunked alone: " + te);
        }
        if (noBody) {
            state = State.IDLE;
        } else if (te != null) {
            state = State.CHUNK_SIZE;
        } else if (head.hasLength) {
            remaining = length;
            state = length > 0 ? State.FIXED : State.IDLE;
        } else {
            head.keepAlive = false; // its body ends when the connection does
            state = State.UNTIL_CLOSE;
        }
        if (!listener.head(head)) {
            state = State.IDLE;
            in.skipBytes(in.readableBytes());
            return false;
        }
        if (state == State.IDLE) {
            finish(in, null);
            return false;
        }
        return true;
    }

    /** Parses the head in {@code line[0, end)} into {@link #head}. */
    private void parseHead(int end) throws BadAnswer {
        head.clear();
        transferEncoding = null;
        length = -1;
        int eol = lineEnd(0, end);
        int statusEnd = eol;
        if (statusEnd > MAX_STATUS_LINE) {
            throw new BadAnswer("the status line is over " + MAX_STATUS_LINE + " bytes");
        }
        // HTTP/1.x SP 3DIGIT [SP reason]
        if (statusEnd < 12 || !startsWith(line, HTTP_1) || (line[7] != '0' && line[7] != '1') || line[8] != ' '
                || !digit(line[9]) || !digit(line[10]) || !digit(line[11]) || line[9] == '0'
                || statusEnd > 12 && line[12] != ' ') {
            throw new BadAnswer("the status line is not HTTP/1.x and a three-digit code");
        }
        http11 = line[7] == '1';
        head.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        int reasonFrom = Math.min(statusEnd, 13);
        checkText(line, reasonFrom, statusEnd, "the reason phrase");
        head.reason = new String(line, reasonFrom, statusEnd - reasonFrom, StandardCharsets.ISO_8859_1);
        boolean close = false;
        boolean keepAliveToken = false;
        int at = next(eol);
        while (true) {
            eol = lineEnd(at, end);
            if (eol == at) {
                break;
            }
            int colon = checkFieldLine(line, at, eol, "field");
            String name = new String(line, at, colon - at, StandardCharsets.ISO_8859_1);
            int v = colon + 1;
            int w = eol;
            while (v < w && (line[v] == ' ' || line[v] == '\t')) {
                v++;
            }
            while (w > v && (line[w - 1] == ' ' || line[w - 1] == '\t')) {
                w--;
            }
            String value = new String(line, v, w - v, StandardCharsets.ISO_8859_1);
            switch (name.length()) {
                case 10 -> {
                    if (name.equalsIgnoreCase("connection")) {
                        if (head.connection == null) {
                            head.connection = new java.util.ArrayList<>(2);
                        }
                        head.connection.add(value);
                        close |= hasToken(value, "close");
                        keepAliveToken |= hasToken(value, "keep-alive");
                    }
                }
                case 14 -> {
                    if (name.equalsIgnoreCase("content-length")) {
                        contentLength(value);
                    }
                }
                case 17 -> {
                    if (name.equalsIgnoreCase("transfer-encoding")) {
                        transferEncoding = transferEncoding == null ? value : transferEncoding + "," + value;
                    }
                }
                default -> { }
            }
            head.add(name, value);
            at = next(eol);
        }
        head.keepAlive = !close && (http11 || keepAliveToken);
    }

    /** Content-Length: digits; repeated (in fields or a list), every value the same. */
    private void contentLength(String value) throws BadAnswer {
        for (int from = 0; ; ) {
            int comma = value.indexOf(',', from);
            String digits = value.substring(from, comma < 0 ? value.length() : comma).strip(); // the usual: no copy
            if (!Acceptor.plainNumber(digits)) {
                throw new BadAnswer("Content-Length is not a length: " + value);
            }
            long n = Long.parseLong(digits);
            if (length >= 0 && n != length) {
                throw new BadAnswer("two different Content-Lengths");
            }
            length = n;
            if (comma < 0) {
                break;
            }
            from = comma + 1;
        }
        head.hasLength = true;
    }

    /**
     * Checks a field line in {@code b[from, to)}: a token name, a colon with no space before it,
     * and a value of visible characters, spaces and tabs. Returns the colon's index.
     */
    private static int checkFieldLine(byte[] b, int from, int to, String what) throws BadAnswer {
        if (b[from] == ' ' || b[from] == '\t') {
            throw new BadAnswer("a folded " + what + " line");
        }
        int i = from;
        while (i < to && FieldNames.isTchar(b[i])) {
            i++;
        }
        if (i == from || i == to || b[i] != ':') {
            throw new BadAnswer("a " + what + " line without a token name and a colon");
        }
        checkText(b, i + 1, to, "a " + what + " value");
        return i;
    }

    /** Visible characters, obs-text, spaces and tabs: no other control character. */
    private static void checkText(byte[] b, int from, int to, String what) throws BadAnswer {
        for (int i = from; i < to; i++) {
            int c = b[i] & 0xff;
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                throw new BadAnswer("a control character in " + what);
            }
        }
    }

    /** Where the line at {@code from} ends, before its CR LF; a CR or LF elsewhere is refused. */
    private int lineEnd(int from, int end) throws BadAnswer {
        for (int i = from; i < end; i++) {
            byte c = line[i];
            if (c == '\r' && i + 1 < end && line[i + 1] == '\n') {
                return i;
            }
            if (c == '\r' || c == '\n') {
                throw new BadAnswer("a CR or LF that is not a line's CR LF");
            }
        }
        throw new BadAnswer("a line without its end"); // cannot happen: the head ends in an empty line
    }

    /** The start of the line after the one ending at {@code eol}. */
    private static int next(int eol) {
        return eol + 2;
    }

    /**
     * Reads one line of a chunked body into {@link #line}, across reads. Returns its length
     * without its CR LF, or -1 until it is complete.
     */
    private int readLine(ByteBuf in, int max, String what) throws BadAnswer {
        while (in.isReadable()) {
            byte c = in.readByte();
            if (c == '\n') {
                int n = have - 1;
                have = 0;
                if (n < 0 || line[n] != '\r') {
                    throw new BadAnswer("an LF without its CR in " + what);
                }
                for (int i = 0; i < n; i++) {
                    if (line[i] == '\r') {
                        throw new BadAnswer("a CR not followed by LF in " + what);
                    }
                }
                return n;
            }
            if (have >= max) {
                throw new BadAnswer(what + " is too long");
            }
            ensure(have + 1);
            line[have++] = c;
        }
        return -1;
    }

    /** chunk-size [; extensions]: hex digits, at most 15 of them. */
    private long chunkSize(int end) throws BadAnswer {
        long size = 0;
        int i = 0;
        for (; i < end; i++) {
            int d = Character.digit(line[i], 16);
            if (d < 0) {
                break;
            }
            if (i == 15) {
                throw new BadAnswer("a chunk size of over 15 hex digits");
            }
            size = size * 16 + d;
        }
        if (i == 0) {
            throw new BadAnswer("a chunk without a size");
        }
        int j = i;
        while (j < end && (line[j] == ' ' || line[j] == '\t')) {
            j++;
        }
        if (j < end && line[j] != ';') {
            throw new BadAnswer("a chunk size followed by neither an extension nor the line's end");
        }
        checkText(line, j, end, "a chunk extension");
        return size;
    }

    private void ensure(int size) {
        if (size > line.length) {
            line = Arrays.copyOf(line, Math.max(size, line.length * 2));
        }
    }

    private static boolean isChunkedAlone(String te) {
        String t = te.strip();
        return t.equalsIgnoreCase("chunked");
    }

    /** Whether the comma-separated list {@code value} holds {@code token} (any case); no split, no copies. */
    private static boolean hasToken(String value, String token) {
        for (int from = 0; ; ) {
            int comma = value.indexOf(',', from);
            int a = from;
            int b = comma < 0 ? value.length() : comma;
            while (a < b && Character.isWhitespace(value.charAt(a))) {
                a++;
            }
            while (b > a && Character.isWhitespace(value.charAt(b - 1))) {
                b--;
            }
            if (b - a == token.length() && value.regionMatches(true, a, token, 0, b - a)) {
                return true;
            }
            if (comma < 0) {
                return false;
            }
            from = comma + 1;
        }
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        return Arrays.equals(b, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }
}
