package io.sigcar.accept.wire;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Predicate;

/**
 * {@code max-connections}: asks at accept, before a byte is read, whether the connection may open,
 * and closes it if not. Counting at accept matters: Vert.x sees a connection only once its first
 * request head was decoded, so connections that never send one would go uncounted.
 */
final class ConnectionLimit extends ChannelInboundHandlerAdapter {

    private final Predicate<Channel> admit;
    private boolean refused;

    ConnectionLimit(Predicate<Channel> admit) {
        this.admit = admit;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (!admit.test(ctx.channel())) {
            refused = true;
            ctx.close();
        } else {
            ctx.pipeline().remove(this); // admitted: every read would pass through for nothing
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg); // bytes already read while the close is under way
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
