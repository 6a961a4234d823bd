package io.tributary.edge.mqtt;

import static io.tributary.edge.mqtt.TestServer.PASSWORD;
import static io.tributary.edge.mqtt.TestServer.USER;
import static io.tributary.edge.mqtt.TestServer.packetId;
import static io.tributary.edge.mqtt.TestServer.reasonCode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Packet-level behaviour of PUBLISH handling against a real server, with a raw Netty MQTT client. */
class PublishFlowIT {

    private static final String TOPIC = "tributary/plant-1/pump-7/temperature";
    private static EventLoopGroup clients;
    private TestServer server;
    private RawMqttClient client;

    @BeforeAll
    static void startClients() {
        clients = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopClients() {
        clients.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private RawMqttClient connect(ManualSink sink, MqttVersion version) throws Exception {
        server = TestServer.start(sink);
        client = new RawMqttClient(clients, server.address());
        assertThat(client.connect(version, "raw-1", USER, PASSWORD))
                .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        return client;
    }

    @Test
    void qos1Publish_sinkNotYetDurable_pubackWithheldUntilStored() throws Exception {
        ManualSink sink = ManualSink.manual();
        connect(sink, MqttVersion.MQTT_3_1_1).publish(TOPIC, 1, 11, false, "21.5");

        await().atMost(RawMqttClient.WAIT).until(() -> sink.size() == 1);
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(2))
                .until(() -> client.received().isEmpty());

        sink.offer(0).future().complete(SinkResult.STORED);
        MqttMessage ack = client.next();
        assertThat(ack.fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBACK);
        assertThat(packetId(ack)).isEqualTo(11);
        assertThat(server.count("tributary.edge.mqtt.acks", "type", "puback")).isEqualTo(1);
    }

    @Test
    void qos1Publishes_sinkCompletesOutOfOrder_acksInPublishOrder() throws Exception {
        ManualSink sink = ManualSink.manual();
        connect(sink, MqttVersion.MQTT_5);
        client.publish(TOPIC, 1, 1, false, "a");
        client.publish(TOPIC, 1, 2, false, "b");
        await().atMost(RawMqttClient.WAIT).until(() -> sink.size() == 2);

        sink.offer(1).future().complete(SinkResult.STORED);
        await().during(Duration.ofMillis(200))
                .atMost(Duration.ofSeconds(2))
                .until(() -> client.received().isEmpty());
        sink.offer(0).future().complete(SinkResult.STORED);

        assertThat(packetId(client.next())).isEqualTo(1);
        assertThat(packetId(client.next())).isEqualTo(2);
    }

    @Test
    void qos2_pubrelBeforePubrec_isAProtocolError() throws Exception {
        ManualSink sink = ManualSink.manual();
        connect(sink, MqttVersion.MQTT_5).publish(TOPIC, 2, 7, false, "pending");
        await().atMost(RawMqttClient.WAIT).until(() -> sink.size() == 1);
        client.pubRel(7); // its store still in flight: a PUBCOMP now would free an id whose receipt may yet commit

        client.awaitClosed();
        assertThat(server.count("tributary.edge.mqtt.malformed.packets", "reason", "pubrel_before_pubrec"))
                .isEqualTo(1);
    }

    @Test
    void qos2Publish_duplicateBeforePubrel_storedOnceAndPubrecRepeated() throws Exception {
        ManualSink sink = ManualSink.automatic();
        connect(sink, MqttVersion.MQTT_3_1_1).publish(TOPIC, 2, 42, false, "once");
        MqttMessage pubrec = client.next();
        assertThat(pubrec.fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBREC);

        client.publish(TOPIC, 2, 42, true, "once");
        MqttMessage again = client.next();
        assertThat(again.fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBREC);
        assertThat(packetId(again)).isEqualTo(42);

        client.pubRel(42);
        assertThat(client.next().fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBCOMP);
        assertThat(sink.payloads()).containsExactly("once");
        assertThat(server.count("tributary.edge.mqtt.publishes.refused", "reason", "duplicate"))
                .isEqualTo(1);

        // After PUBREL the id is free again: a new message with it is stored.
        client.publish(TOPIC, 2, 42, false, "twice");
        assertThat(client.next().fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBREC);
        assertThat(sink.payloads()).containsExactly("once", "twice");
    }

    @Test
    void qos1Publish_quotaExceededOnMqtt5_puback0x97() throws Exception {
        connect(ManualSink.automatic().answering(SinkResult.QUOTA_EXCEEDED), MqttVersion.MQTT_5)
                .publish(TOPIC, 1, 5, false, "x");
        MqttMessage ack = client.next();
        assertThat(reasonCode(ack)).isEqualTo(0x97);
        assertThat(server.count("tributary.edge.mqtt.publishes.refused", "reason", "quota_exceeded"))
                .isEqualTo(1);
    }

    @Test
    void qos1Publish_quotaExceededOnMqtt311_ackWithheldConnectionKept() throws Exception {
        connect(ManualSink.automatic().answering(SinkResult.QUOTA_EXCEEDED), MqttVersion.MQTT_3_1_1)
                .publish(TOPIC, 1, 5, false, "x");
        await().during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(2))
                .until(() -> client.received().isEmpty());
        client.send(MqttMessage.PINGREQ);
        assertThat(client.next().fixedHeader().messageType()).isEqualTo(MqttMessageType.PINGRESP);
        assertThat(server.count("tributary.edge.mqtt.publishes.refused", "reason", "quota_exceeded"))
                .isEqualTo(1);
    }

