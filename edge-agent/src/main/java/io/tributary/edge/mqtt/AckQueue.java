package io.tributary.edge.mqtt;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttMessageType;
import java.util.ArrayDeque;

/**
 * Writes PUBACK/PUBREC in the order the publishes arrived, whatever order the sink completes them in (MQTT 3.1.1
 * §4.6 asks for PUBACKs in receive order; a group-committing buffer completes in order anyway, so this costs
 * nothing in the common case and keeps a slow record from being overtaken by its successors' acks).
 *
 * <p>Also the per-connection flow control: with {@link MqttServerConfig#receiveMaximum()} publishes waiting, the
 * channel stops reading ({@link ReadHolds.Reason#ACKS}) until half of them are acknowledged.
 *
 * <p>Event loop of the channel only.
 */
final class AckQueue {

    /** One QoS 1/2 publish waiting for its ack decision. */
    final class Pending {
        private final int packetId;
        private final int qos;
        private final long startNanos;
        private PublishAcks.Decision decision;

        private Pending(int packetId, int qos, long startNanos) {
            this.packetId = packetId;
            this.qos = qos;
            this.startNanos = startNanos;
        }

        /** Records the decision and writes every ack that is now due. */
        void resolve(PublishAcks.Decision decision) {
            this.decision = decision;
            drain();
        }
    }

    private final ChannelHandlerContext ctx;
    private final ServerContext server;
    private final ReadHolds holds;
    private final int highWater;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private boolean flushScheduled;
    private boolean closing;

    AckQueue(ChannelHandlerContext ctx, ServerContext server, ReadHolds holds) {
        this.ctx = ctx;
        this.server = server;
        this.holds = holds;
        this.highWater = server.config().receiveMaximum();
    }

    Pending add(int packetId, int qos, long startNanos) {
        Pending pending = new Pending(packetId, qos, startNanos);
        queue.add(pending);
        if (queue.size() >= highWater) {
            holds.hold(ReadHolds.Reason.ACKS);
        }
        return pending;
    }

    private void flush() {
        flushScheduled = false;
        ctx.flush();
    }

    int size() {
        return queue.size();
    }

    private void drain() {
        boolean wrote = false;
        String close = null;
        while (!queue.isEmpty() && queue.peek().decision != null) {
            Pending head = queue.poll();
            PublishAcks.Decision decision = head.decision;
            if (decision.refusedReason() != null) {
                server.metrics().refused(decision.refusedReason());
            }
            if (close == null && decision.closeAfter()) {
                close = decision.closeReason();
            }
            if (decision.send() && ctx.channel().isActive()) {
                MqttMessageType type = head.qos == 1 ? MqttMessageType.PUBACK : MqttMessageType.PUBREC;
                ctx.write(PublishAcks.reply(type, head.packetId, decision.reasonCode()), ctx.voidPromise());
                server.metrics().publishAck(head.qos);
                server.metrics().ackLatency(System.nanoTime() - head.startNanos);
                wrote = true;
            }
        }
        if (wrote && !flushScheduled) {
            // one flush (one write syscall) for every ack resolved by the tasks already queued: a group commit
            // completes many publishes of this connection back to back
            flushScheduled = true;
            ctx.executor().execute(this::flush);
        }
        if (close != null && !closing) {
            closing = true;
            server.metrics().disconnect(close);
            // flush first: the acks just written belong to stored publishes and must not be lost with the connection
            ctx.flush();
            ctx.close();
        }
        if (queue.size() <= highWater / 2) {
            holds.release(ReadHolds.Reason.ACKS);
        }
    }
}
