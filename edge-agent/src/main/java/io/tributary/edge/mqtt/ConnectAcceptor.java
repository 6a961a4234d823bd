package io.tributary.edge.mqtt;

import static io.netty.handler.codec.mqtt.MqttConnectReturnCode.*;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides one well-formed CONNECT of a supported version, admitted by {@link ConnectGate} (which established the
 * identity, the user name of the connection from here on): client id rules, session takeover and
 * expiry; on success writes CONNACK and swaps {@link ConnectHandler} for keep-alive and {@link PublishHandler}. The
 * CONNACK of a persistent session waits until {@link PersistentSessions#connected} journaled it (reading paused, early
 * packets held by the handler); a journal failure refuses the CONNECT (0x80 / 3.1.1 0x03).
 * Used once, on the channel's event loop.
 */
final class ConnectAcceptor {

    private static final Logger log = LoggerFactory.getLogger(ConnectAcceptor.class);
    private static final long UNSIGNED_INT_MASK = 0xFFFF_FFFFL;

    private final ServerContext server;
    private final ChannelHandlerContext ctx;
    private final MqttConnectMessage connect;
    private final MqttVersion version;
    private final boolean v5;
    private final ConnectHandler handler;

    ConnectAcceptor(
            ServerContext server,
            ChannelHandlerContext ctx,
            MqttConnectMessage connect,
            MqttVersion version,
            ConnectHandler handler) {
        this.server = server;
        this.handler = handler;
        this.ctx = ctx;
        this.connect = connect;
        this.version = version;
        this.v5 = version == MqttVersion.MQTT_5;
    }