    @Test
    void qos1Publish_unmappedTopic_mqtt5Gets0x90AndNothingStored() throws Exception {
        ManualSink sink = ManualSink.automatic();
        connect(sink, MqttVersion.MQTT_5).publish("other/topic", 1, 3, false, "x");
        assertThat(reasonCode(client.next())).isEqualTo(0x90);
        assertThat(sink.size()).isZero();
        assertThat(server.count("tributary.edge.mqtt.publishes.refused", "reason", "topic_unmapped"))
                .isEqualTo(1);
    }

    @ParameterizedTest(name = "QoS {0}")
    @ValueSource(ints = {1, 2})
    void qos1Or2Publish_unmappedTopic_mqtt311NoPubackOrPubrecConnectionClosed(int qos) throws Exception {
        ManualSink sink = ManualSink.automatic();
        connect(sink, MqttVersion.MQTT_3_1_1).publish("tributary/only-group", qos, 3, false, "x");
        // 3.1.1 has no negative PUBACK/PUBREC: one would tell the client the message is safe while it is dropped.
        await().atMost(RawMqttClient.WAIT).until(() -> !client.isOpen());
        assertThat(client.received()).isEmpty();
        assertThat(sink.size()).isZero();
        assertThat(server.count("tributary.edge.mqtt.publishes.refused", "reason", "topic_unmapped"))
                .isEqualTo(1);
        assertThat(server.count("tributary.edge.mqtt.disconnects", "reason", "topic_unmapped"))
                .isEqualTo(1);
    }

    @Test
    void unmappedAfterStoredPublish_mqtt311_storedOneAckedBeforeTheClose() throws Exception {
        ManualSink sink = ManualSink.manual();
        connect(sink, MqttVersion.MQTT_3_1_1).publish(TOPIC, 1, 1, false, "kept");
        client.publish("other/topic", 1, 2, false, "refused");
        await().atMost(RawMqttClient.WAIT).until(() -> sink.size() == 1);
        // closed only once the earlier publish is answered, so that its PUBACK is not lost with the connection
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(client::isOpen);

        sink.offer(0).future().complete(SinkResult.STORED);
        MqttMessage ack = client.next();
        assertThat(ack.fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBACK);
        assertThat(packetId(ack)).isEqualTo(1);
        await().atMost(RawMqttClient.WAIT).until(() -> !client.isOpen());
        assertThat(client.received()).isEmpty();
    }
}
