package io.tributary.edge.mqtt;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bare MQTT client on Netty's codec for tests that need packet-level control: exact packet ids, DUP flags, raw
 * garbage bytes. Received packets queue up in {@link #received()}. One per test; closed by {@link #close()}.
 */
final class RawMqttClient implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(5);

    /** One daemon event loop for every raw client of the test JVM: tests need not start or stop one. */
    private static final EventLoopGroup SHARED = new io.netty.channel.MultiThreadIoEventLoopGroup(
            1,
            new io.netty.util.concurrent.DefaultThreadFactory("raw-mqtt-client", true),
            io.netty.channel.nio.NioIoHandler.newFactory());

    private final Channel channel;
    private final BlockingQueue<MqttMessage> received = new LinkedBlockingQueue<>();

    RawMqttClient(EventLoopGroup group, InetSocketAddress server) throws InterruptedException {
        this.channel = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(
                                        new MqttDecoder(1 << 20), MqttEncoder.INSTANCE); // the server's 256 KiB packets
                        ch.pipeline().addLast(new SimpleChannelInboundHandler<MqttMessage>(false) {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
                                if (msg instanceof io.netty.handler.codec.mqtt.MqttPublishMessage p) {
                                    // keep the payload readable after the release below
                                    received.add(p.replace(Unpooled.copiedBuffer(p.payload())));
                                    ReferenceCountUtil.release(msg);
                                    return;
                                }
                                ReferenceCountUtil.release(msg);
                                received.add(msg);
                            }
                        });
                    }
                })
                .connect(server)
                .sync()
                .channel();
    }

    /** A client connected (TCP only, no CONNECT yet) to {@code server}, on the shared event loop. */
    static RawMqttClient to(InetSocketAddress server) throws InterruptedException {
        return new RawMqttClient(SHARED, server);
    }

    /** Waits until the server has closed the connection, then releases it. */
    void awaitClosed() {
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> !isOpen());
        close();
    }

    /** Sends CONNECT and returns the CONNACK's return code. */
    MqttConnectReturnCode connect(MqttVersion version, String clientId, String user, String password)
            throws InterruptedException {
        return connect(version, clientId, user, password, MqttProperties.NO_PROPERTIES);
    }

    /** Sends CONNECT with MQTT 5 properties and returns the CONNACK's return code. */
    MqttConnectReturnCode connect(
            MqttVersion version, String clientId, String user, String password, MqttProperties properties)
            throws InterruptedException {
        MqttMessageBuilders.ConnectBuilder connect = MqttMessageBuilders.connect()
                .protocolVersion(version)
                .clientId(clientId)
                .cleanSession(true)
                .properties(properties)
                .keepAlive(30);
        if (user != null) {
            connect.hasUser(true).username(user);
        }
        if (password != null) {
            connect.hasPassword(true).password(password.getBytes(StandardCharsets.UTF_8));
        }
        send(connect.build());
        MqttMessage connAck = next();
        return ((io.netty.handler.codec.mqtt.MqttConnAckMessage) connAck)
                .variableHeader()
                .connectReturnCode();
    }

    /**
     * Sends CONNECT with Clean Start 0 (MQTT 5: with Session Expiry Interval {@code expirySeconds}) as the test user
     * and returns the CONNACK.
     */
    io.netty.handler.codec.mqtt.MqttConnAckMessage connectPersistent(
            MqttVersion version, String clientId, int expirySeconds) throws InterruptedException {
        return connectPersistent(version, clientId, expirySeconds, TestServer.USER, TestServer.PASSWORD);
    }

    /** As above as {@code user} (null: anonymous). */
    io.netty.handler.codec.mqtt.MqttConnAckMessage connectPersistent(
            MqttVersion version, String clientId, int expirySeconds, String user, String password)
            throws InterruptedException {
        MqttProperties props = new MqttProperties();
        if (version == MqttVersion.MQTT_5) {
            props.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, expirySeconds));
        }
        MqttMessageBuilders.ConnectBuilder connect = MqttMessageBuilders.connect()
                .protocolVersion(version)
                .clientId(clientId)
                .cleanSession(false)
                .properties(props)
                .keepAlive(30);
        if (user != null) {
            connect.hasUser(true).username(user).hasPassword(true).password(password.getBytes(StandardCharsets.UTF_8));
        }
        send(connect.build());
        return (io.netty.handler.codec.mqtt.MqttConnAckMessage) next();
    }

    void publish(String topic, int qos, int packetId, boolean dup, String payload) {
        io.netty.handler.codec.mqtt.MqttPublishMessage publish = MqttMessageBuilders.publish()
                .topicName(topic)
                .qos(MqttQoS.valueOf(qos))
                .messageId(packetId)
                .retained(false)
                .payload(Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8))
                .properties(MqttProperties.NO_PROPERTIES)
                .build();
        if (dup) {
            publish = new io.netty.handler.codec.mqtt.MqttPublishMessage(
                    new io.netty.handler.codec.mqtt.MqttFixedHeader(
                            publish.fixedHeader().messageType(),
                            true,
                            publish.fixedHeader().qosLevel(),
                            false,
                            0),
                    publish.variableHeader(),
                    publish.payload());
        }
        send(publish);
    }

    /** Sends SUBSCRIBE for one filter and returns the SUBACK's codes. */
    java.util.List<Integer> subscribe(
            int packetId,
            String filter,
            io.netty.handler.codec.mqtt.MqttSubscriptionOption option,
            MqttProperties props)
            throws InterruptedException {
        send(MqttMessageBuilders.subscribe()
                .messageId(packetId)
                .addSubscription(filter, option)
                .properties(props)
                .build());
        MqttMessage ack = next();
        return ((io.netty.handler.codec.mqtt.MqttSubAckMessage) ack).payload().reasonCodes();
    }

    /** The next packet, which must be a PUBLISH. */
    io.netty.handler.codec.mqtt.MqttPublishMessage nextPublish() throws InterruptedException {
        MqttMessage msg = next();
        if (!(msg instanceof io.netty.handler.codec.mqtt.MqttPublishMessage publish)) {
            throw new AssertionError(
                    "expected PUBLISH, got " + msg.fixedHeader().messageType());
        }
        return publish;
    }

    /** Sends PUBACK, PUBREC or PUBCOMP for a packet id. */
    void reply(io.netty.handler.codec.mqtt.MqttMessageType type, int packetId) {
        send(new MqttMessage(
                new io.netty.handler.codec.mqtt.MqttFixedHeader(type, false, MqttQoS.AT_MOST_ONCE, false, 0),
                io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader.from(packetId)));
    }

    void pubRel(int packetId) {
        send(new MqttMessage(
                new io.netty.handler.codec.mqtt.MqttFixedHeader(
                        io.netty.handler.codec.mqtt.MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader.from(packetId)));
    }

    void send(Object message) {
        channel.writeAndFlush(message).syncUninterruptibly();
    }

    /** Writes QoS 0 publishes without waiting for the socket: a publisher faster than the server reads. */
    void publishWithoutWaiting(String topic, String payload, int count) {
        for (int i = 0; i < count; i++) {
            channel.write(MqttMessageBuilders.publish()
                    .topicName(topic)
                    .qos(MqttQoS.AT_MOST_ONCE)
                    .payload(Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8))
                    .properties(MqttProperties.NO_PROPERTIES)
                    .build());
        }
        channel.flush();
    }

    /**
     * Tells this client's decoder which version answers come in, for CONNECTs sent as raw bytes (Netty's encoder
     * records it when it writes a CONNECT itself; the attribute name is its MqttCodecUtil's).
     */
    void expectVersion(MqttVersion version) {
        channel.attr(io.netty.util.AttributeKey.<MqttVersion>valueOf("NETTY_CODEC_MQTT_VERSION"))
                .set(version);
    }

    void sendBytes(byte... bytes) {
        channel.writeAndFlush(Unpooled.wrappedBuffer(bytes)).syncUninterruptibly();
    }

    /** Next received packet; fails the test after {@link #WAIT}. */
    MqttMessage next() throws InterruptedException {
        MqttMessage msg = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (msg == null) {
            throw new AssertionError("no packet from the server within " + WAIT);
        }
        return msg;
    }

    BlockingQueue<MqttMessage> received() {
        return received;
    }

    /** Stops (or resumes) reading from the socket: a subscriber that does not keep up. */
    void pauseReading(boolean paused) {
        channel.config().setAutoRead(!paused);
    }

    boolean isOpen() {
        return channel.isActive();
    }

    void shutdownOutput() {
        ((SocketChannel) channel).shutdownOutput().syncUninterruptibly();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
