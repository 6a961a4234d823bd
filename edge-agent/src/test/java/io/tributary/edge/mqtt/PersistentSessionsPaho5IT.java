package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Persistent sessions with the Paho MQTT 5 client: Clean Start 0 with a Session Expiry Interval, a QoS 2
 * subscription, QoS 2 messages queued while it is away and across a server restart, then delivered in order, once.
 */
class PersistentSessionsPaho5IT {

    @TempDir
    Path dir;

    private TestServer start() throws Exception {
        return TestServer.start(
                ManualSink.automatic(), b -> b.forward(List.of("tributary/#")).stateDirectory(dir));
    }

    private static MqttConnectionOptions options() {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(TestServer.USER);
        options.setPassword(TestServer.PASSWORD.getBytes(StandardCharsets.UTF_8));
        options.setCleanStart(false);
        options.setSessionExpiryInterval(300L);
        return options;
    }

    @Test
    void paho5_qos2Queued_acrossRestart_deliveredOnceInOrder_withSessionPresent() throws Exception {
        TestServer server = start();
        try {
            MqttClient first = new MqttClient(server.uri(), "paho5-p", new MemoryPersistence());
            assertThat(first.connectWithResult(options()).getSessionPresent()).isFalse();
            first.subscribe("local/p5/#", 2);
            first.disconnect();
            first.close();
            try (RawMqttClient pub = RawMqttClient.to(server.address())) {
                pub.connect(MqttVersion.MQTT_5, "pub", TestServer.USER, TestServer.PASSWORD);
                for (int i = 1; i <= 10; i++) {
                    pub.publish("local/p5/t", 2, i, false, "m" + i);
                    assertThat(pub.next().fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBREC);
                    pub.pubRel(i);
                    assertThat(pub.next().fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBCOMP);
                }
            }
        } finally {
            server.close();
        }
        server = start();
        try {
            List<String> got = new CopyOnWriteArrayList<>();
            MqttClient again = new MqttClient(server.uri(), "paho5-p", new MemoryPersistence());
            again.setCallback(new MqttCallback() {
                @Override
                public void disconnected(MqttDisconnectResponse response) {}

                @Override
                public void mqttErrorOccurred(MqttException exception) {}

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    got.add(new String(message.getPayload(), StandardCharsets.UTF_8));
                }

                @Override
                public void deliveryComplete(IMqttToken token) {}

                @Override
                public void connectComplete(boolean reconnect, String serverURI) {}

                @Override
                public void authPacketArrived(int reasonCode, MqttProperties properties) {}
            });
            assertThat(again.connectWithResult(options()).getSessionPresent()).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> got.size() >= 10);
            assertThat(got).containsExactly("m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10");
            again.disconnect();
            again.close();
        } finally {
            server.close();
        }
    }
}
