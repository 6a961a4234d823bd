package io.tributary.edge.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/** An {@link MqttServer} on 127.0.0.1, ephemeral port, one user, a {@link ManualSink}; for integration tests. */
final class TestServer implements AutoCloseable {

    static final String USER = "device";
    static final String PASSWORD = "s3cret";

    final ManualSink sink;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MqttServer server;

    private TestServer(ManualSink sink, MqttServerConfig config, java.time.Clock clock) throws Exception {
        this.sink = sink;
        this.server = new MqttServer(config, StaticAuthenticator.of(Map.of(USER, PASSWORD)), sink, registry, clock);
        server.start();
    }

    static TestServer start(ManualSink sink) throws Exception {
        return start(sink, b -> {});
    }

    static TestServer start(ManualSink sink, Consumer<MqttServerConfig.Builder> tweak) throws Exception {
        return start(sink, java.time.Clock.systemUTC(), tweak);
    }

    /** As {@link #start(ManualSink, Consumer)} with the clock of receive times and message expiry. */
    static TestServer start(ManualSink sink, java.time.Clock clock, Consumer<MqttServerConfig.Builder> tweak)
            throws Exception {
        MqttServerConfig.Builder builder = MqttServerConfig.builder()
                .host("127.0.0.1")
                .port(0)
                .ioThreads(1)
                .connectTimeout(Duration.ofSeconds(5));
        tweak.accept(builder);
        return new TestServer(sink, builder.build(), clock);
    }

    /**
     * A server as a local broker: {@code tributary/#} forwarded to the (automatic) sink, other topics local. Unchecked,
     * for field initialisers ({@code @AutoClose TestServer server = TestServer.localBroker()}).
     */
    static TestServer localBroker() {
        try {
            return start(ManualSink.automatic(), b -> b.forward(java.util.List.of("tributary/#")));
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the test server", e);
        }
    }

    /** A connected Paho MQTT 3.1.1 client with the test user's password. */
    org.eclipse.paho.client.mqttv3.MqttClient paho3(String id) throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient paho = new org.eclipse.paho.client.mqttv3.MqttClient(
                uri(), id, new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        org.eclipse.paho.client.mqttv3.MqttConnectOptions options =
                new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
        options.setUserName(USER);
        options.setPassword(PASSWORD.toCharArray());
        paho.connect(options);
        return paho;
    }

    InetSocketAddress address() {
        return server.plainAddress().orElseThrow();
    }

    String uri() {
        return "tcp://127.0.0.1:" + address().getPort();
    }

    /** Value of a counter, 0 when it was never incremented. */
    double count(String name, String... tags) {
        Counter counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    /**
     * The server's shared parts without a listener, for tests of one handler on an embedded channel: an automatic
     * sink, retained messages in memory, every password accepted.
     */
    static ServerContext context(MqttServerConfig config, io.micrometer.core.instrument.MeterRegistry registry) {
        return ServerContext.create(
                config,
                ManualSink.automatic(),
                new MqttMetrics(registry),
                java.time.Clock.systemUTC(),
                new InMemoryRetainedMessages(),
                ServerAccess.create(
                        io.tributary.edge.mqtt.auth.AccessConfig.passwordsOnly((u, p) -> true),
                        new AccessMetrics(registry)),
                null);
    }

    static int packetId(MqttMessage msg) {
        return ((MqttMessageIdVariableHeader) msg.variableHeader()).messageId();
    }

    static int reasonCode(MqttMessage msg) {
        return msg.variableHeader() instanceof MqttPubReplyMessageVariableHeader reply ? reply.reasonCode() & 0xff : 0;
    }

    /** A HiveMQ MQTT 5 client for this server, not connected yet. */
    com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient hivemq5Unconnected(String id) {
        return com.hivemq.client.mqtt.MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(address().getPort())
                .buildBlocking();
    }

    /** Connects a HiveMQ MQTT 5 client with the test user's password. */
    static com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck logIn(
            com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient client) {
        return client.connectWith()
                .simpleAuth()
                .username(USER)
                .password(PASSWORD.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
    }

    /** A connected HiveMQ MQTT 5 client. */
    com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient hivemq5(String id) {
        com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient client = hivemq5Unconnected(id);
        logIn(client);
        return client;
    }

    /** A connected HiveMQ MQTT 3.1.1 client. */
    com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient hivemq3(String id) {
        com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient client = com.hivemq.client.mqtt.MqttClient.builder()
                .useMqttVersion3()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(address().getPort())
                .buildBlocking();
        client.connectWith()
                .simpleAuth()
                .username(USER)
                .password(PASSWORD.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        return client;
    }

    /** A well-behaved MQTT 5 client still connects and gets its PUBACK: bad input did not stop the server. */
    void assertStillServes() throws Exception {
        try (RawMqttClient good = RawMqttClient.to(address())) {
            org.assertj.core.api.Assertions.assertThat(
                            good.connect(io.netty.handler.codec.mqtt.MqttVersion.MQTT_5, "good", USER, PASSWORD))
                    .isEqualTo(io.netty.handler.codec.mqtt.MqttConnectReturnCode.CONNECTION_ACCEPTED);
            good.publish("tributary/g/d/still-serving", 1, 1, false, "ok");
            org.assertj.core.api.Assertions.assertThat(packetId(good.next())).isEqualTo(1);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
