package io.sigcar.accept.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.sigcar.reject.Reason;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code request-timeout} for the heads the connection guard never sees: a fresh connection's
 * first head, whatever the protocol turns out to be, and every HTTP/2 header block, which a client
 * can trickle in CONTINUATION frames for as long as the idle timeout allows. The {@link Framer}
 * says when such a head opens and closes; this handler keeps the clock and cuts the connection.
 */
final class HeadDeadline extends ChannelInboundHandlerAdapter {

    private static final int GOAWAY = 0x7;
    private static final int ENHANCE_YOUR_CALM = 0xb;

    private final long timeoutMillis;
    private final Consumer<Reason> onCut;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> deadline;
    private boolean http2;
    private int lastStream; // the highest stream whose header block completed: GOAWAY's last-stream-id

    HeadDeadline(long timeoutMillis, Consumer<Reason> onCut) {
        this.timeoutMillis = timeoutMillis;
        this.onCut = onCut;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        opened(); // the first head must arrive within request-timeout, whatever the protocol
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        closed();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed();
        super.channelInactive(ctx);
    }

    /** The connection speaks HTTP/2 frames from here on: a cut sends GOAWAY first. */
    void framesFollow() {
        http2 = true;
    }

    /** An HTTP/2 header block of {@code stream} ended. */
    void blockEnded(int stream) {
        closed();
        lastStream = Math.max(lastStream, stream);
    }

    /** A head started: it must end within the timeout. */
    void opened() {
        closed();
        if (ctx == null) {
            return;
        }
        deadline = ctx.executor().schedule(this::expired, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** The head ended (or the connection no longer needs this clock). */
    void closed() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private void expired() {
        deadline = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        onCut.accept(Reason.REQUEST_TIMEOUT);
        if (http2) {
            // The server's SETTINGS went out when the codec started: a GOAWAY may follow it. Written
            // below the codec as whole frames go, and closed right after: a client that reads
            // nothing must not hold the connection open by leaving the GOAWAY unsent.
            ctx.writeAndFlush(goaway(lastStream));
        }
        ctx.close();
    }

    /** GOAWAY with ENHANCE_YOUR_CALM, as for Sigcar's other HTTP/2 abuse limits. */
    private static ByteBuf goaway(int lastStream) {
        return Unpooled.buffer(17).writeMedium(8).writeByte(GOAWAY).writeByte(0).writeInt(0)
                .writeInt(lastStream).writeInt(ENHANCE_YOUR_CALM);
    }
}
