package io.tributary.edge.mqtt;

import static io.netty.handler.codec.mqtt.MqttConnectReturnCode.*;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.tributary.edge.mqtt.auth.ConnectionLimits;
import io.tributary.edge.mqtt.auth.Identity;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides who a connection is before {@link ConnectHandler} sees its CONNECT, and whether it may connect at all:
 *
 * <ol>
 *   <li>Identity: with a TLS client certificate, the name in it ({@link io.tributary.edge.mqtt.auth.CertificateIdentity});
 *       a user name in the CONNECT must then be absent or equal to it (else 0x87 / 3.1.1 0x05, {@code
 *       identity_mismatch}), and the password is not used. Without one, the user name and password, checked on the
 *       password thread ({@link ServerAccess}), never on the event loop (bad: 0x86 / 0x04); no user name: anonymous
 *       if allowed (else 0x87 / 0x05).
 *   <li>The will topic must be one the identity may publish to (0x87 / 0x05, {@code will_denied}).
 *   <li>Limits: all connections and connections per identity (0x97 Quota exceeded / 3.1.1 0x03 Server unavailable),
 *       released when the channel closes.
 * </ol>
 *
 * While it decides, the channel stops reading and keeps what was already decoded after the CONNECT (a client may send
 * packets before its CONNACK); once admitted it records the {@link Admitted} identity on the channel, passes the
 * CONNECT and those packets on and leaves the pipeline. Every refusal is answered with CONNACK and a close, counted in
 * {@code tributary_edge_mqtt_access_denied_total{action="connect"}} and logged (rate-limited). Undecodable packets and
 * unsupported versions pass through untouched, for {@link ConnectHandler} to refuse. One instance per channel; event
 * loop only.
 */
