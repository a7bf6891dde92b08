package io.sigcar.accept.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Reads one connection's raw bytes ahead of Netty's HTTP decoders, for what the decoders cannot
 * do: refuse obs-fold (Netty unfolds it silently), and tell the {@link HeadDeadline} where heads
 * start and end that the HTTP/1 guard never sees (a fresh connection's first head, and every
 * HTTP/2 header block).
 *
 * <p>It frames just enough to know where heads are: HTTP/1 heads, Content-Length and chunked
 * bodies (trailers are heads too), the HTTP/2 preface and frame headers. Where its framing cannot
 * follow (a length that is not plain digits, a WebSocket after 101), it stops looking: the decoder
 * and the accept stage refuse those shapes and close anyway. Only touched on the channel's loop.
 */
final class Framer extends ChannelDuplexHandler {

    private enum Mode { HEAD, BODY, CHUNK_SIZE, CHUNK_LINE, CHUNK_DATA, CHUNK_END, PREFACE, FRAME_HEADER, FRAME_PAYLOAD, PASS, REFUSED }

    private static final int END_HEADERS = 0x4;
    private static final int HEADERS = 0x1;
    private static final int PUSH_PROMISE = 0x5;
    private static final int CONTINUATION = 0x9;
    private static final byte[] PRI = "PRI ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** The rest of the HTTP/2 preface after its "PRI * HTTP/2.0" head: "SM\r\n\r\n". */
    private static final int PREFACE_REST = 6;

    private final HeadDeadline deadline;
    private Mode mode = Mode.HEAD;
    private boolean seenHead;

    // HTTP/1 head state: which line, where in it, and what the framing fields said.
    private int line;
    private int column;
    private boolean trailers;
    private final HeadFields fields = new HeadFields();
    private boolean pri;
    private long remaining;   // body, chunk or frame payload bytes to skip
    private int chunkDigits;

    // HTTP/2 frame header state.
    private int headerByte;
    private int frameLength;
    private int frameType;
    private int frameFlags;
    private int frameStream;

