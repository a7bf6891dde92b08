package io.sigcar.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The answer parser against Netty's HTTP/1.1 response decoder, the one it replaced, on the same
 * bytes: random well-formed answers cut into random pieces must give the same status, reason,
 * end-to-end fields, body and keep-alive; the answers it is stricter about must fail.
 */
class AnswerParserTest {

    /** What the parser handed on, in order. */
    static final class Seen implements AnswerParser.Listener {
        final List<String> heads = new ArrayList<>();
        final List<List<String>> fields = new ArrayList<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        int ends;
        Boolean reusable;
        boolean stop;

        @Override
        public boolean head(AnswerParser.Head head) {
            heads.add(head.status + " " + head.reason + " length=" + head.hasLength + " keepAlive=" + head.keepAlive);
            List<String> f = new ArrayList<>();
            head.endToEnd((n, v) -> f.add(n + ": " + v));
            fields.add(f);
            return !stop;
        }

        @Override
        public void body(Buffer chunk) {
            body.writeBytes(chunk.getBytes());
        }

        @Override
        public void end(Buffer last, boolean reusable) {
            if (last != null) {
                body.writeBytes(last.getBytes());
            }
            ends++;
            this.reusable = reusable;
        }
    }

    /** What Netty's decoder makes of the same bytes, put the way the relay saw it before. */
    static final class Oracle {
        String head;
        List<String> fields;
        byte[] body;
        boolean keepAlive;
    }

