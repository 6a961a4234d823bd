package io.tributary.edge.mqtt;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * PUBREL of an inbound QoS 2 publish: PUBCOMP once the packet id's durable receipt is void ({@link InboundReceipts}),
 * for the client may reuse the id after it. The id stays held until then, so a PUBREL sent again meanwhile waits for
 * a void of its own; a void that cannot be made durable closes the connection with the id still held (the client
 * sends PUBREL again after reconnecting).
 *
 * <p>Threads: the connection's event loop.
 */
final class PubRelFlow {

    private final ServerContext server;
    private final MqttConnection connection;
    private final Session session;
    private final BiConsumer<ChannelHandlerContext, PacketRules.Violation> violated;

    PubRelFlow(
            ServerContext server,
            MqttConnection connection,
            BiConsumer<ChannelHandlerContext, PacketRules.Violation> violated) {
        this.server = server;
        this.connection = connection;
        this.session = connection.session();
        this.violated = violated;
    }

    void onPubRel(ChannelHandlerContext ctx, int packetId) {
        Session.Qos2State state = session.qos2(packetId);
        if (state == Session.Qos2State.PENDING) { // its receipt may still commit: the id could never be freed safely
            violated.accept(
                    ctx,
                    new PacketRules.Violation(
                            PacketRules.PROTOCOL_ERROR, "pubrel_before_pubrec", "PUBREL before its PUBREC was sent"));
            return;
        }
        boolean known = state != null;
        CompletableFuture<Boolean> voided =
                server.persistentSessions().receipts().release(session, packetId, known);
        if (voided.isDone()) {
            pubComp(ctx, packetId, known, voided.join());
        } else {
            voided.thenAccept(ok -> ctx.executor().execute(() -> pubComp(ctx, packetId, known, ok)));
        }
    }

    private void pubComp(ChannelHandlerContext ctx, int packetId, boolean known, boolean voided) {
        if (!voided) {
            server.metrics().disconnect("qos2_release_failed");
            ChannelEvents.disconnect(ctx.channel(), connection.isV5(), MqttReasonCodes.Disconnect.UNSPECIFIED_ERROR);
            return;
        }
        session.releaseQos2(packetId);
        byte code = known || !connection.isV5() ? 0 : MqttReasonCodes.PubComp.PACKET_IDENTIFIER_NOT_FOUND.byteValue();
        ctx.writeAndFlush(PublishAcks.reply(MqttMessageType.PUBCOMP, packetId, code));
        server.metrics().ack("pubcomp");
    }
}