    /**
     * A client id for a client that sent none: 128 random bits from {@link ThreadLocalRandom}. Not
     * {@code UUID.randomUUID()}: its SecureRandom reads /dev/urandom, a blocking file read on the event loop (found
     * by BlockHound). A client id is no secret (any authenticated client may connect with any id), so it only needs
     * to be unique.
     */
    static String assignedClientId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return "tributary-" + new UUID(random.nextLong(), random.nextLong());
    }

    /** Accepts the CONNECT, or returns the return code to refuse it with. */
    MqttConnectReturnCode accept() {
        MqttConnectVariableHeader header = connect.variableHeader();
        ConnectGate.Admitted admitted = ctx.channel().attr(ConnectGate.ADMITTED).get();
        if (admitted == null) {
            // ConnectGate establishes the identity; without it nobody is authenticated (fail closed)
            return v5 ? CONNECTION_REFUSED_NOT_AUTHORIZED_5 : CONNECTION_REFUSED_NOT_AUTHORIZED;
        }
        String username = admitted.identity().name();
        boolean cleanStart = header.isCleanSession();
        String clientId = connect.payload().clientIdentifier();
        boolean assigned = false;
        if (clientId == null || clientId.isEmpty()) {
            if (!v5 && !cleanStart) {
                // MQTT 3.1.1 [MQTT-3.1.3-8]: an empty id needs CleanSession=1.
                return CONNECTION_REFUSED_IDENTIFIER_REJECTED;
            }
            clientId = assignedClientId();
            assigned = true;
        } else if (clientId.length() > server.config().maxClientIdLength()) {
            return v5 ? CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID : CONNECTION_REFUSED_IDENTIFIER_REJECTED;
        }
        Duration expiry = sessionExpiry(header, cleanStart);
        if (!expiry.isZero()
                && server.persistentSessions().full()
                && (cleanStart || !server.sessions().contains(clientId))) {
            log.warn(
                    "Refused a persistent session for {}: {} persistent sessions stored (the limit)",
                    clientId,
                    server.config().sessionLimits().maxSessions());
            return v5 ? CONNECTION_REFUSED_QUOTA_EXCEEDED : CONNECTION_REFUSED_SERVER_UNAVAILABLE;
        }
        SessionRegistry.Attached attached = server.sessions().attach(clientId, cleanStart, ctx.channel(), expiry);
        if (attached.previousOwner() != null && attached.previousOwner() != ctx.channel()) {
            server.clientLog()
                    .info(
                            log,
                            ClientLog.SESSION_TAKEOVER,
                            "Client {} from {} takes over the session of {}",
                            clientId,
                            ctx.channel().remoteAddress(),
                            attached.previousOwner().remoteAddress());
            attached.previousOwner().pipeline().fireUserEventTriggered(ChannelEvents.SESSION_TAKEN_OVER);
        }
        MqttConnection connection = new MqttConnection(
                version,
                clientId,
                username,
                attached.session(),
                expiry,
                intProperty(header, MqttProperties.RECEIVE_MAXIMUM, 65535),
                intProperty(header, MqttProperties.MAXIMUM_PACKET_SIZE, 0) & UNSIGNED_INT_MASK,
                Will.of(connect, version));
        if (attached.willCancelled()) {
            server.wills().cancelled(clientId);
        }
        MqttProperties props = v5 ? connAckProperties(header, assigned ? clientId : null, expiry) : null;
        CompletableFuture<Void> durable =
                server.persistentSessions().connected(attached.session(), attached.sessionPresent(), expiry);
        if (durable.isDone() && !durable.isCompletedExceptionally()) {
            finish(connection, attached.sessionPresent(), props, header.keepAliveTimeSeconds());
            return null;
        }
        // a persistent session is journaled before its CONNACK; packets the client sends meanwhile wait
        handler.holdPackets();
        ctx.channel().config().setAutoRead(false);
        durable.whenComplete((ok, error) -> ctx.executor().execute(() -> {
            ctx.channel().config().setAutoRead(true);
            if (error != null || !ctx.channel().isActive()) {
                server.sessions().detach(attached.session(), ctx.channel(), error != null ? Duration.ZERO : expiry);
                handler.dropHeld();
                if (error != null) {
                    log.error("Cannot journal the session of {}; CONNECT refused", connection.clientId(), error);
                    handler.refuse(
                            ctx,
                            v5 ? CONNECTION_REFUSED_UNSPECIFIED_ERROR : CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                            "session_store_failed");
                }
                return;
            }
            finish(connection, attached.sessionPresent(), props, header.keepAliveTimeSeconds());
        }));
        return null;
    }

    private void finish(MqttConnection connection, boolean present, MqttProperties props, int keepAliveSeconds) {
        ctx.writeAndFlush(MqttMessageBuilders.connAck()
                .returnCode(CONNECTION_ACCEPTED)
                .sessionPresent(present)
                .properties(props != null ? props : MqttProperties.NO_PROPERTIES)
                .build());
        PublishHandler publish = switchPipeline(connection, keepAliveSeconds);
        handler.replayHeld(publish, ctx.pipeline().context(publish));
        server.metrics().connect("accepted");
        log.debug(
                "Accepted {} client {} user '{}' from {} (session present: {})",
                version,
                connection.clientId(),
                connection.username(),
                ctx.channel().remoteAddress(),
                present);
    }

    private Duration sessionExpiry(MqttConnectVariableHeader header, boolean cleanStart) {
        Duration max = server.config().maxSessionExpiry();
        if (!v5) {
            return cleanStart ? Duration.ZERO : max;
        }
        Duration requested = requestedExpiry(header);
        return requested.compareTo(max) > 0 ? max : requested;
    }

    private static Duration requestedExpiry(MqttConnectVariableHeader header) {
        MqttProperties.MqttProperty<?> p = header.properties().getProperty(MqttProperties.SESSION_EXPIRY_INTERVAL);
        if (p == null || !(p.value() instanceof Integer seconds)) {
            return Duration.ZERO;
        }
        return Duration.ofSeconds(seconds & UNSIGNED_INT_MASK);
    }

    private static int intProperty(MqttConnectVariableHeader header, int id, int absent) {
        MqttProperties.MqttProperty<?> p = header.properties().getProperty(id);
        return p != null && p.value() instanceof Integer value ? value : absent;
    }

    private MqttProperties connAckProperties(MqttConnectVariableHeader header, String assignedId, Duration expiry) {
        MqttProperties props = new MqttProperties();
        props.add(new MqttProperties.IntegerProperty(
                MqttProperties.MAXIMUM_PACKET_SIZE, server.config().maxPacketSize()));
        props.add(new MqttProperties.IntegerProperty(
                MqttProperties.RECEIVE_MAXIMUM, server.config().receiveMaximum()));
        if (server.config().topicAliasMaximum() > 0) {
            props.add(new MqttProperties.IntegerProperty(
                    MqttProperties.TOPIC_ALIAS_MAXIMUM, server.config().topicAliasMaximum()));
        }
        // Retained messages, wildcard subscriptions, Subscription Identifiers and shared subscriptions are all
        // supported, and absent means available (MQTT 5 §3.2.2.3): the CONNACK says nothing of them.
        if (assignedId != null) {
            props.add(new MqttProperties.StringProperty(MqttProperties.ASSIGNED_CLIENT_IDENTIFIER, assignedId));
        }
        if (!expiry.equals(requestedExpiry(header))) {
            props.add(new MqttProperties.IntegerProperty(
                    MqttProperties.SESSION_EXPIRY_INTERVAL, (int) expiry.toSeconds()));
        }
        return props;
    }

    private PublishHandler switchPipeline(MqttConnection connection, int keepAliveSeconds) {
        ChannelPipeline pipeline = ctx.pipeline();
        if (keepAliveSeconds > 0) {
            // MQTT 3.1.1 §3.1.2.10 / 5 §3.1.2.10: one and a half times the keep-alive without a packet ends it.
            long idleMillis = keepAliveSeconds * 1500L;
            pipeline.addBefore(
                    MqttServerInitializer.DECODER,
                    MqttServerInitializer.KEEP_ALIVE,
                    new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS));
        }
        PublishHandler publish = new PublishHandler(server, connection);
        pipeline.replace(ctx.handler(), MqttServerInitializer.PUBLISH, publish);
        return publish;
    }
}
