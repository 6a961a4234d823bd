package io.tributary.edge.mqtt;

import static io.tributary.edge.mqtt.TestServer.PASSWORD;
import static io.tributary.edge.mqtt.TestServer.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad input closes one connection with a clear answer, is counted, and never stops the server. */
class MalformedInputIT {

    private static final String TOPIC = "tributary/g/d/m";
    /** CONNECT, MQTT 3.1.1, clean session, keep-alive 60, client id "c", no credentials. */
    private static final byte[] CONNECT_311 = {0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 1, 'c'};

    private TestServer server;

    @BeforeEach
    void startServer() throws Exception {
        server = TestServer.start(ManualSink.automatic(), b -> b.maxPacketSize(1024));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private RawMqttClient raw() throws InterruptedException {
        return RawMqttClient.to(server.address());
    }

    @Test
    void garbageBytes_beforeConnect_closedAndCounted() throws Exception {
        RawMqttClient bad = raw();
        bad.sendBytes((byte) 0x00, (byte) 0x02, (byte) 0xde, (byte) 0xad);
        bad.awaitClosed();
        assertThat(server.count("tributary.edge.mqtt.malformed.packets", "reason", "decode_error"))
                .isEqualTo(1);
        server.assertStillServes();
    }

    @Test
    void truncatedConnect_thenClientCloses_serverKeepsServing() throws Exception {
        RawMqttClient bad = raw();
        bad.sendBytes(java.util.Arrays.copyOf(CONNECT_311, 7));
        bad.close();
        server.assertStillServes();
        await().atMost(RawMqttClient.WAIT).until(() -> server.server.metrics().connections() == 0);
    }

    @Test
    void noConnect_withinTimeout_closedAndCounted() throws Exception {
        // A short timeout only here: on a loaded machine a first CONNECT can take longer than 300 ms to arrive.
        server.close();
        server = TestServer.start(ManualSink.automatic(), b -> b.connectTimeout(Duration.ofMillis(300)));
        RawMqttClient idle = raw();
        idle.awaitClosed();
        assertThat(server.count("tributary.edge.mqtt.connects", "result", "timeout"))
                .isEqualTo(1);
        server.assertStillServes();
    }

    @Test
    void publish_beforeConnect_closedAndCounted() throws Exception {
        RawMqttClient bad = raw();
        bad.publish(TOPIC, 1, 1, false, "too early");
        bad.awaitClosed();
        assertThat(server.count("tributary.edge.mqtt.malformed.packets", "reason", "packet_before_connect"))
                .isEqualTo(1);
        server.assertStillServes();
    }

    @Test
    void unsupportedProtocolLevel_connackUnacceptableVersion() throws Exception {
        RawMqttClient bad = raw();
        byte[] connect = CONNECT_311.clone();
        connect[8] = 6;
        bad.sendBytes(connect);
        MqttConnAckMessage connAck = (MqttConnAckMessage) bad.next();
        assertThat(connAck.variableHeader().connectReturnCode())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
        bad.awaitClosed();
        server.assertStillServes();
    }

    @Test
    void oversizedPublish_mqtt5_disconnect0x95() throws Exception {
        RawMqttClient big = raw();
        assertThat(big.connect(MqttVersion.MQTT_5, "big", USER, PASSWORD))
                .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        big.publish(TOPIC, 1, 1, false, "x".repeat(2000));
        MqttMessage disconnect = big.next();
        assertThat(disconnect.fixedHeader().messageType()).isEqualTo(MqttMessageType.DISCONNECT);
        assertThat(((MqttReasonCodeAndPropertiesVariableHeader) disconnect.variableHeader()).reasonCode() & 0xff)
                .isEqualTo(0x95);
        big.awaitClosed();
        assertThat(server.count("tributary.edge.mqtt.malformed.packets", "reason", "too_large"))
                .isEqualTo(1);
        server.assertStillServes();
    }

    @Test
    void oversizedPublish_mqtt311_closed() throws Exception {
        RawMqttClient big = raw();
        big.connect(MqttVersion.MQTT_3_1_1, "big", USER, PASSWORD);
        big.publish(TOPIC, 0, 0, false, "x".repeat(2000));
        big.awaitClosed();
        assertThat(server.count("tributary.edge.mqtt.malformed.packets", "reason", "too_large"))
                .isEqualTo(1);
        server.assertStillServes();
    }

    @Test
    void secondConnect_mqtt5_disconnectProtocolError() throws Exception {
        RawMqttClient twice = raw();
        twice.connect(MqttVersion.MQTT_5, "twice", USER, PASSWORD);
        twice.sendBytes(CONNECT_311);
        MqttMessage disconnect = twice.next();
        assertThat(disconnect.fixedHeader().messageType()).isEqualTo(MqttMessageType.DISCONNECT);
        twice.awaitClosed();
        assertThat(server.count("tributary.edge.mqtt.malformed.packets", "reason", "second_connect"))
                .isEqualTo(1);
        server.assertStillServes();
    }

    @Test
    void wrongPassword_eachVersion_rightRefusalCode() throws Exception {
        try (RawMqttClient v3 = raw();
                RawMqttClient v5 = raw();
                RawMqttClient anonymous = raw()) {
            assertThat(v3.connect(MqttVersion.MQTT_3_1_1, "w3", USER, "nope"))
                    .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
            assertThat(v5.connect(MqttVersion.MQTT_5, "w5", USER, "nope"))
                    .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD);
            assertThat(anonymous.connect(MqttVersion.MQTT_3_1_1, "anon", null, null))
                    .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
            v3.awaitClosed();
        }
        assertThat(server.count("tributary.edge.mqtt.connects", "result", "bad_credentials"))
                .isEqualTo(2);
        server.assertStillServes();
    }
}