final class ConnectGate extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ConnectGate.class);

    /** Set on the channel once its CONNECT is admitted; {@link ConnectAcceptor} refuses a CONNECT without it. */
    static final AttributeKey<Admitted> ADMITTED = AttributeKey.valueOf("tributary.mqtt.admitted");

    /** What the gate established. */
    record Admitted(Identity identity) {}

    private final ServerContext server;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private boolean deciding;

    ConnectGate(ServerContext server) {
        this.server = server;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (deciding) {
            held.add(msg);
            return;
        }
        if (!(msg instanceof MqttConnectMessage connect)
                || connect.decoderResult().isFailure()) {
            ctx.fireChannelRead(msg);
            return;
        }
        MqttVersion version = ConnectHandler.versionOf(connect.variableHeader());
        if (version != MqttVersion.MQTT_3_1_1 && version != MqttVersion.MQTT_5) {
            ctx.fireChannelRead(msg);
            return;
        }
        deciding = true;
        ctx.channel().config().setAutoRead(false);
        identify(ctx, connect, version == MqttVersion.MQTT_5);
    }

    private void identify(ChannelHandlerContext ctx, MqttConnectMessage connect, boolean v5) {
        String username = connect.payload().userName();
        X509Certificate certificate = peerCertificate(ctx);
        if (certificate != null) {
            Optional<String> name =
                    server.access().config().certificateIdentity().of(certificate);
            if (name.isEmpty()) {
                refuse(
                        ctx,
                        connect,
                        v5 ? CONNECTION_REFUSED_NOT_AUTHORIZED_5 : CONNECTION_REFUSED_NOT_AUTHORIZED,
                        "no_certificate_identity",
                        "the client certificate has no "
                                + server.access().config().certificateIdentity());
            } else if (username != null && !username.equals(name.get())) {
                refuse(
                        ctx,
                        connect,
                        v5 ? CONNECTION_REFUSED_NOT_AUTHORIZED_5 : CONNECTION_REFUSED_NOT_AUTHORIZED,
                        "identity_mismatch",
                        "user name '" + username + "' is not the certificate's identity '" + name.get() + "'");
            } else {
                admit(ctx, connect, v5, new Identity(name.get(), Identity.Source.CERTIFICATE));
            }
        } else if (username == null) {
            if (server.config().allowAnonymous()) {
                admit(ctx, connect, v5, Identity.ANONYMOUS);
            } else {
                refuse(
                        ctx,
                        connect,
                        v5 ? CONNECTION_REFUSED_NOT_AUTHORIZED_5 : CONNECTION_REFUSED_NOT_AUTHORIZED,
                        "not_authorized",
                        "no user name, and anonymous clients are not allowed");
            }
        } else {
            byte[] password = connect.payload().passwordInBytes();
            byte[] given = password == null ? new byte[0] : password;
            try {
                server.access().verifier().execute(() -> {
                    boolean valid = verify(username, given);
                    ctx.executor().execute(() -> {
                        if (valid) {
                            admit(ctx, connect, v5, new Identity(username, Identity.Source.PASSWORD));
                        } else {
                            refuse(
                                    ctx,
                                    connect,
                                    v5
                                            ? CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD
                                            : CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
                                    "bad_credentials",
                                    "wrong user name or password");
                        }
                    });
                });
            } catch (RejectedExecutionException e) {
                refuse(
                        ctx,
                        connect,
                        v5 ? CONNECTION_REFUSED_SERVER_UNAVAILABLE_5 : CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                        "verifier_busy",
                        ServerAccess.MAX_WAITING_CHECKS + " password checks already waiting");
            }
        }
    }

    private boolean verify(String username, byte[] password) {
        try {
            return server.access().config().passwords().verify(username, password);
        } catch (RuntimeException e) {
            log.error("Password check of user '{}' failed; refusing the CONNECT", username, e);
            return false;
        }
    }

    private void admit(ChannelHandlerContext ctx, MqttConnectMessage connect, boolean v5, Identity identity) {
        if (!ctx.channel().isActive()) {
            releaseHeld();
            return;
        }
        String clientId = connect.payload().clientIdentifier();
        boolean hasId = clientId != null && !clientId.isEmpty();
        if (connect.variableHeader().isWillFlag()
                && plainTopic(connect.payload().willTopic())) {
            String topic = connect.payload().willTopic();
            if (!server.access()
                    .config()
                    .permissions(identity, hasId ? clientId : null)
                    .mayPublish(topic)) {
                refuse(
                        ctx,
                        connect,
                        v5 ? CONNECTION_REFUSED_NOT_AUTHORIZED_5 : CONNECTION_REFUSED_NOT_AUTHORIZED,
                        "will_denied",
                        "the ACL does not let '" + identity.name() + "' publish its will to '" + topic + "'");
                return;
            }
        }
        // a client without id gets a fresh one from ConnectAcceptor: it can take over nothing
        String key = hasId ? clientId : "\u0000" + ctx.channel().id().asLongText();
        ConnectionLimits.Admission admission = server.access().limits().admit(identity, key);
        if (admission.refusal() != null) {
            boolean global = admission.refusal() == ConnectionLimits.Refusal.CONNECTION_LIMIT;
            refuse(
                    ctx,
                    connect,
                    v5 ? CONNECTION_REFUSED_QUOTA_EXCEEDED : CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                    global ? "connection_limit" : "identity_connection_limit",
                    global
                            ? "mqtt.limits.connections ("
                                    + server.access().config().limits().connections() + ") reached"
                            : "mqtt.limits.connections-per-identity ("
                                    + server.access().config().limits().connectionsPerIdentity()
                                    + ") reached for '" + identity.name() + "'");
            return;
        }
        ConnectionLimits.Ticket ticket = admission.ticket();
        ctx.channel().closeFuture().addListener(f -> server.access().limits().release(ticket));
        ctx.channel().attr(ADMITTED).set(new Admitted(identity));
        // reading resumes at the next turn of the loop, after the packets held here went through
        ctx.channel().config().setAutoRead(true);
        ctx.fireChannelRead(connect);
        while (!held.isEmpty()) {
            ctx.fireChannelRead(held.poll());
        }
        ctx.pipeline().remove(this);
    }

    private void refuse(
            ChannelHandlerContext ctx,
            MqttConnectMessage connect,
            MqttConnectReturnCode code,
            String reason,
            String why) {
        releaseHeld();
        if (!ctx.channel().isActive()) {
            return;
        }
        server.access().metrics().denied("connect", reason);
        server.metrics().connect(reason);
        server.clientLog()
                .info(
                        log,
                        ClientLog.CONNECT_REFUSED,
                        "Refused CONNECT of client '{}' from {}: {} ({}, {})",
                        connect.payload().clientIdentifier(),
                        ctx.channel().remoteAddress(),
                        why,
                        reason,
                        code);
        ctx.writeAndFlush(MqttMessageBuilders.connAck().returnCode(code).build())
                .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseHeld();
        ctx.fireChannelInactive();
    }

    private void releaseHeld() {
        while (!held.isEmpty()) {
            ReferenceCountUtil.release(held.poll());
        }
    }

    private static boolean plainTopic(String topic) {
        return topic != null && !topic.isEmpty() && topic.indexOf('+') < 0 && topic.indexOf('#') < 0;
    }

    private static X509Certificate peerCertificate(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return null;
        }
        try {
            Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x509 ? x509 : null;
        } catch (SSLPeerUnverifiedException e) {
            return null; // no client certificate asked for (no mqtt.tls.client-ca)
        }
    }
}
