package io.sigcar.accept.wire;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.sigcar.reject.Reason;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The proxy listener's guards on one accepted connection, below Vert.x's HTTP decoders: one Netty
 * handler per concern, in the order the connection's bytes meet them.
 * <ol>
 *   <li>{@link ConnectionLimit}: {@code max-connections}, asked before a byte is read;</li>
 *   <li>{@link HeadDeadline}: {@code request-timeout} for the heads Vert.x does not show us;</li>
 *   <li>{@link Framer}: finds those heads for the deadline, and refuses obs-fold;</li>
 *   <li>{@link WriteStall}: cuts a connection whose reader has stopped reading.</li>
 * </ol>
 */
public final class Wire {

    private final long requestMillis;
    private final long stallMillis;
    private final Consumer<Reason> onCut;
    private final Predicate<Channel> admit;

    /**
     * @param requestTimeout how long a head (or header block) may take
     * @param sendTimeout    the forward stage cuts a stalled answer after this; the connection-wide
     *                       watch waits twice as long, as a backstop for everything else
     * @param onCut          counts cuts by reason
     * @param admit          at accept: false when the connection may not open (max-connections)
     */
    public Wire(Duration requestTimeout, Duration sendTimeout, Consumer<Reason> onCut, Predicate<Channel> admit) {
        this.requestMillis = Math.max(1, requestTimeout.toMillis());
        this.stallMillis = Math.max(2, 2 * sendTimeout.toMillis());
        this.onCut = onCut;
        this.admit = admit;
    }

    /** New handlers for one connection, in pipeline order. */
    public List<ChannelHandler> guards() {
        var deadline = new HeadDeadline(requestMillis, onCut);
        return List.of(new ConnectionLimit(admit), deadline, new Framer(deadline), new WriteStall(stallMillis, onCut));
    }
}
