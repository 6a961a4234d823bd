package io.tributary.edge.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Persistent sessions (MQTT 3.1.1 clean session 0, MQTT 5 Clean Start 0 with Session Expiry) with the HiveMQ client,
 * Paho 3.1.1 and hand-made packets: Session Present, subscriptions and queued messages surviving a disconnect and a
 * server restart on the same state directory, order, QoS 1 resent with DUP, QoS 2 resumed at PUBREL, expiry, takeover
 * and the queue bounds with their drops counted.
 */
class PersistentSessionsIT {

    @TempDir
    Path dir;

    private TestServer server;
    private Consumer<MqttServerConfig.Builder> tweak = b -> {};
    private final List<AutoCloseable> clients = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private TestServer start() throws Exception {
        server = TestServer.start(ManualSink.automatic(), b -> {
            b.forward(List.of("tributary/#")).stateDirectory(dir);
            tweak.accept(b);
        });
        return server;
    }

    private void restart() throws Exception {
        server.close();
        start();
    }

    private RawMqttClient raw() throws Exception {
        RawMqttClient c = RawMqttClient.to(server.address());
        clients.add(c);
        return c;
    }

    /** Publishes QoS {@code qos} messages "0", "1", … to {@code topic}, each acknowledged before the next. */
    private void publish(String topic, int qos, int count) throws Exception {
        try (RawMqttClient pub = RawMqttClient.to(server.address())) {
            assertThat(pub.connect(MqttVersion.MQTT_5, "publisher", TestServer.USER, TestServer.PASSWORD))
                    .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
            for (int i = 0; i < count; i++) {
                pub.publish(topic, qos, i + 1, false, String.valueOf(i));
                MqttMessage ack = pub.next();
                assertThat(TestServer.packetId(ack)).isEqualTo(i + 1);
                if (qos == 2) {
                    pub.pubRel(i + 1);
                    assertThat(pub.next().fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBCOMP);
                }
            }
        }
    }

    private static String text(MqttPublishMessage p) {
        return p.payload().toString(StandardCharsets.UTF_8);
    }

    private static MqttSubscriptionOption qos(int qos) {
        return MqttSubscriptionOption.onlyFromQos(MqttQoS.valueOf(qos));
    }

