package io.tributary.edge.mqtt;

import static io.netty.handler.codec.mqtt.MqttConnectReturnCode.*;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First handler of every connection: waits for CONNECT (closing the connection after
 * {@link MqttServerConfig#connectTimeout()}), refuses anything else, and hands an accepted CONNECT to
 * {@link ConnectAcceptor}, which replaces this handler with the session pipeline.
 *
 * <p>Refusals: unsupported protocol (0x01), rejected client id (0x02 / 0x85) are answered with CONNACK and a close
 * (bad credentials, anonymous not allowed and the other access refusals already by {@link ConnectGate}, before this
 * handler sees the CONNECT); so are MQTT 5 CONNECTs that break a
 * property rule ({@link PacketRules}: 0x81 Malformed Packet, 0x82 Protocol Error, 0x8C Bad authentication method)
 * or do not decode (0x81), and those whose Will Topic is no valid topic name (0x90; 3.1.1: closed); oversized packets, undecodable 3.1.1 CONNECTs and out-of-order packets just close. One instance per channel; event loop only.
 */
final class ConnectHandler extends SimpleChannelInboundHandler<MqttMessage> {

    private static final Logger log = LoggerFactory.getLogger(ConnectHandler.class);

    private final ServerContext server;
    private ScheduledFuture<?> timeout;
    private boolean closing;
    /** Packets after an accepted CONNECT whose CONNACK waits for the session journal; null when none waits. */
    private List<MqttMessage> held;

    ConnectHandler(ServerContext server) {
        this.server = server;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long millis = server.config().connectTimeout().toMillis();
        timeout = ctx.executor().schedule(() -> onTimeout(ctx), millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    private void onTimeout(ChannelHandlerContext ctx) {
        if (!closing && ctx.channel().isActive()) {
            server.clientLog()
                    .info(
                            log,
                            ClientLog.CONNECT_TIMEOUT,
                            "No CONNECT from {} within {}, closing",
                            ctx.channel().remoteAddress(),
                            server.config().connectTimeout());
            server.metrics().connect("timeout");
            close(ctx);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
        if (closing) {
            return;
        }
        if (held != null) {
            held.add(ReferenceCountUtil.retain(msg));
            return;
        }
        if (msg.decoderResult().isFailure()) {
            onDecodeFailure(ctx, msg, msg.decoderResult().cause());
        } else if (msg.fixedHeader().messageType() != MqttMessageType.CONNECT) {
            server.clientLog()
                    .info(
                            log,
                            ClientLog.PROTOCOL,
                            "{} sent {} before CONNECT, closing",
                            ctx.channel().remoteAddress(),
                            msg.fixedHeader().messageType());
            server.metrics().malformed("packet_before_connect");
            close(ctx);
        } else {
            MqttConnectMessage connect = (MqttConnectMessage) msg;
            MqttVersion version = versionOf(connect.variableHeader());
            if (version != MqttVersion.MQTT_3_1_1 && version != MqttVersion.MQTT_5) {
                refuse(ctx, CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION, "unsupported_protocol_version");
                return;
            }
            if (version == MqttVersion.MQTT_5) {
                PacketRules.Violation violation = PacketRules.connect(
                        connect.variableHeader().properties(), connect.payload().willProperties());
                if (violation != null) {
                    refuseViolation(ctx, violation);
                    return;
                }
            }
            if (connect.variableHeader().isWillFlag()
                    && !validTopicName(connect.payload().willTopic())) {
                // MQTT 5 §3.1.3.3 / 3.1.1 §4.7.3: the Will Topic is a topic name, never a filter
                log.info(
                        "CONNECT from {} with an invalid Will Topic",
                        ctx.channel().remoteAddress());
                server.metrics().malformed("will_topic_invalid");
                if (version == MqttVersion.MQTT_5) {
                    refuse(ctx, CONNECTION_REFUSED_TOPIC_NAME_INVALID, "will_topic_invalid");
                } else {
                    close(ctx);
                }
                return;
            }
            MqttConnectReturnCode refusal = new ConnectAcceptor(server, ctx, connect, version, this).accept();
            if (refusal != null) {
                refuse(ctx, refusal, resultTag(refusal));
            }
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof PropertyScanner.Duplicate duplicate && !closing) {
            refuseViolation(
                    ctx,
                    new PacketRules.Violation(
                            PacketRules.PROTOCOL_ERROR,
                            "duplicate_property",
                            "property 0x" + Integer.toHexString(duplicate.propertyId()) + " appears twice"));
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    /** An MQTT 5 CONNECT that breaks a property rule: CONNACK with the violation's reason code, then close. */
    private void refuseViolation(ChannelHandlerContext ctx, PacketRules.Violation violation) {
        log.info("Invalid CONNECT from {}: {}", ctx.channel().remoteAddress(), violation.detail());
        if (violation.reasonCode() != PacketRules.BAD_AUTHENTICATION_METHOD) {
            server.metrics().malformed(violation.tag());
        }
        refuse(ctx, MqttConnectReturnCode.valueOf(violation.reasonCode()), violation.tag());
    }

    private void onDecodeFailure(ChannelHandlerContext ctx, MqttMessage msg, Throwable cause) {
        log.info("Undecodable CONNECT from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        if (cause instanceof MqttUnacceptableProtocolVersionException) {
            refuse(ctx, CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION, "unsupported_protocol_version");
        } else if (cause instanceof MqttIdentifierRejectedException) {
            boolean v5 =
                    msg.variableHeader() instanceof MqttConnectVariableHeader h && versionOf(h) == MqttVersion.MQTT_5;
            refuse(
                    ctx,
                    v5 ? CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID : CONNECTION_REFUSED_IDENTIFIER_REJECTED,
                    "identifier_rejected");
        } else if (cause instanceof TooLongFrameException) {
            server.metrics().malformed("too_large");
            close(ctx);
        } else if (ctx.channel().attr(PropertyScanner.NETTY_MQTT_VERSION).get() == MqttVersion.MQTT_5) {
            // MQTT 5 §3.2.2.2: a server may answer a malformed CONNECT with CONNACK 0x81 before closing
            server.metrics().malformed("decode_error");
            refuse(ctx, CONNECTION_REFUSED_MALFORMED_PACKET, "malformed");
        } else {
            server.metrics().malformed("decode_error");
            close(ctx);
        }
    }

    /** From now on, packets are kept for {@link #replayHeld} (the CONNACK waits). */
    void holdPackets() {
        held = new ArrayList<>();
    }

    /** Hands the held packets to the handler that replaced this one, in order. */
    void replayHeld(PublishHandler next, ChannelHandlerContext nextCtx) {
        List<MqttMessage> packets = held;
        held = null;
        if (packets != null) {
            for (MqttMessage m : packets) {
                try {
                    next.channelRead(nextCtx, m); // releases it
                } catch (Exception e) {
                    nextCtx.fireExceptionCaught(e);
                }
            }
        }
    }

    /** Releases the held packets: the connection closed before its CONNACK. */
    void dropHeld() {
        if (held != null) {
            held.forEach(ReferenceCountUtil::release);
            held = null;
        }
    }

    void refuse(ChannelHandlerContext ctx, MqttConnectReturnCode code, String result) {
        dropHeld();
        server.clientLog()
                .info(
                        log,
                        ClientLog.CONNECT_REFUSED,
                        "Refused CONNECT from {}: {}",
                        ctx.channel().remoteAddress(),
                        code);
        server.metrics().connect(result);
        closing = true;
        MqttMessage connAck = MqttMessageBuilders.connAck().returnCode(code).build();
        ctx.writeAndFlush(connAck).addListener(ChannelFutureListener.CLOSE);
    }

    private void close(ChannelHandlerContext ctx) {
        closing = true;
        server.metrics().disconnect("protocol");
        ctx.close();
    }

    private static boolean validTopicName(String topic) {
        return topic != null
                && !topic.isEmpty()
                && topic.indexOf('+') < 0
                && topic.indexOf('#') < 0
                && topic.indexOf('\u0000') < 0;
    }

    static MqttVersion versionOf(MqttConnectVariableHeader header) {
        try {
            return MqttVersion.fromProtocolNameAndLevel(header.name(), (byte) header.version());
        } catch (MqttUnacceptableProtocolVersionException e) {
            return MqttVersion.MQTT_3_1;
        }
    }

    private static String resultTag(MqttConnectReturnCode code) {
        if (code == CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD
                || code == CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD) {
            return "bad_credentials";
        }
        if (code == CONNECTION_REFUSED_NOT_AUTHORIZED || code == CONNECTION_REFUSED_NOT_AUTHORIZED_5) {
            return "not_authorized";
        }
        if (code == CONNECTION_REFUSED_IDENTIFIER_REJECTED || code == CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID) {
            return "identifier_rejected";
        }
        return "refused";
    }
}
