package io.tributary.edge.mqtt;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles an accepted connection: PUBLISH (QoS 0/1/2) into the {@link PublishSink} when its topic is forwarded
 * ({@link MqttServerConfig#forwarded}), else straight to the {@link LocalBroker}; accepted publishes go to local
 * subscribers (forwarded ones once the sink stored them). PUBREL, PINGREQ, DISCONNECT, SUBSCRIBE/UNSUBSCRIBE
 * ({@link SubscribeRequests}), the acks of messages sent to this client ({@link Outbound}), keep-alive expiry and
 * session takeover. Acknowledgements go through
 * {@link AckQueue}, which writes them in publish order once the sink's stage completes.
 *
 * <p>One instance per channel; every method runs on the channel's event loop (sink callbacks hop back to it).
 */
final class PublishHandler extends SimpleChannelInboundHandler<MqttMessage> {

    private static final Logger log = LoggerFactory.getLogger(PublishHandler.class);

    private final ServerContext server;
    private final MqttConnection connection;
    private final Session session;
    private final TopicAliases aliases;
    private final PubRelFlow pubRels;
    private ReadHolds holds;
    private AckQueue acks;
    private SubscriberWait subscriberWait;
    private Outbound outbound;
    private SubscribeRequests subscribeRequests;
    private ClientAccess access;
    /** The connection's will; null when it has none or a DISCONNECT 0x00 deleted it. */
    private Will will;
    /** The session expiry: the CONNECT's, or the one an MQTT 5 DISCONNECT set (§3.14.2.2.2). */
    private java.time.Duration sessionExpiry;

    PublishHandler(ServerContext server, MqttConnection connection) {
        this.server = server;
        this.connection = connection;
        this.session = connection.session();
        this.aliases = new TopicAliases(server.config().topicAliasMaximum());
        this.will = connection.will();
        this.sessionExpiry = connection.sessionExpiry();
        this.pubRels = new PubRelFlow(server, connection, (ctx, violation) -> violated(ctx, "PUBREL", violation));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        holds = new ReadHolds(ctx.channel());
        ctx.pipeline().addBefore(ctx.name(), MqttServerInitializer.READ_HOLDS, holds);
        acks = new AckQueue(ctx, server, holds);
        subscriberWait = SubscriberWait.forConnection(ctx.channel().eventLoop(), holds, server);
        outbound = new Outbound(ctx.channel(), server, connection);
        access = new ClientAccess(
                server,
                connection,
                ctx.channel().attr(ConnectGate.ADMITTED).get().identity());
        subscribeRequests = new SubscribeRequests(server, connection, outbound, access);
        server.persistentSessions().attach(session, outbound); // resends what a persistent session holds
        server.metrics().connectionOpened();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            outbound.drain();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        server.metrics().connectionClosed();
        session.clearOutbound(outbound);
        outbound.close();
        if (will != null) {
            server.wills()
                    .connectionLost(ctx.channel(), connection, will, sessionExpiry, session.owner() != ctx.channel());
        }
        server.sessions().detach(session, ctx.channel(), sessionExpiry);
        ctx.fireChannelInactive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
        if (msg.decoderResult().isFailure()) {
            Throwable cause = msg.decoderResult().cause();
            boolean tooLarge = cause instanceof TooLongFrameException;
            log.debug(
                    "Malformed packet from {} ({}): {}",
                    ctx.channel().remoteAddress(),
                    connection.clientId(),
                    cause.toString());
            server.metrics().malformed(tooLarge ? "too_large" : "decode_error");
            disconnect(
                    ctx,
                    tooLarge
                            ? MqttReasonCodes.Disconnect.PACKET_TOO_LARGE
                            : MqttReasonCodes.Disconnect.MALFORMED_PACKET,
                    tooLarge ? "too_large" : "malformed");
            return;
        }
        MqttMessageType type = msg.fixedHeader().messageType();
        switch (type) {
            case PUBLISH -> onPublish(ctx, (MqttPublishMessage) msg);
            case PUBREL -> pubRels.onPubRel(ctx, PublishAcks.packetId(msg));
            case PINGREQ -> ctx.writeAndFlush(MqttMessage.PINGRESP);
            case DISCONNECT -> onDisconnect(ctx, msg);
            case SUBSCRIBE ->
                violatedIfAny(ctx, "SUBSCRIBE", subscribeRequests.subscribe(ctx, (MqttSubscribeMessage) msg));
            case UNSUBSCRIBE ->
                violatedIfAny(ctx, "UNSUBSCRIBE", subscribeRequests.unsubscribe(ctx, (MqttUnsubscribeMessage) msg));
            case PUBACK -> outbound.onPubAck(PublishAcks.packetId(msg));
            case PUBREC ->
                outbound.onPubRec(
                        PublishAcks.packetId(msg),
                        ((MqttPubReplyMessageVariableHeader) msg.variableHeader()).reasonCode() & 0xff);
            case PUBCOMP -> outbound.onPubComp(PublishAcks.packetId(msg));
            default -> {
                server.clientLog()
                        .info(
                                log,
                                ClientLog.PROTOCOL,
                                "Protocol violation by {} ({}): unexpected {}",
                                connection.clientId(),
                                ctx.channel().remoteAddress(),
                                type);
                server.metrics().malformed(type == MqttMessageType.CONNECT ? "second_connect" : "unexpected_packet");
                disconnect(ctx, MqttReasonCodes.Disconnect.PROTOCOL_ERROR, "protocol");
            }
        }
    }

    private void onPublish(ChannelHandlerContext ctx, MqttPublishMessage msg) {
        int qos = msg.fixedHeader().qosLevel().value();
        int packetId = msg.variableHeader().packetId();
        long startNanos = System.nanoTime();
        server.metrics().publish(qos);
        access.onPublish(ctx, holds);
        TopicAliases.Resolved resolved = aliases.resolve(msg, connection.isV5());
        if (resolved.violation() != null) {
            violated(ctx, "PUBLISH", resolved.violation());
            return;
        }
        String topic = resolved.topic();
        if (!access.mayPublish(ctx, topic)) {
            if (qos == 0) {
                server.metrics().refused("not_authorized");
            } else {
                acks.add(packetId, qos, startNanos).resolve(PublishAcks.notAuthorized(connection.isV5()));
            }
            return;
        }
        if (!server.config().forwarded(topic)) {
            onLocalPublish(ctx, msg, topic, qos, packetId, startNanos);
            return;
        }
        Optional<TopicMapping.Match> match = server.config().topicMapping().match(topic);
        if (match.isEmpty()) {
            PublishAcks.Decision decision = PublishAcks.unmappedTopic(connection.isV5());
            UnmappedTopicLog.refused(server, connection, ctx, topic, qos, decision);
            if (qos == 0) {
                server.metrics().refused(decision.refusedReason());
            } else {
                acks.add(packetId, qos, startNanos).resolve(decision);
            }
            return;
        }
        if (qos == 2) {
            Session.Qos2State previous = session.beginQos2(packetId);
            if (previous != null) {
                // Redelivery of a packet id between PUBLISH and PUBREL: already stored (or being stored) once.
                server.metrics().refused("duplicate");
                if (previous == Session.Qos2State.STORED) {
                    acks.add(packetId, qos, startNanos).resolve(PublishAcks.STORED);
                }
                return;
            }
        }
        byte[] payload = ByteBufUtil.getBytes(msg.payload());
        LocalMessage local =
                LocalMessage.of(topic, msg, payload, session, server.clock().millis());
        InboundPublish publish = new InboundPublish(
                connection.clientId(),
                connection.username(),
                topic,
                match.get(),
                qos,
                payload,
                PayloadFormat.detect(payload),
                server.clock().millis(),
                InboundPublish.userProperties(msg.variableHeader().properties()));
        CompletionStage<SinkResult> stored = qos == 2
                ? server.persistentSessions().receipts().store(session, publish, packetId)
                : InboundPublish.offer(server.sink(), publish);
        if (qos == 0) {
            stored.whenComplete((result, error) -> {
                if (result == SinkResult.STORED) {
                    ctx.executor().execute(() -> server.broker().publish(local));
                } else {
                    server.metrics()
                            .refused(PublishAcks.forResult(true, result == null ? SinkResult.FAILED : result)
                                    .refusedReason());
                }
            });
            return;
        }
        AckQueue.Pending pending = acks.add(packetId, qos, startNanos);
        stored.whenComplete((result, error) -> {
            SinkResult outcome = error != null || result == null ? SinkResult.FAILED : result;
            if (error != null) {
                log.warn("Sink failed a publish from {} on '{}'", connection.clientId(), topic, error);
            }
            ctx.executor().execute(() -> {
                if (qos == 2) {
                    if (outcome == SinkResult.STORED) {
                        session.qos2Stored(packetId);
                    } else {
                        session.releaseQos2(packetId); // not stored: a redelivery must be stored anew
                    }
                }
                if (outcome == SinkResult.STORED) {
                    // local subscribers get what the hub will get, once durable
                    ackWhenRetained(ctx, pending, qos, packetId, server.broker().publish(local));
                } else {
                    pending.resolve(PublishAcks.forResult(connection.isV5(), outcome));
                }
            });
        });
    }

    /**
     * A publish to a topic that is not forwarded: delivered to local subscribers at once and acknowledged (QoS 2:
     * delivered on PUBLISH, its packet id remembered until PUBREL so a redelivery is not delivered twice).
     */
    private void onLocalPublish(
            ChannelHandlerContext ctx, MqttPublishMessage msg, String topic, int qos, int packetId, long start) {
        if (qos == 2 && session.beginQos2(packetId) != null) {
            server.metrics().refused("duplicate");
            acks.add(packetId, qos, start).resolve(PublishAcks.STORED);
            return;
        }
        byte[] payload = ByteBufUtil.getBytes(msg.payload());
        CompletionStage<Void> retained = server.broker()
                .publish(
                        LocalMessage.of(
                                topic, msg, payload, session, server.clock().millis()),
                        subscriberWait);
        if (qos == 2) {
            session.qos2Stored(packetId);
        }
        if (qos > 0) {
            ackWhenRetained(ctx, acks.add(packetId, qos, start), qos, packetId, retained);
        }
    }

    /**
     * Acknowledges once the publish's retained change is durable (at once when it has none). A change the store
     * refused is answered like a buffer I/O error, and a QoS 2 packet id is freed so that a redelivery is stored anew.
     */
    private void ackWhenRetained(
            ChannelHandlerContext ctx,
            AckQueue.Pending pending,
            int qos,
            int packetId,
            CompletionStage<Void> retained) {
        CompletableFuture<Void> done = retained.toCompletableFuture();
        if (done.isDone() && !done.isCompletedExceptionally()) {
            pending.resolve(PublishAcks.STORED);
            return;
        }
        retained.whenComplete((ignored, error) -> ctx.executor().execute(() -> {
            if (error == null) {
                pending.resolve(PublishAcks.STORED);
                return;
            }
            if (qos == 2) {
                session.releaseQos2(packetId);
            }
            pending.resolve(PublishAcks.forResult(connection.isV5(), SinkResult.IO_ERROR));
        }));
    }

    /** DISCONNECT: deletes the will unless kept by its reason; may set a new session expiry ({@link DisconnectPacket}). */
    private void onDisconnect(ChannelHandlerContext ctx, MqttMessage msg) {
        DisconnectPacket d = DisconnectPacket.read(
                msg,
                connection.isV5(),
                connection.sessionExpiry(),
                server.config().maxSessionExpiry());
        if (d.violation() != null) {
            violated(ctx, "DISCONNECT", d.violation());
            return;
        }
        if (d.expiry() != null) {
            sessionExpiry = d.expiry();
        }
        if (will != null && !d.withWill()) {
            will = null;
            server.wills().discarded(connection);
        }
        ctx.close();
    }

    private void violatedIfAny(ChannelHandlerContext ctx, String packet, PacketRules.Violation violation) {
        if (violation != null) {
            violated(ctx, packet, violation);
        }
    }

    /** A packet broke a rule: counted, logged, answered with DISCONNECT and the reason code (3.1.1: closed). */
    private void violated(ChannelHandlerContext ctx, String packet, PacketRules.Violation violation) {
        log.info(
                "Protocol violation by {} ({}) in {}: {}; disconnecting",
                connection.clientId(),
                ctx.channel().remoteAddress(),
                packet,
                violation.detail());
        server.metrics().malformed(violation.tag());
        disconnect(ctx, MqttReasonCodes.Disconnect.valueOf(violation.reasonCode()), "protocol");
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof PropertyScanner.Duplicate duplicate) {
            violated(
                    ctx,
                    duplicate.packet(),
                    new PacketRules.Violation(
                            PacketRules.PROTOCOL_ERROR,
                            "duplicate_property",
                            "property 0x" + Integer.toHexString(duplicate.propertyId()) + " appears twice"));
        } else if (evt instanceof PropertyScanner.IllFormedTopic illFormed) {
            violated(
                    ctx,
                    illFormed.packet(),
                    new PacketRules.Violation(
                            PacketRules.MALFORMED,
                            "topic_not_utf8",
                            "topic or filter is ill-formed UTF-8 or holds U+0000"));
        } else if (evt instanceof IdleStateEvent
                && (holds.holds(ReadHolds.Reason.RATE) || holds.holds(ReadHolds.Reason.SUBSCRIBER))) {
            // not idle: paused by the server for a bound (the ack window is not exempt, see ReadHolds)
            log.debug("Keep-alive of {} not checked while its reads are paused", connection.clientId());
        } else if (evt instanceof IdleStateEvent) {
            server.clientLog()
                    .info(
                            log,
                            ClientLog.KEEPALIVE,
                            "Keep-alive expired for {} ({})",
                            connection.clientId(),
                            ctx.channel().remoteAddress());
            disconnect(ctx, MqttReasonCodes.Disconnect.KEEP_ALIVE_TIMEOUT, "keepalive_timeout");
        } else if (evt == ChannelEvents.SESSION_TAKEN_OVER) {
            disconnect(ctx, MqttReasonCodes.Disconnect.SESSION_TAKEN_OVER, "session_taken_over");
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    private void disconnect(ChannelHandlerContext ctx, MqttReasonCodes.Disconnect reason, String tag) {
        server.metrics().disconnect(tag);
        ChannelEvents.disconnect(ctx.channel(), connection.isV5(), reason);
    }
}