    private static Oracle netty(byte[] answer, boolean headRequest) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpResponseDecoder() {
            @Override
            protected boolean isContentAlwaysEmpty(HttpMessage msg) {
                return super.isContentAlwaysEmpty(msg) || headRequest && ((HttpResponse) msg).status().code() >= 200;
            }
        });
        ch.writeInbound(Unpooled.wrappedBuffer(answer));
        ch.finish(); // the close that ends a body read until close
        Oracle o = new Oracle();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Object m; (m = ch.readInbound()) != null; ) {
            HttpObject obj = (HttpObject) m;
            assertTrue(obj.decoderResult().isSuccess(), () -> "Netty refused " + new String(answer,
                    StandardCharsets.ISO_8859_1) + ": " + obj.decoderResult());
            if (m instanceof HttpResponse r && r.status().code() >= 200) {
                int code = r.status().code();
                boolean length = r.headers().contains("content-length");
                boolean closeDelimited = !headRequest && code != 204 && code != 304 && !length
                        && !HttpUtil.isTransferEncodingChunked(r);
                o.keepAlive = HttpUtil.isKeepAlive(r) && !closeDelimited;
                o.head = code + " " + r.status().reasonPhrase() + " length=" + length + " keepAlive=" + o.keepAlive;
                List<String> f = new ArrayList<>();
                Headers.copyEndToEnd(r.headers(), r.headers().getAll("connection"), (n, v) -> f.add(n + ": " + v),
                        false);
                o.fields = f;
            }
            if (m instanceof HttpContent c) {
                ByteBuf b = c.content();
                byte[] bytes = new byte[b.readableBytes()];
                b.readBytes(bytes);
                body.writeBytes(bytes);
                c.release();
                if (c instanceof LastHttpContent) {
                    o.body = body.toByteArray();
                }
            }
        }
        return o;
    }

    /** Feeds {@code answer} in random pieces; a body read until close is ended by closing. */
    private static Seen parse(byte[] answer, boolean headRequest, Random random) throws Exception {
        Seen seen = new Seen();
        AnswerParser parser = new AnswerParser(seen);
        parser.expect(headRequest);
        int at = 0;
        while (at < answer.length) {
            int n = random == null ? answer.length : 1 + random.nextInt(Math.min(answer.length - at, 64));
            ByteBuf piece = Unpooled.copiedBuffer(answer, at, n);
            parser.read(piece);
            assertFalse(piece.isReadable(), "the parser reads all it is given");
            piece.release();
            at += n;
        }
        if (seen.ends == 0) {
            assertTrue(parser.closed(), "the answer was whole when the app closed");
        }
        return seen;
    }

    private static final String[] NAMES = {"content-type", "Cache-Control", "x-trace", "Set-Cookie", "ETag",
        "keep-alive", "Upgrade", "te", "X-Named", "date", "Vary"};
    private static final String[] REASONS = {"OK", "Created", "Fine by me", "", "Not Modified", "Teapot\tish"};
    private static final int[] CODES = {200, 201, 204, 206, 301, 304, 400, 404, 418, 500, 503, 299, 599};

    /** One random well-formed answer. */
    private static byte[] answer(Random r, boolean headRequest, boolean mayClose) {
        StringBuilder s = new StringBuilder();
        boolean http10 = r.nextInt(8) == 0;
        if (r.nextInt(6) == 0) {
            s.append("HTTP/1.1 100 Continue\r\n\r\n");
        }
        if (r.nextInt(10) == 0) {
            s.append("HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n");
        }
        int code = CODES[r.nextInt(CODES.length)];
        String reason = REASONS[r.nextInt(REASONS.length)];
        s.append(http10 ? "HTTP/1.0 " : "HTTP/1.1 ").append(code);
        if (!reason.isEmpty() || r.nextBoolean()) {
            s.append(' ').append(reason);
        }
        String eol = "\r\n";
        s.append(eol);
        int fields = r.nextInt(8);
        for (int i = 0; i < fields; i++) {
            String name = NAMES[r.nextInt(NAMES.length)];
            String value = switch (r.nextInt(4)) {
                case 0 -> "v" + r.nextInt(1000);
                case 1 -> " padded\t ";
                case 2 -> "caf\u00e9 \u00ff, a=b; c=\"d\"";
                default -> "";
            };
            s.append(name).append(':').append(r.nextBoolean() ? " " : "").append(value).append(eol);
        }
        switch (r.nextInt(5)) {
            case 0 -> s.append("Connection: close").append(eol);
            case 1 -> s.append("connection: keep-alive").append(eol);
            case 2 -> s.append("Connection: X-Named, Keep-Alive").append(eol);
            default -> { }
        }
        byte[] body = new byte[r.nextInt(3) == 0 ? r.nextInt(40_000) : r.nextInt(300)];
        r.nextBytes(body);
        boolean bodyless = headRequest || code == 204 || code == 304;
        int framing = r.nextInt(mayClose ? 3 : 2);
        if (http10 && framing == 1) {
            framing = 0; // chunked is HTTP/1.1's
        }
        StringBuilder tail = new StringBuilder();
        if (framing == 0) {
            s.append(r.nextBoolean() ? "Content-Length: " : "content-length:").append(body.length).append(eol);
        } else if (framing == 1) {
            s.append("Transfer-Encoding: ").append(r.nextBoolean() ? "chunked" : "Chunked").append(eol);
        }
        s.append(eol);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(s.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (bodyless) {
            return out.toByteArray();
        }
        if (framing == 1) {
            int at = 0;
            while (at < body.length) {
                int n = Math.min(body.length - at, 1 + r.nextInt(5000));
                String ext = r.nextInt(4) == 0 ? ";name=\"v\"" : "";
                out.writeBytes((Integer.toHexString(n) + ext + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body, at, n);
                out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
                at += n;
            }
            tail.append("0\r\n");
            if (r.nextBoolean()) {
                tail.append("x-checksum: 1234\r\n");
            }
            tail.append("\r\n");
            out.writeBytes(tail.toString().getBytes(StandardCharsets.US_ASCII));
        } else {
            out.writeBytes(body);
        }
        return out.toByteArray();
    }

    @Test
    void wellFormedAnswersReadAsNettyReadsThem() throws Exception {
        Random r = new Random(1_2026);
        for (int i = 0; i < 3_000; i++) {
            boolean headRequest = r.nextInt(8) == 0;
            byte[] answer = answer(r, headRequest, true);
            Oracle expected = netty(answer, headRequest);
            Seen seen = parse(answer, headRequest, i % 3 == 0 ? null : r);
            String what = "answer " + i + ":\n" + new String(answer, 0, Math.min(answer.length, 600),
                    StandardCharsets.ISO_8859_1);
            assertEquals(List.of(expected.head), seen.heads, what);
            assertEquals(expected.fields, seen.fields.get(0), what);
            assertArrayEquals(expected.body, seen.body.toByteArray(), what);
            assertEquals(1, seen.ends, what);
            assertEquals(expected.keepAlive, seen.reusable, what);
        }
    }

    @Test
    void answersFollowOneAnotherOnOneConnection() throws Exception {
        Random r = new Random(77);
        Seen seen = new Seen();
        AnswerParser parser = new AnswerParser(seen);
        ByteArrayOutputStream expectedBody = new ByteArrayOutputStream();
        for (int i = 0; i < 200; i++) {
            byte[] answer = answer(r, false, false);
            expectedBody.writeBytes(netty(answer, false).body);
            parser.expect(false);
            for (int at = 0; at < answer.length; ) {
                int n = 1 + r.nextInt(Math.min(answer.length - at, 700));
                ByteBuf piece = Unpooled.copiedBuffer(answer, at, n);
                parser.read(piece);
                piece.release();
                at += n;
            }
            assertEquals(i + 1, seen.ends);
        }
        assertArrayEquals(expectedBody.toByteArray(), seen.body.toByteArray());
    }

    @Test
    void bytesAfterTheEndMakeTheConnectionUnusable() throws Exception {
        Seen seen = parse(ascii("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n"), false, null);
        assertEquals(1, seen.ends);
        assertEquals(Boolean.FALSE, seen.reusable);
        assertEquals("ok", seen.body.toString(StandardCharsets.US_ASCII));
        Seen alone = parse(ascii("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"), false, null);
        assertEquals(Boolean.TRUE, alone.reusable);
    }

    @Test
    void bytesWithNoRequestOutstandingAreRefused() {
        AnswerParser parser = new AnswerParser(new Seen());
        assertThrows(AnswerParser.BadAnswer.class, () -> parser.read(Unpooled.copiedBuffer(ascii("HTTP/1.1 200 OK\r\n"))));
    }

    @Test
    void anAnswerCutShortIsNotEnded() throws Exception {
        Seen seen = new Seen();
        AnswerParser parser = new AnswerParser(seen);
        parser.expect(false);
        parser.read(Unpooled.copiedBuffer(ascii("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc")));
        assertFalse(parser.closed());
        assertEquals(0, seen.ends);
    }

    @Test
    void aHeadTheListenerStopsIsNotReadOn() throws Exception {
        Seen seen = new Seen();
        seen.stop = true;
        AnswerParser parser = new AnswerParser(seen);
        parser.expect(false);
        ByteBuf in = Unpooled.copiedBuffer(ascii("HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc"));
        parser.read(in);
        assertEquals(1, seen.heads.size());
        assertEquals(0, seen.ends);
        assertFalse(in.isReadable());
    }

    /** Answers Netty would relay one way or another, and a client might read another way: 502 instead. */
    @Test
    void ambiguousAnswersAreRefused() {
        String[] refused = {
            "HTTP/1.1 200 OK\r\nx-a: 1\r\n  folded\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nx-a: 1\rx-b: 2\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nx-a: a\u0000b\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nx a: 1\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nx-a : 1\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\n: 1\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab",
            "HTTP/1.1 200 OK\r\ncontent-length: 1, 2\r\n\r\nab",
            "HTTP/1.1 200 OK\r\ncontent-length: +1\r\n\r\na",
            "HTTP/1.1 200 OK\r\ncontent-length: 0x1\r\n\r\na",
            "HTTP/1.1 200 OK\r\ncontent-length: 99999999999999999999\r\n\r\na",
            "HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\ntransfer-encoding: identity\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1000000000000000\r\n",
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3 x\r\nabc\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n folded: trailer\r\n\r\n",
            "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n",
            "HTTP/2 200 OK\r\n\r\n",
            "HTTP/1.1 20 OK\r\n\r\n",
            "HTTP/1.1 2000 OK\r\n\r\n",
            "HTTP/1.1 099 Low\r\n\r\n",
            "http/1.1 200 OK\r\n\r\n",
            "\r\nHTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 200 O\u0001K\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\ncontent-length: 0\r\n\r\n",
            "HTTP/1.0 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: 0\n\r\n",
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n",
        };
        for (String answer : refused) {
            AnswerParser parser = new AnswerParser(new Seen());
            parser.expect(false);
            assertThrows(AnswerParser.BadAnswer.class, () -> parser.read(Unpooled.copiedBuffer(ascii(answer))),
                    () -> "accepted: " + answer.replace("\r", "\\r").replace("\n", "\\n"));
        }
    }

    @Test
    void headsAndTrailersOverTheLimitsAreRefused() throws Exception {
        String big = "x-big: " + "a".repeat(AnswerParser.MAX_STATUS_LINE + AnswerParser.MAX_FIELDS) + "\r\n";
        AnswerParser parser = new AnswerParser(new Seen());
        parser.expect(false);
        ByteBuf in = Unpooled.copiedBuffer(ascii("HTTP/1.1 200 OK\r\n" + big + "\r\n"));
        assertThrows(AnswerParser.BadAnswer.class, () -> parser.read(in));
        AnswerParser longStatus = new AnswerParser(new Seen());
        longStatus.expect(false);
        assertThrows(AnswerParser.BadAnswer.class, () -> longStatus.read(Unpooled.copiedBuffer(ascii(
                "HTTP/1.1 200 " + "a".repeat(AnswerParser.MAX_STATUS_LINE) + "\r\n\r\n"))));
        AnswerParser trailers = new AnswerParser(new Seen());
        trailers.expect(false);
        String many = ("x-t: " + "b".repeat(100) + "\r\n").repeat(100);
        assertThrows(AnswerParser.BadAnswer.class, () -> trailers.read(Unpooled.copiedBuffer(ascii(
                "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n" + many + "\r\n"))));
        // Just under the head's limit still reads.
        Seen seen = new Seen();
        AnswerParser under = new AnswerParser(seen);
        under.expect(false);
        String fits = "x-fit: " + "c".repeat(AnswerParser.MAX_FIELDS - 100) + "\r\n";
        under.read(Unpooled.copiedBuffer(ascii("HTTP/1.1 200 OK\r\n" + fits + "content-length: 0\r\n\r\n")));
        assertEquals(1, seen.ends);
    }

    @Test
    void hopByHopAndConnectionNamedFieldsStayBehind() throws Exception {
        Seen seen = parse(ascii("HTTP/1.1 200 OK\r\nConnection: X-Secret, close\r\nx-secret: 1\r\nKeep-Alive: t=5\r\n"
                + "transfer-encoding: chunked\r\nx-kept: 2\r\ntrailer: x\r\nupgrade: h2c\r\n\r\n0\r\n\r\n"), false, null);
        assertEquals(List.of(List.of("x-kept: 2")), seen.fields);
        assertEquals(Boolean.FALSE, seen.reusable);
        assertNull(parse(ascii("HTTP/1.1 204 No Content\r\n\r\n"), false, null).fields.get(0).stream()
                .filter(f -> f.startsWith("content-length")).findAny().orElse(null));
        Map<String, Boolean> keepAlive = Map.of(
                "HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n", false,
                "HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n", true,
                "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", true,
                "HTTP/1.1 200 OK\r\nconnection: foo, CLOSE\r\ncontent-length: 0\r\n\r\n", false);
        for (var e : keepAlive.entrySet()) {
            assertEquals(e.getValue(), parse(ascii(e.getKey()), false, null).reusable, e.getKey());
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
