package io.tributary.edge.mqtt;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.ssl.SslContext;
import java.util.Optional;

/**
 * Builds the pipeline of one accepted connection, with named handlers:
 *
 * <pre>
 * [tls] → propertyScanner → [keepAlive] → mqttDecoder → mqttEncoder → [connectGate] → connect | publish → guard
 * </pre>
 *
 * {@code tls} only on the TLS listener; {@code connectGate} ({@link ConnectGate}: identity, will ACL, connection
 * limits) leaves once it admitted the CONNECT; {@code keepAlive} (an {@code IdleStateHandler}) and {@code publish} replace
 * {@code connect} once CONNECT is accepted. The decoder enforces {@link MqttServerConfig#maxPacketSize()} before
 * reading a body; {@link PropertyScanner} frames packets first to catch repeated MQTT 5 properties. Sharable across channels; runs on the accepting event loop.
 */
public final class MqttServerInitializer extends ChannelInitializer<SocketChannel> {

    static final String TLS = "tls";
    static final String KEEP_ALIVE = "keepAlive";
    static final String SCANNER = "propertyScanner";
    static final String DECODER = "mqttDecoder";
    static final String ENCODER = "mqttEncoder";
    static final String GATE = "connectGate";
    static final String CONNECT = "connect";
    static final String PUBLISH = "publish";
    static final String READ_HOLDS = "readHolds";
    static final String GUARD = "guard";

    private final ServerContext server;
    private final Optional<SslContext> tls;
    private final ExceptionGuard guard;

    MqttServerInitializer(ServerContext server, Optional<SslContext> tls) {
        this.server = server;
        this.tls = tls;
        this.guard = new ExceptionGuard(server.metrics(), server.clientLog());
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        tls.ifPresent(ctx -> p.addLast(TLS, ctx.newHandler(ch.alloc())));
        MqttServerConfig config = server.config();
        p.addLast(SCANNER, new PropertyScanner(config.maxPacketSize()));
        p.addLast(DECODER, new MqttDecoder(config.maxPacketSize(), config.maxClientIdLength()));
        p.addLast(ENCODER, MqttEncoder.INSTANCE);
        p.addLast(GATE, new ConnectGate(server));
        p.addLast(CONNECT, new ConnectHandler(server));
        p.addLast(GUARD, guard);
    }
}