    @Test
    void hivemq5_subscriptionAndQueue_surviveDisconnect_inOrder_withSessionPresent() throws Exception {
        start();
        Mqtt5BlockingClient client = server.hivemq5Unconnected("h5");
        BlockingQueue<Mqtt5Publish> got = new LinkedBlockingQueue<>();
        client.toAsync().publishes(MqttGlobalPublishFilter.ALL, got::add);
        Mqtt5ConnAck first = connect(client);
        assertThat(first.isSessionPresent()).isFalse();
        client.subscribeWith()
                .topicFilter("local/h5/#")
                .qos(MqttQos.AT_LEAST_ONCE)
                .send();
        client.disconnect();

        publish("local/h5/x", 1, 20);
        Mqtt5ConnAck second = connect(client);
        assertThat(second.isSessionPresent()).isTrue();
        List<String> payloads = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Mqtt5Publish p = got.poll(5, TimeUnit.SECONDS);
            assertThat(p).as("queued message %d", i).isNotNull();
            payloads.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8));
        }
        assertThat(payloads).containsExactly(numbers(20));
        publish("local/h5/y", 1, 1); // the subscription is still there for new messages
        assertThat(got.poll(5, TimeUnit.SECONDS)).isNotNull();
        client.disconnect();
    }

    private static Mqtt5ConnAck connect(Mqtt5BlockingClient client) {
        return client.connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(300)
                .simpleAuth()
                .username(TestServer.USER)
                .password(TestServer.PASSWORD.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
    }

    private static String[] numbers(int n) {
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            out[i] = String.valueOf(i);
        }
        return out;
    }

    @Test
    void paho311_cleanSession0_queuedQos1_survivesServerRestart_inOrder() throws Exception {
        start();
        MqttClient paho = new MqttClient(server.uri(), "paho-p", new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setUserName(TestServer.USER);
        options.setPassword(TestServer.PASSWORD.toCharArray());
        options.setCleanSession(false);
        IMqttToken first = paho.connectWithResult(options);
        assertThat(first.getSessionPresent()).isFalse();
        paho.subscribe("local/paho/#", 1);
        paho.disconnect();

        publish("local/paho/t", 1, 10);
        restart();
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        MqttClient again = new MqttClient(server.uri(), "paho-p", new MemoryPersistence());
        again.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {}

            @Override
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                got.add(new String(message.getPayload(), StandardCharsets.UTF_8));
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {}
        });
        IMqttToken second = again.connectWithResult(options);
        assertThat(second.getSessionPresent()).isTrue();
        List<String> payloads = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String p = got.poll(5, TimeUnit.SECONDS);
            assertThat(p).as("queued message %d after the restart", i).isNotNull();
            payloads.add(p);
        }
        assertThat(payloads).containsExactly(numbers(10));
        again.disconnect();
        again.close();
        paho.close();
    }

    @Test
    void qos1_unacknowledged_isResentWithDup_onReconnect_andAfterRestart() throws Exception {
        start();
        RawMqttClient sub = raw();
        assertThat(sub.connectPersistent(MqttVersion.MQTT_5, "q1", 300)
                        .variableHeader()
                        .isSessionPresent())
                .isFalse();
        assertThat(sub.subscribe(1, "local/q1", qos(1), MqttProperties.NO_PROPERTIES))
                .containsExactly(1);
        publish("local/q1", 1, 1);
        MqttPublishMessage firstTry = sub.nextPublish();
        assertThat(firstTry.fixedHeader().isDup()).isFalse();
        sub.close(); // no PUBACK

        RawMqttClient again = raw();
        assertThat(again.connectPersistent(MqttVersion.MQTT_5, "q1", 300)
                        .variableHeader()
                        .isSessionPresent())
                .isTrue();
        MqttPublishMessage resent = again.nextPublish();
        assertThat(resent.fixedHeader().isDup()).isTrue();
        assertThat(resent.variableHeader().packetId())
                .isEqualTo(firstTry.variableHeader().packetId());
        assertThat(text(resent)).isEqualTo("0");
        again.close(); // still no PUBACK

        restart();
        RawMqttClient third = raw();
        assertThat(third.connectPersistent(MqttVersion.MQTT_5, "q1", 300)
                        .variableHeader()
                        .isSessionPresent())
                .isTrue();
        MqttPublishMessage afterRestart = third.nextPublish();
        assertThat(afterRestart.fixedHeader().isDup()).isTrue();
        assertThat(text(afterRestart)).isEqualTo("0");
        third.reply(MqttMessageType.PUBACK, afterRestart.variableHeader().packetId());
        third.close();

        RawMqttClient fourth = raw();
        assertThat(fourth.connectPersistent(MqttVersion.MQTT_5, "q1", 300)
                        .variableHeader()
                        .isSessionPresent())
                .isTrue();
        assertThat(fourth.received().poll(300, TimeUnit.MILLISECONDS))
                .as("nothing after the PUBACK")
                .isNull();
    }

    @Test
    void qos2_pubRecReceived_isResumedWithPubRel_notResent_acrossRestart() throws Exception {
        start();
        RawMqttClient sub = raw();
        sub.connectPersistent(MqttVersion.MQTT_5, "q2", 300);
        assertThat(sub.subscribe(1, "local/q2", qos(2), MqttProperties.NO_PROPERTIES))
                .containsExactly(2);
        sub.close();
        publish("local/q2", 2, 1);

        RawMqttClient again = raw();
        again.connectPersistent(MqttVersion.MQTT_5, "q2", 300);
        MqttPublishMessage p = again.nextPublish();
        int packetId = p.variableHeader().packetId();
        assertThat(text(p)).isEqualTo("0");
        again.reply(MqttMessageType.PUBREC, packetId);
        MqttMessage rel = again.next();
        assertThat(rel.fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBREL);
        again.close(); // no PUBCOMP

        restart();
        RawMqttClient third = raw();
        third.connectPersistent(MqttVersion.MQTT_5, "q2", 300);
        MqttMessage resumed = third.next();
        assertThat(resumed.fixedHeader().messageType())
                .as("a released QoS 2 message resumes at PUBREL")
                .isEqualTo(MqttMessageType.PUBREL);
        assertThat(TestServer.packetId(resumed)).isEqualTo(packetId);
        third.reply(MqttMessageType.PUBCOMP, packetId);
        assertThat(third.received().poll(300, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void expiry_removesTheSession_andItsQueue() throws Exception {
        start();
        RawMqttClient sub = raw();
        sub.connectPersistent(MqttVersion.MQTT_5, "short", 1);
        sub.subscribe(1, "local/short", qos(1), MqttProperties.NO_PROPERTIES);
        sub.close();
        publish("local/short", 1, 2);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.count("tributary.edge.mqtt.sessions.expired") == 1);
        assertThat(server.count("tributary.edge.mqtt.deliveries.dropped", "reason", "session_ended"))
                .isEqualTo(2);
        restart();
        RawMqttClient again = raw();
        MqttConnAckMessage ack = again.connectPersistent(MqttVersion.MQTT_5, "short", 60);
        assertThat(ack.variableHeader().isSessionPresent()).isFalse();
        publish("local/short", 1, 1);
        assertThat(again.received().poll(300, TimeUnit.MILLISECONDS))
                .as("the subscription expired with the session")
                .isNull();
    }

    @Test
    void disconnectSettingExpiryZero_endsTheSession() throws Exception {
        start();
        RawMqttClient sub = raw();
        sub.connectPersistent(MqttVersion.MQTT_5, "bye", 300);
        sub.subscribe(1, "local/bye", qos(1), MqttProperties.NO_PROPERTIES);
        MqttProperties props = new MqttProperties();
        props.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, 0));
        sub.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.disconnect()
                .properties(props)
                .build());
        sub.awaitClosed();
        RawMqttClient again = raw();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            try (RawMqttClient probe = RawMqttClient.to(server.address())) {
                assertThat(probe.connectPersistent(MqttVersion.MQTT_3_1_1, "bye-probe", 0)
                                .variableHeader()
                                .isSessionPresent())
                        .isFalse();
            }
        });
        assertThat(again.connectPersistent(MqttVersion.MQTT_5, "bye", 300)
                        .variableHeader()
                        .isSessionPresent())
                .isFalse();
    }

    @Test
    void takeover_keepsTheSession_andClosesTheOldConnectionWith0x8E() throws Exception {
        start();
        RawMqttClient first = raw();
        first.connectPersistent(MqttVersion.MQTT_5, "twin", 300);
        first.subscribe(1, "local/twin", qos(1), MqttProperties.NO_PROPERTIES);
        RawMqttClient second = raw();
        assertThat(second.connectPersistent(MqttVersion.MQTT_5, "twin", 300)
                        .variableHeader()
                        .isSessionPresent())
                .isTrue();
        MqttMessage disconnect = first.next();
        assertThat(disconnect.fixedHeader().messageType()).isEqualTo(MqttMessageType.DISCONNECT);
        assertThat(((io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader) disconnect.variableHeader())
                        .reasonCode())
                .isEqualTo((byte) 0x8E);
        publish("local/twin", 1, 1);
        assertThat(text(second.nextPublish())).isEqualTo("0");
    }

    @Test
    void sessionBecomingPersistent_byTakeover_keepsItsSubscriptions_acrossRestart() throws Exception {
        start();
        RawMqttClient first = raw();
        first.connect(MqttVersion.MQTT_5, "grows", TestServer.USER, TestServer.PASSWORD); // expiry 0
        first.subscribe(1, "local/grows", qos(1), MqttProperties.NO_PROPERTIES);
        assertThat(raw().connectPersistent(MqttVersion.MQTT_5, "grows", 300)
                        .variableHeader()
                        .isSessionPresent())
                .isTrue();
        restart();
        RawMqttClient again = raw();
        assertThat(again.connectPersistent(MqttVersion.MQTT_5, "grows", 300)
                        .variableHeader()
                        .isSessionPresent())
                .isTrue();
        publish("local/grows", 1, 1);
        assertThat(text(again.nextPublish())).isEqualTo("0");
    }

    @Test
    void dropOldest_keepsTheNewest_andCountsTheDrops() throws Exception {
        tweak = b -> b.sessionLimits(new SessionLimits(10, 5, 1024 * 1024, SessionLimits.Policy.DROP_OLDEST, 4096));
        assertThat(queuedAfter(8)).containsExactly("3", "4", "5", "6", "7");
        assertThat(server.count("tributary.edge.mqtt.deliveries.dropped", "reason", "session_queue_full"))
                .isEqualTo(3);
    }

    @Test
    void refuseNewest_keepsTheOldest_andCountsTheDrops() throws Exception {
        tweak = b -> b.sessionLimits(new SessionLimits(10, 5, 1024 * 1024, SessionLimits.Policy.REFUSE_NEWEST, 4096));
        assertThat(queuedAfter(8)).containsExactly("0", "1", "2", "3", "4");
        assertThat(server.count("tributary.edge.mqtt.deliveries.dropped", "reason", "session_queue_full"))
                .isEqualTo(3);
    }

    @Test
    void sessionLimit_refusesOneMorePersistentSession_withQuotaExceeded() throws Exception {
        tweak = b -> b.sessionLimits(new SessionLimits(1, 5, 1024 * 1024, SessionLimits.Policy.DROP_OLDEST, 4096));
        start();
        raw().connectPersistent(MqttVersion.MQTT_5, "one", 300);
        assertThat(raw().connectPersistent(MqttVersion.MQTT_5, "two", 300)
                        .variableHeader()
                        .connectReturnCode())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED);
        assertThat(raw().connectPersistent(MqttVersion.MQTT_3_1_1, "three", 0)
                        .variableHeader()
                        .connectReturnCode())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
    }

    /** Subscribes "bounded" at QoS 1, goes away, gets {@code published} messages queued, returns what it gets. */
    private List<String> queuedAfter(int published) throws Exception {
        start();
        RawMqttClient sub = raw();
        sub.connectPersistent(MqttVersion.MQTT_3_1_1, "bounded", 0);
        sub.subscribe(1, "local/b", qos(1), MqttProperties.NO_PROPERTIES);
        sub.close();
        publish("local/b", 1, published);
        RawMqttClient again = raw();
        again.connectPersistent(MqttVersion.MQTT_3_1_1, "bounded", 0);
        List<String> got = new ArrayList<>();
        for (MqttMessage m; (m = again.received().poll(500, TimeUnit.MILLISECONDS)) != null; ) {
            MqttPublishMessage p = (MqttPublishMessage) m;
            got.add(text(p));
            again.reply(MqttMessageType.PUBACK, p.variableHeader().packetId());
        }
        return got;
    }
}
