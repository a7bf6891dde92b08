package io.sigcar.accept;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * The one place that reaches below Vert.x's public API to the Netty channel of a connection.
 * The proxy needs that channel for what Vert.x does not offer: closing at once, watching the
 * socket's own writability, running the app side on the client connection's event loop. {@link #check}
 * runs at start-up, so a Vert.x upgrade that moves these internals fails there, not under load.
 */
public final class Channels {

    private Channels() {
    }

    /** Fails start-up when Vert.x's HTTP connections no longer expose their channel here. */
    public static void check() {
        try {
            for (String name : new String[] {"io.vertx.core.http.impl.http1.Http1ServerConnection",
                    "io.vertx.core.http.impl.http2.codec.Http2ServerConnectionImpl"}) {
                Class<?> connection = Class.forName(name);
                if (!ConnectionBase.class.isAssignableFrom(connection)) {
                    throw new IllegalStateException(name + " is no longer a " + ConnectionBase.class.getName());
                }
            }
            ConnectionBase.class.getMethod("channel");
            ConnectionBase.class.getMethod("channelHandlerContext");
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this Vert.x version hides the connection internals the proxy needs: " + e, e);
        }
    }

    /** The connection's channel, or null for a connection that has none (never for Vert.x's HTTP/1.x and HTTP/2). */
    public static Channel of(HttpConnection connection) {
        return connection instanceof ConnectionBase base ? base.channel() : null;
    }

    /** The context of Vert.x's own handler in the channel's pipeline, or null as for {@link #of}. */
    static ChannelHandlerContext context(HttpConnection connection) {
        return connection instanceof ConnectionBase base ? base.channelHandlerContext() : null;
    }

    /** True once the connection's socket is closed, even before Vert.x has run its own close handlers. */
    public static boolean closed(HttpConnection connection) {
        Channel channel = of(connection);
        return channel != null && !channel.isOpen();
    }
}
