package io.sigcar.accept.wire;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.sigcar.reject.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Watches the client's side of the connection for a reader that stopped reading. Netty marks the
 * channel unwritable when more than its high-water mark ({@link WireTransport}) waits for the
 * client. The forward stage cuts a stalled answer at send-timeout; anything else that stalls the
 * same way (a WebSocket tunnel, or an answer the relay did not see stall) is cut here once the
 * channel has stayed unwritable for twice that. Linger 0: the queued bytes go with it.
 */
public final class WriteStall extends ChannelInboundHandlerAdapter {

    private final long stallMillis;
    private final Consumer<Reason> onCut;
    private ScheduledFuture<?> stall;
    private List<Runnable> writable; // tasks waiting for the channel to be writable again

    WriteStall(long stallMillis, Consumer<Reason> onCut) {
        this.stallMillis = stallMillis;
        this.onCut = onCut;
    }

    /**
     * Runs {@code task} on the channel's loop once the channel is writable again: when Netty's own
     * buffer has drained below its low-water mark. The forward stage pauses the app at Netty's
     * mark rather than at Vert.x's write queue, which takes 16 more chunks (heap copies) before it
     * reports full: with a thousand slow readers those copies alone filled a 128 MiB heap.
     * False when the channel has no watch (the caller must rely on Vert.x's drain handler).
     */
    public static boolean whenWritable(Channel channel, Runnable task) {
        if (!(channel.pipeline().get(WriteStall.class) instanceof WriteStall watch)) {
            return false;
        }
        if (watch.writable == null) {
            watch.writable = new ArrayList<>(1);
        }
        watch.writable.add(task);
        if (channel.isWritable()) {
            channel.eventLoop().execute(() -> watch.runWhenWritable(channel)); // it drained meanwhile: no event will come
        }
        return true;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        Channel channel = ctx.channel();
        if (channel.isWritable()) {
            unwatch();
            super.channelWritabilityChanged(ctx); // Vert.x flushes what it queued first
            runWhenWritable(channel);
            return;
        }
        if (stall == null) {
            stall = ctx.executor().schedule(() -> {
                stall = null;
                if (channel.isActive() && !channel.isWritable()) {
                    onCut.accept(Reason.SEND_TIMEOUT);
                    channel.config().setOption(ChannelOption.SO_LINGER, 0);
                    ctx.close();
                }
            }, stallMillis, TimeUnit.MILLISECONDS);
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        unwatch();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        unwatch();
    }

    private void runWhenWritable(Channel channel) {
        if (writable == null || writable.isEmpty() || !channel.isWritable()) {
            return;
        }
        var tasks = writable;
        writable = null;
        tasks.forEach(Runnable::run);
    }

    private void unwatch() {
        if (stall != null) {
            stall.cancel(false);
            stall = null;
        }
    }
}
