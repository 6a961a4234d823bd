package io.tributary.edge.mqtt;

import static io.tributary.edge.mqtt.RawPackets.bytes;
import static io.tributary.edge.mqtt.RawPackets.concat;
import static io.tributary.edge.mqtt.RawPackets.stringProperty;
import static io.tributary.edge.mqtt.TestServer.PASSWORD;
import static io.tributary.edge.mqtt.TestServer.USER;
import static io.tributary.edge.mqtt.TestServer.packetId;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hand-made packets that break MQTT 5 property rules (and a 3.1.1 PUBLISH without topic) are refused as the
 * specification says: CONNACK or DISCONNECT with the reason code, then the connection closes; nothing is stored and
 * the violation is counted. The connect timeout is long here, so a close within the wait is the server's answer.
 */
class PacketValidationIT {

    private static final String TOPIC = "tributary/g/d/m";
    private TestServer server;

    @BeforeEach
    void startServer() throws Exception {
        server = TestServer.start(
                ManualSink.automatic(), b -> b.allowAnonymous(true).connectTimeout(Duration.ofSeconds(60)));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private RawMqttClient raw() throws InterruptedException {
        return RawMqttClient.to(server.address());
    }

    static Stream<Arguments> badPublishes() {
        return Stream.of(
                Arguments.of("topic alias 0", TOPIC, bytes(0x23, 0, 0), 0x94, "topic_alias_invalid"),
                Arguments.of("topic alias 11 (maximum is 10)", TOPIC, bytes(0x23, 0, 11), 0x94, "topic_alias_invalid"),
                Arguments.of("empty topic, alias never set", "", bytes(0x23, 0, 2), 0x82, "topic_alias_unknown"),
                Arguments.of("payload format indicator 5", TOPIC, bytes(0x01, 5), 0x82, "property_value_invalid"),
                Arguments.of(
                        "subscription identifier from a client",
                        TOPIC,
                        bytes(0x0B, 7),
                        0x82,
                        "subscription_identifier"),
                Arguments.of("unknown property id 0x7F", TOPIC, bytes(0x7F, 1), 0x81, "decode_error"),
                Arguments.of(
                        "session expiry, not a PUBLISH property",
                        TOPIC,
                        bytes(0x11, 0, 0, 0, 5),
                        0x81,
                        "property_not_allowed"),
                Arguments.of(
                        "payload format indicator twice", TOPIC, bytes(0x01, 0, 0x01, 1), 0x82, "duplicate_property"),
                Arguments.of(
                        "response topic with a wildcard",
                        TOPIC,
                        stringProperty(0x08, "reply/#"),
                        0x82,
                        "response_topic_invalid"),
                Arguments.of("empty topic without alias", "", new byte[0], 0x82, "empty_topic"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badPublishes")
    void mqtt5Publish_breakingAPropertyRule_disconnectWithReasonCode_notStored(
            String name, String topic, byte[] properties, int reasonCode, String tag) throws Exception {
        RawMqttClient client = raw();
        assertThat(client.connect(MqttVersion.MQTT_5, "v5", USER, PASSWORD))
                .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        client.sendBytes(RawPackets.publishV5(topic, 1, 1, properties, "x"));
        MqttMessage answer = client.next();
        assertThat(answer.fixedHeader().messageType()).as(name).isEqualTo(MqttMessageType.DISCONNECT);
        assertThat(((MqttReasonCodeAndPropertiesVariableHeader) answer.variableHeader()).reasonCode() & 0xff)
                .as(name)
                .isEqualTo(reasonCode);
        client.awaitClosed();
        assertThat(server.sink.size()).isZero();
        assertThat(server.count("tributary.edge.mqtt.malformed.packets", "reason", tag))
                .isEqualTo(1);
        server.assertStillServes();
    }

    @Test
    void mqtt311Publish_emptyTopic_closedWithoutAck() throws Exception {
        RawMqttClient client = raw();
        client.connect(MqttVersion.MQTT_3_1_1, "v3", USER, PASSWORD);
        client.sendBytes(RawPackets.publish311("", 1, 1, "x"));
        client.awaitClosed();
        assertThat(client.received()).isEmpty();
        assertThat(server.sink.size()).isZero();
        assertThat(server.count("tributary.edge.mqtt.malformed.packets", "reason", "empty_topic"))
                .isEqualTo(1);
        server.assertStillServes();
    }

    static Stream<Arguments> badConnects() {
        return Stream.of(
                Arguments.of("session expiry twice", bytes(0x11, 0, 0, 0, 10, 0x11, 0, 0, 0, 20), 0x82),
                Arguments.of(
                        "authentication method twice",
                        concat(stringProperty(0x15, "SCRAM-SHA-1"), stringProperty(0x15, "SCRAM-SHA-1")),
                        0x82),
                Arguments.of("maximum packet size 0", bytes(0x27, 0, 0, 0, 0), 0x82),
                Arguments.of("receive maximum 0", bytes(0x21, 0, 0), 0x82),
                Arguments.of("request problem information 2", bytes(0x17, 2), 0x82),
                Arguments.of("unknown property id 0x7F", bytes(0x7F, 1), 0x81),
                Arguments.of("topic alias, not a CONNECT property", bytes(0x23, 0, 1), 0x81),
                Arguments.of("authentication method (no enhanced auth)", stringProperty(0x15, "SCRAM-SHA-1"), 0x8C));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConnects")
    void mqtt5Connect_breakingAPropertyRule_connackWithReasonCode_thenClosed(
            String name, byte[] properties, int reasonCode) throws Exception {
        RawMqttClient client = raw();
        client.expectVersion(MqttVersion.MQTT_5);
        client.sendBytes(RawPackets.connectV5("bad", properties));
        MqttConnAckMessage connAck = (MqttConnAckMessage) client.next();
        assertThat(connAck.variableHeader().connectReturnCode().byteValue() & 0xff)
                .as(name)
                .isEqualTo(reasonCode);
        client.awaitClosed();
        assertThat(server.server.metrics().connections()).isZero();
        server.assertStillServes();
    }

    @Test
    void mqtt5TopicAlias_setThenUsed_storedUnderItsTopic_perConnection() throws Exception {
        RawMqttClient client = raw();
        client.expectVersion(MqttVersion.MQTT_5);
        client.sendBytes(RawPackets.connectV5("alias", new byte[0]));
        MqttConnAckMessage connAck = (MqttConnAckMessage) client.next();
        assertThat(connAck.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        assertThat(connAck.variableHeader().properties().getProperty(0x22).value())
                .isEqualTo(10);
        client.sendBytes(RawPackets.publishV5(TOPIC, 1, 1, bytes(0x23, 0, 10), "set"));
        assertThat(packetId(client.next())).isEqualTo(1);
        client.sendBytes(RawPackets.publishV5("", 1, 2, bytes(0x23, 0, 10), "used"));
        assertThat(packetId(client.next())).isEqualTo(2);
        // a topic with an alias already set replaces it
        client.sendBytes(RawPackets.publishV5("tributary/g/d2/m", 1, 3, bytes(0x23, 0, 10), "reset"));
        assertThat(packetId(client.next())).isEqualTo(3);
        client.sendBytes(RawPackets.publishV5("", 1, 4, bytes(0x23, 0, 10), "again"));
        assertThat(packetId(client.next())).isEqualTo(4);
        assertThat(server.sink.offers())
                .extracting(o -> o.publish().topic() + "=" + o.payloadText())
                .containsExactly(TOPIC + "=set", TOPIC + "=used", "tributary/g/d2/m=reset", "tributary/g/d2/m=again");
        client.close();

        // aliases belong to the connection: a new one of the same client id starts with none
        RawMqttClient next = raw();
        next.expectVersion(MqttVersion.MQTT_5);
        next.sendBytes(RawPackets.connectV5("alias", new byte[0]));
        next.next();
        next.sendBytes(RawPackets.publishV5("", 1, 5, bytes(0x23, 0, 10), "lost"));
        MqttMessage answer = next.next();
        assertThat(answer.fixedHeader().messageType()).isEqualTo(MqttMessageType.DISCONNECT);
        assertThat(((MqttReasonCodeAndPropertiesVariableHeader) answer.variableHeader()).reasonCode() & 0xff)
                .isEqualTo(0x82);
        next.awaitClosed();
        assertThat(server.sink.size()).isEqualTo(4);
    }

    @Test
    void paho5_usesTheAdvertisedTopicAliases_everyPublishStoredUnderItsTopic() throws Exception {
        // Paho's MQTT 5 client sets an alias for each new topic once the CONNACK allows it, then sends the alias alone
        org.eclipse.paho.mqttv5.client.MqttConnectionOptions options =
                new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
        options.setUserName(USER);
        options.setPassword(PASSWORD.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        org.eclipse.paho.mqttv5.client.MqttClient paho = new org.eclipse.paho.mqttv5.client.MqttClient(
                server.uri(), "paho5-alias", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        paho.connect(options);
        java.util.List<String> expected = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String topic = "tributary/g/d" + (i % 3) + "/m";
            paho.publish(topic, ("p" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8), 1, false);
            expected.add(topic + "=p" + i);
        }
        paho.disconnect();
        paho.close();
        assertThat(server.sink.offers())
                .extracting(o -> o.publish().topic() + "=" + o.payloadText())
                .containsExactlyElementsOf(expected);
        assertThat(server.count("tributary.edge.mqtt.malformed.packets", "reason", "topic_alias_unknown"))
                .isZero();
    }

    @Test
    void mqtt5Connect_rawButValid_accepted() throws Exception {
        // the same hand-made CONNECT with valid properties is accepted: the refusals above are the rules, not the bytes
        RawMqttClient client = raw();
        client.expectVersion(MqttVersion.MQTT_5);
        client.sendBytes(RawPackets.connectV5("good-raw", bytes(0x11, 0, 0, 0, 10, 0x21, 0, 10, 0x27, 0, 1, 0, 0)));
        MqttConnAckMessage connAck = (MqttConnAckMessage) client.next();
        assertThat(connAck.variableHeader().connectReturnCode()).isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        client.sendBytes(RawPackets.publishV5(TOPIC, 1, 3, bytes(0x01, 1, 0x26, 0, 1, 'k', 0, 1, 'v'), "ok"));
        assertThat(packetId(client.next())).isEqualTo(3);
        assertThat(server.sink.payloads()).containsExactly("ok");
        client.close();
    }
}
