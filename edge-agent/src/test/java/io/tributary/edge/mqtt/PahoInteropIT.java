package io.tributary.edge.mqtt;

import static io.tributary.edge.mqtt.TestServer.PASSWORD;
import static io.tributary.edge.mqtt.TestServer.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttSecurityException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Eclipse Paho Java (MQTT 3.1.1) against the endpoint. */
class PahoInteropIT {

    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(ManualSink.automatic());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private MqttClient client(String id) throws MqttException {
        return new MqttClient(server.uri(), id, new MemoryPersistence());
    }

    private static MqttConnectOptions options(String password) {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setUserName(USER);
        options.setPassword(password.toCharArray());
        options.setCleanSession(true);
        options.setAutomaticReconnect(false);
        options.setConnectionTimeout(5);
        return options;
    }

    @Test
    void publishQos012_withPassword_eachStoredOnceAndAcked() throws Exception {
        MqttClient paho = client("paho-1");
        try {
            paho.connect(options(PASSWORD));
            // MqttClient.publish blocks until the flow completes: PUBACK for QoS 1, PUBCOMP for QoS 2.
            for (int qos = 0; qos <= 2; qos++) {
                paho.publish(
                        "tributary/g/paho/q" + qos,
                        ("{\"qos\":" + qos + "}").getBytes(StandardCharsets.UTF_8),
                        qos,
                        false);
            }
            await().atMost(RawMqttClient.WAIT).until(() -> server.sink.size() == 3);
            assertThat(server.sink.payloads()).containsExactly("{\"qos\":0}", "{\"qos\":1}", "{\"qos\":2}");
            assertThat(server.sink.offer(2).publish().mapped()).isEqualTo(new TopicMapping.Match("g", "paho", "q2"));
            assertThat(server.sink.offer(2).publish().format()).isEqualTo(PayloadFormat.JSON);
            assertThat(server.count("tributary.edge.mqtt.acks", "type", "puback"))
                    .isEqualTo(1);
            assertThat(server.count("tributary.edge.mqtt.acks", "type", "pubcomp"))
                    .isEqualTo(1);
            paho.disconnect();
        } finally {
            paho.close(true);
        }
    }

    @Test
    void publishQos1_unmappedTopic_notCompletedAsSuccessConnectionClosedAndCounted() throws Exception {
        MqttClient paho = client("paho-3");
        try {
            paho.connect(options(PASSWORD));
            // blocks until PUBACK; a PUBACK here would report a message as delivered that the edge dropped
            assertThatThrownBy(() -> paho.publish(
                            "plant-1/press-7/temp", "{\"temp\":71.5}".getBytes(StandardCharsets.UTF_8), 1, false))
                    .isInstanceOf(MqttException.class)
                    .extracting(e -> ((MqttException) e).getReasonCode())
                    .isEqualTo((int) MqttException.REASON_CODE_CONNECTION_LOST);
            await().atMost(RawMqttClient.WAIT).until(() -> !paho.isConnected());
            assertThat(server.sink.size()).isZero();
            assertThat(server.count("tributary.edge.mqtt.publishes.refused", "reason", "topic_unmapped"))
                    .isEqualTo(1);
            assertThat(server.count("tributary.edge.mqtt.disconnects", "reason", "topic_unmapped"))
                    .isEqualTo(1);
            assertThat(server.count("tributary.edge.mqtt.acks", "type", "puback"))
                    .isZero();
        } finally {
            if (paho.isConnected()) {
                paho.disconnectForcibly(1000);
            }
            paho.close(true);
        }
    }

    @Test
    void connect_wrongPassword_refusedWithCode4() throws Exception {
        MqttClient paho = client("paho-2");
        try {
            assertThatThrownBy(() -> paho.connect(options("wrong")))
                    .isInstanceOf(MqttSecurityException.class)
                    .extracting(e -> ((MqttException) e).getReasonCode())
                    .isEqualTo((int) MqttException.REASON_CODE_FAILED_AUTHENTICATION);
        } finally {
            paho.close(true);
        }
    }
}