    Framer(HeadDeadline deadline) {
        this.deadline = deadline;
        startHead();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof ByteBuf buf) || mode == Mode.PASS) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (mode == Mode.REFUSED) {
            buf.release();
            return;
        }
        int start = buf.readerIndex();
        int end = buf.writerIndex();
        int i = start;
        while (i < end && mode != Mode.PASS) {
            switch (mode) {
                case HEAD -> {
                    int next = scanHead(buf, i, end);
                    if (next < 0) {
                        refuse(ctx, buf, start, ~next);
                        return;
                    }
                    i = next;
                }
                case BODY, CHUNK_DATA, FRAME_PAYLOAD, PREFACE -> {
                    int n = (int) Math.min(remaining, end - i);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        if (mode == Mode.FRAME_PAYLOAD) {
                            frameEnded();
                        }
                        if (mode == Mode.PREFACE) {
                            deadline.framesFollow();
                        }
                        mode = switch (mode) {
                            case BODY -> next();
                            case CHUNK_DATA -> Mode.CHUNK_END;
                            default -> frameStart();
                        };
                    }
                }
                case CHUNK_SIZE, CHUNK_LINE -> chunkLine(buf.getByte(i++));
                case CHUNK_END -> {
                    if (buf.getByte(i++) == '\n') {
                        mode = Mode.CHUNK_SIZE;
                        remaining = 0;
                        chunkDigits = 0;
                    }
                }
                case FRAME_HEADER -> frameHeader(buf.getByte(i++) & 0xff);
                default -> i = end;
            }
        }
        ctx.fireChannelRead(buf);
    }

    /** Sees our own 101: after a WebSocket upgrade the bytes are no longer HTTP, so stop reading them. */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof ByteBuf out && fields.upgradeNotH2c() && mode != Mode.REFUSED && isSwitching(out)) {
            mode = Mode.PASS;
        }
        super.write(ctx, msg, promise);
    }

    private static boolean isSwitching(ByteBuf out) {
        int r = out.readerIndex();
        return out.readableBytes() >= 12 && out.getByte(r + 9) == '1' && out.getByte(r + 10) == '0'
                && out.getByte(r + 11) == '1' && out.getByte(r) == 'H';
    }

    /**
     * Reads head bytes from {@code i} while the head lasts: the index after it, or {@code ~index}
     * of a folded line's first byte. Only line starts and the lines that may be framing fields
     * go byte by byte; the rest of a line is skipped with Netty's word-at-a-time LF search.
     */
    private int scanHead(ByteBuf buf, int i, int end) {
        while (i < end && mode == Mode.HEAD) {
            boolean watched = column == 0 || (line == 0 ? column < PRI.length : !trailers && fields.watching());
            if (!watched) {
                int lf = buf.indexOf(i, end, (byte) '\n');
                if (lf < 0) {
                    column += end - i;
                    return end;
                }
                column += lf - i;
                i = lf;
            }
            if (!head(buf.getByte(i))) {
                return ~i;
            }
            i++;
        }
        return i;
    }

    /** One byte of an HTTP/1 head or trailer section; false on obs-fold. */
    private boolean head(byte b) {
        if (b == '\r') {
            return true;
        }
        if (b == '\n') {
            if (column == 0 && line == 0 && !trailers) {
                return true; // empty lines before a request line are allowed (RFC 9112 2.2)
            }
            if (column == 0) {
                headEnded();
                return true;
            }
            line++;
            column = 0;
            fields.lineStarted();
            return true;
        }
        if (column == 0 && (line > 0 || trailers) && (b == ' ' || b == '\t')) {
            return false;
        }
        if (line == 0) {
            if (column < PRI.length) {
                pri = column == 0 ? b == PRI[0] : pri && b == PRI[column];
            }
        } else if (!trailers) {
            fields.feed(b, column);
        }
        column++;
        return true;
    }

    private void headEnded() {
        if (trailers) {
            startHead();
            mode = Mode.HEAD;
            return;
        }
        if (pri && line == 1) {
            // "PRI * HTTP/2.0\r\n\r\n": prior knowledge, or the client's preface after an h2c upgrade.
            mode = Mode.PREFACE;
            remaining = PREFACE_REST;
            return;
        }
        if (!seenHead) {
            seenHead = true;
            deadline.closed(); // from here on the connection guard times HTTP/1 heads
        }
        if (fields.length() == HeadFields.UNREADABLE) {
            mode = Mode.PASS; // the decoder or Acceptor refuses this framing and closes
            return;
        }
        if (fields.chunked()) {
            mode = Mode.CHUNK_SIZE;
            chunkDigits = 0;
            remaining = 0;
        } else if (fields.length() > 0) {
            mode = Mode.BODY;
            remaining = fields.length();
        } else {
            mode = next();
        }
    }

    private Mode next() {
        startHead();
        return Mode.HEAD;
    }

    private void startHead() {
        line = 0;
        column = 0;
        trailers = false;
        pri = false;
        fields.reset(); // keeps what it knows of Upgrade: the 101 for a WebSocket comes after its head was read
    }

    /** A chunk-size line: hex digits, then anything (an extension) up to LF. */
    private void chunkLine(byte b) {
        if (b == '\n') {
            if (chunkDigits == 0) {
                mode = Mode.PASS; // not a chunk line the decoder accepts; it refuses and closes
            } else if (remaining == 0) {
                startHead();
                trailers = true; // the last chunk: a trailer section follows, ending at an empty line
                mode = Mode.HEAD;
            } else {
                mode = Mode.CHUNK_DATA;
            }
            return;
        }
        if (mode == Mode.CHUNK_SIZE) {
            int digit = Character.digit(b, 16);
            if (digit >= 0) {
                if (remaining >= 1L << 56) {
                    mode = Mode.PASS; // overflow: the decoder refuses it and closes
                    return;
                }
                remaining = remaining * 16 + digit; // leading zeros stay zero, as in the decoder
                chunkDigits++;
                return;
            }
            mode = Mode.CHUNK_LINE; // an extension or the CR
        }
    }

    private Mode frameStart() {
        headerByte = 0;
        frameLength = 0;
        frameStream = 0;
        return Mode.FRAME_HEADER;
    }

    private void frameHeader(int b) {
        switch (headerByte++) {
            case 0, 1, 2 -> frameLength = (frameLength << 8) | b;
            case 3 -> frameType = b;
            case 4 -> frameFlags = b;
            case 5, 6, 7 -> frameStream = (frameStream << 8) | b;
            case 8 -> {
                frameStream = ((frameStream << 8) | b) & 0x7fffffff;
                frameStarted();
                remaining = frameLength;
                if (remaining == 0) {
                    frameEnded();
                    mode = frameStart();
                } else {
                    mode = Mode.FRAME_PAYLOAD;
                }
            }
            default -> { }
        }
    }

    /** A header block opens with its first frame's header: from then on no other frame may interleave. */
    private void frameStarted() {
        if ((frameType == HEADERS || frameType == PUSH_PROMISE) && (frameFlags & END_HEADERS) == 0) {
            deadline.opened();
        }
    }

    /** ... and ends only once the payload of its END_HEADERS frame is in: a trickled payload is still open. */
    private void frameEnded() {
        boolean blockFrame = frameType == HEADERS || frameType == PUSH_PROMISE || frameType == CONTINUATION;
        if (blockFrame && (frameFlags & END_HEADERS) != 0) {
            seenHead = true;
            deadline.blockEnded(frameType != PUSH_PROMISE ? frameStream : 0);
        }
    }

    /**
     * Lets the decoder have everything before the folded line (earlier requests are served; the
     * folded head stays incomplete), then hands Vert.x a request that failed to decode: the
     * invalid-request path answers it in order (400, close). The bytes also make Vert.x choose
     * HTTP/1 on a fresh connection, which must happen before a decoded message may pass.
     */
    private void refuse(ChannelHandlerContext ctx, ByteBuf buf, int start, int fold) {
        mode = Mode.REFUSED;
        deadline.closed();
        if (fold > start) {
            ctx.fireChannelRead(buf.retainedSlice(start, fold - start));
        }
        buf.release();
        if (trailers) {
            // The request is under way: fail its body, as the decoder does for a bad chunk.
            var last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
            last.setDecoderResult(DecoderResult.failure(new ObsFold()));
            ctx.fireChannelRead(last);
            return;
        }
        var request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad-request",
                Unpooled.EMPTY_BUFFER);
        request.setDecoderResult(DecoderResult.failure(new ObsFold()));
        ctx.fireChannelRead(request);
    }
}
