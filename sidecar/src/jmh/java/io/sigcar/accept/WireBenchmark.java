package io.sigcar.accept;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.util.ReferenceCountUtil;
import io.sigcar.accept.wire.Wire;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the {@link Wire} guards add to every request: one keep-alive request (a signed-webhook-sized head
 * and a body) through the guard into a sink, against no guard and, for scale, Netty's HTTP/1 decoder.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class WireBenchmark {

    @Param({"0", "1024", "65536"})
    int body;

    /** What reads the bytes: nothing, the guard, Netty's HTTP/1 decoder (for scale), or both as in the sidecar. */
    @Param({"none", "guard", "decoder", "guard+decoder"})
    String stage;

    /** Netty's socket reads land in direct buffers; heap for comparison. */
    @Param({"true", "false"})
    boolean direct;

    private EmbeddedChannel channel;
    private ByteBuf request;

    @Setup
    public void setup() {
        String head = "POST /hooks/github HTTP/1.1\r\nHost: app.example\r\nUser-Agent: GitHub-Hookshot/abc1234\r\n"
                + "Content-Type: application/json\r\nX-GitHub-Event: push\r\n"
                + "X-GitHub-Delivery: 72d3162e-cc78-11e3-81ab-4c9367dc0958\r\n"
                + "X-Hub-Signature-256: sha256=" + "0123456789abcdef".repeat(4) + "\r\n"
                + "Content-Length: " + body + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        request = (direct ? Unpooled.directBuffer(h.length + body) : Unpooled.buffer(h.length + body)).writeBytes(h).writeZero(body);
        channel = new EmbeddedChannel();
        if (stage.contains("guard")) {
            new Wire(Duration.ofSeconds(30), Duration.ofSeconds(30), r -> { }, ch -> true).guards()
                    .forEach(channel.pipeline()::addLast);
        }
        if (stage.contains("decoder")) {
            channel.pipeline().addLast(new HttpRequestDecoder());
        }
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
            }
        });
    }

    @TearDown
    public void tearDown() {
        channel.finishAndReleaseAll();
        request.release();
    }

    @Benchmark
    public void request() {
        channel.writeInbound(request.retainedDuplicate());
    }
}
