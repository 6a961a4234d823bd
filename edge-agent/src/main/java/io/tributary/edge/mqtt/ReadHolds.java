package io.tributary.edge.mqtt;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Why one connection's reads are paused. Each reason holds or releases on its own; the channel reads again only when
 * none holds it. One place toggles auto-read, so that one reason ending (say the ack window draining) cannot resume
 * reads that another (the publish-rate limit) still pauses.
 *
 * <p>Auto-read off stops the next socket read, not the packets of the current one: one read (up to 64 KiB) holds
 * hundreds of small publishes, each routed to subscribers as it is decoded. For {@link Reason#SUBSCRIBER} that would
 * overrun the very queue that asked for the pause, so while it holds, this handler (just before {@link
 * PublishHandler}) keeps the packets decoded after it in order and passes them on when it ends: at most one read's
 * packets per connection. On close they are passed on first, so nothing received is skipped (a user event such as a
 * session takeover is not deferred, so the packets read before it are then handled after it). Acks of what the
 * connection receives as a subscriber, and PINGREQ, are never deferred ({@link #answersUs}).
 *
 * <p>The rate limit's and a subscriber's pauses are the server's choice and bounded in time, so {@link PublishHandler}
 * does not count them against the client's keep-alive; the ack window's is not exempt (it lasts as long as the store
 * takes, and a dead client behind a hung store must still be found).
 *
 * <p>Event loop of the channel only.
 */
final class ReadHolds extends ChannelInboundHandlerAdapter {

    /** What pauses reads. */
    enum Reason {
        /** {@link AckQueue}: Receive Maximum publishes wait for their acknowledgement. */
        ACKS,
        /** {@link ClientAccess}: over {@code mqtt.limits.publish-rate}. */
        RATE,
        /** {@link SubscriberWait}: a local subscriber's queue is past half full; packets read meanwhile wait too. */
        SUBSCRIBER;

        private final int bit = 1 << ordinal();
    }

    private final Channel channel;
    private final ArrayDeque<Object> deferred = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private int held;
    private boolean closed;

    ReadHolds(Channel channel) {
        this.channel = channel;
    }

    /**
     * Pauses reads for {@code reason}; nothing changes when it already holds them.
     *
     * @return false when the connection is closed (nothing more to read; what is deferred is passed on anyway)
     */
    boolean hold(Reason reason) {
        if (closed) {
            return false;
        }
        if (held == 0) {
            channel.config().setAutoRead(false);
        }
        held |= reason.bit;
        return true;
    }

    /** Ends {@code reason}'s pause; reads resume when no other reason holds them. */
    void release(Reason reason) {
        if ((held & reason.bit) == 0) {
            return;
        }
        held &= ~reason.bit;
        if (reason == Reason.SUBSCRIBER) {
            passOnDeferred(); // may hold again
        }
        if (held == 0) {
            channel.config().setAutoRead(true);
        }
    }

    boolean holds(Reason reason) {
        return (held & reason.bit) != 0;
    }

    /** Whether any reason pauses reads now. */
    boolean held() {
        return held != 0;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if ((holds(Reason.SUBSCRIBER) || !deferred.isEmpty()) && !answersUs(msg)) {
            deferred.add(msg);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        held = 0;
        passOnDeferred();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        for (Object msg = deferred.poll(); msg != null; msg = deferred.poll()) {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * Acknowledgements of what this connection receives as a subscriber, and pings: never deferred, since they can
     * only free room (the queue this connection may be waiting for can be its peer's, which drains on these acks), and
     * their order against the publishes it sends does not matter.
     */
    private static boolean answersUs(Object msg) {
        if (!(msg instanceof MqttMessage m) || m.decoderResult().isFailure()) {
            return false;
        }
        MqttMessageType type = m.fixedHeader().messageType();
        return type == MqttMessageType.PUBACK
                || type == MqttMessageType.PUBREC
                || type == MqttMessageType.PUBCOMP
                || type == MqttMessageType.PINGREQ;
    }

    private void passOnDeferred() {
        while (!deferred.isEmpty() && !holds(Reason.SUBSCRIBER)) {
            ctx.fireChannelRead(deferred.poll());
        }
    }
}
