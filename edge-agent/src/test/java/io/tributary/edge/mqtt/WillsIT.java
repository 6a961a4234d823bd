package io.tributary.edge.mqtt;

import static io.tributary.edge.mqtt.TestServer.PASSWORD;
import static io.tributary.edge.mqtt.TestServer.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Will Messages, one test per normative behaviour: published on abnormal close only (MQTT 3.1.1 §3.1.2.5, 5
 * §3.1.2.5), deleted by DISCONNECT 0x00, kept by MQTT 5 DISCONNECT 0x04, Will QoS/Retain/Properties, Will Delay
 * Interval against Session Expiry (§3.1.3.2.2), cancelled by a reconnect in time, and a will to a forwarded topic
 * going through the sink like any publish.
 */
class WillsIT {

    @AutoClose
    private TestServer server = TestServer.localBroker();

    private final BlockingQueue<Mqtt5Publish> received = new LinkedBlockingQueue<>();

    /** A HiveMQ MQTT 5 subscriber to {@code filter} at QoS 1, collecting into {@link #received}. */
    private Mqtt5BlockingClient subscriber(String filter) {
        Mqtt5BlockingClient sub = server.hivemq5("sub-" + filter.hashCode());
        sub.toAsync()
                .subscribeWith()
                .topicFilter(filter)
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(received::add)
                .send()
                .join();
        return sub;
    }

    /** Connects a raw client with a will on {@code topic}; {@code expiry}/{@code willProps} only for MQTT 5. */
    private RawMqttClient withWill(
            MqttVersion version,
            String id,
            int expirySeconds,
            String topic,
            int qos,
            boolean retain,
            MqttProperties will)
            throws Exception {
        RawMqttClient c = RawMqttClient.to(server.address());
        MqttProperties props = new MqttProperties();
        if (version == MqttVersion.MQTT_5 && expirySeconds > 0) {
            props.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, expirySeconds));
        }
        c.send(MqttMessageBuilders.connect()
                .protocolVersion(version)
                .clientId(id)
                .cleanSession(true)
                .keepAlive(30)
                .hasUser(true)
                .username(USER)
                .hasPassword(true)
                .password(PASSWORD.getBytes(StandardCharsets.UTF_8))
                .properties(props)
                .willFlag(true)
                .willTopic(topic)
                .willMessage(("gone:" + id).getBytes(StandardCharsets.UTF_8))
                .willQoS(MqttQoS.valueOf(qos))
                .willRetain(retain)
                .willProperties(will)
                .build());
        assertThat(((MqttConnAckMessage) c.next()).variableHeader().connectReturnCode())
                .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        return c;
    }

    private static MqttProperties willDelay(int seconds) {
        MqttProperties p = new MqttProperties();
        p.add(new MqttProperties.IntegerProperty(MqttProperties.WILL_DELAY_INTERVAL, seconds));
        return p;
    }

    private double wills(String outcome) {
        return server.count("tributary.edge.mqtt.wills", "outcome", outcome);
    }

    private Mqtt5Publish nextWill() {
        return await().atMost(Duration.ofSeconds(10)).until(received::poll, java.util.Objects::nonNull);
    }

    /** Nothing arrives while {@code quiet} passes (the server had every chance to publish). */
    private void assertNothingFor(Duration quiet) {
        await().during(quiet).atMost(quiet.plusSeconds(5)).until(received::isEmpty);
    }

    @Test
    void mqtt311_abnormalClose_publishesTheWill_withQosAndRetain() throws Exception {
        subscriber("local/#");
        withWill(MqttVersion.MQTT_3_1_1, "dev-1", 0, "local/dev-1/status", 1, true, MqttProperties.NO_PROPERTIES)
                .close(); // no DISCONNECT: the network connection is lost
        Mqtt5Publish will = nextWill();
        assertThat(will.getTopic().toString()).isEqualTo("local/dev-1/status");
        assertThat(new String(will.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("gone:dev-1");
        assertThat(will.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
        assertThat(wills("published")).isEqualTo(1);
        // Will Retain: a later subscriber gets it as the topic's retained message
        received.clear();
        subscriber("local/dev-1/+");
        assertThat(nextWill().isRetain()).isTrue();
    }

    @Test
    void disconnect_deletesTheWill_311and5() throws Exception {
        subscriber("local/#");
        for (MqttVersion version : new MqttVersion[] {MqttVersion.MQTT_3_1_1, MqttVersion.MQTT_5}) {
            RawMqttClient c =
                    withWill(version, "polite-" + version, 0, "local/polite", 0, false, MqttProperties.NO_PROPERTIES);
            c.send(MqttMessageBuilders.disconnect().build());
            c.awaitClosed();
        }
        await().until(() -> wills("discarded") == 2);
        assertNothingFor(Duration.ofMillis(500));
        assertThat(wills("published")).isZero();
    }

    @Test
    void paho311_disconnect_deletesTheWill() throws Exception {
        subscriber("local/#");
        org.eclipse.paho.client.mqttv3.MqttClient paho = new org.eclipse.paho.client.mqttv3.MqttClient(
                server.uri(), "paho-will", new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        org.eclipse.paho.client.mqttv3.MqttConnectOptions options =
                new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
        options.setUserName(USER);
        options.setPassword(PASSWORD.toCharArray());
        options.setWill("local/paho", "gone".getBytes(StandardCharsets.UTF_8), 1, false);
        paho.connect(options);
        paho.disconnect();
        paho.close();
        await().until(() -> wills("discarded") == 1);
        assertNothingFor(Duration.ofMillis(500));
    }

    @Test
    void hivemq5_disconnectWithWillMessage_publishesIt_withProperties() {
        subscriber("local/#");
        Mqtt5BlockingClient dev = server.hivemq5Unconnected("hive-will");
        dev.connectWith()
                .simpleAuth()
                .username(USER)
                .password(PASSWORD.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .willPublish()
                .topic("local/hive/status")
                .payload("offline".getBytes(StandardCharsets.UTF_8))
                .qos(MqttQos.AT_LEAST_ONCE)
                .contentType("text/plain")
                .userProperties()
                .add("site", "plant-1")
                .applyUserProperties()
                .applyWillPublish()
                .send();
        dev.disconnectWith()
                .reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE)
                .send();
        Mqtt5Publish will = nextWill();
        assertThat(will.getContentType())
                .hasValueSatisfying(t -> assertThat(t.toString()).isEqualTo("text/plain"));
        assertThat(will.getUserProperties().asList())
                .anySatisfy(p -> assertThat(p.getName() + "=" + p.getValue()).hasToString("site=plant-1"));
        assertThat(will.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
    }

    @Test
    void willDelay_publishesAfterTheDelay_notBefore() throws Exception {
        subscriber("local/#");
        withWill(MqttVersion.MQTT_5, "delayed", 60, "local/delayed", 0, false, willDelay(2))
                .close();
        assertNothingFor(Duration.ofMillis(1200));
        assertThat(nextWill().getTopic().toString()).isEqualTo("local/delayed");
    }

    @Test
    void sessionExpiry_shorterThanWillDelay_publishesAtSessionEnd() throws Exception {
        subscriber("local/#");
        long start = System.nanoTime();
        withWill(MqttVersion.MQTT_5, "short-session", 1, "local/short", 0, false, willDelay(3600))
                .close();
        nextWill();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void noSessionExpiry_publishesAtOnce_despiteTheWillDelay() throws Exception {
        subscriber("local/#");
        withWill(MqttVersion.MQTT_5, "no-session", 0, "local/none", 0, false, willDelay(3600))
                .close();
        assertThat(nextWill().getTopic().toString()).isEqualTo("local/none");
    }

    @Test
    void reconnectToTheSessionWithinTheDelay_cancelsTheWill() throws Exception {
        subscriber("local/#");
        withWill(MqttVersion.MQTT_5, "flaky", 60, "local/flaky", 0, false, willDelay(2))
                .close();
        await().until(() ->
                server.server.clients().stream().noneMatch(c -> c.clientId().equals("flaky")));
        try (RawMqttClient again = RawMqttClient.to(server.address())) {
            assertThat(again.connectPersistent(MqttVersion.MQTT_5, "flaky", 60)
                            .variableHeader()
                            .isSessionPresent())
                    .isTrue();
            assertThat(wills("cancelled")).isEqualTo(1);
            assertNothingFor(Duration.ofSeconds(3));
        }
    }

    /** MQTT 5 §3.1.3.2.2: the will is published at the earlier of the delay and the end of the session. */
    @Test
    void cleanStartWithinTheDelay_endsTheSession_andPublishesTheWillAtOnce() throws Exception {
        subscriber("local/#");
        withWill(MqttVersion.MQTT_5, "restarted", 60, "local/restarted", 0, false, willDelay(3600))
                .close();
        await().until(() ->
                server.server.clients().stream().noneMatch(c -> c.clientId().equals("restarted")));
        try (RawMqttClient again = RawMqttClient.to(server.address())) {
            assertThat(again.connect(MqttVersion.MQTT_5, "restarted", USER, PASSWORD))
                    .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
            assertThat(nextWill().getTopic().toString()).isEqualTo("local/restarted");
            assertThat(wills("cancelled")).isZero();
        }
    }

    @Test
    void takeover_withCleanStartPublishesTheWill_ofTheSessionCancelsIt() throws Exception {
        subscriber("local/#");
        try (RawMqttClient first = withWill(MqttVersion.MQTT_5, "twin", 60, "local/twin", 0, false, willDelay(3600));
                RawMqttClient second = RawMqttClient.to(server.address())) {
            assertThat(second.connect(MqttVersion.MQTT_5, "twin", USER, PASSWORD))
                    .isEqualTo(MqttConnectReturnCode.CONNECTION_ACCEPTED);
            assertThat(nextWill().getTopic().toString()).isEqualTo("local/twin");
        }
        try (RawMqttClient first =
                        withWill(MqttVersion.MQTT_5, "twin-2", 60, "local/twin-2", 0, false, willDelay(3600));
                RawMqttClient second = RawMqttClient.to(server.address())) {
            second.connectPersistent(MqttVersion.MQTT_5, "twin-2", 60);
            await().until(() -> wills("cancelled") == 1);
            assertNothingFor(Duration.ofSeconds(1));
        }
    }

    /** DISCONNECT 0x04 setting Session Expiry 0 ends the session at the close: the will's delay ends with it. */
    @Test
    void disconnectWithWill_andSessionExpiryZero_publishesAtOnce() throws Exception {
        subscriber("local/#");
        RawMqttClient c = withWill(MqttVersion.MQTT_5, "leaving", 60, "local/leaving", 0, false, willDelay(3600));
        MqttProperties zero = new MqttProperties();
        zero.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, 0));
        c.send(MqttMessageBuilders.disconnect()
                .reasonCode(MqttReasonCodes.Disconnect.DISCONNECT_WITH_WILL_MESSAGE.byteValue())
                .properties(zero)
                .build());
        assertThat(nextWill().getTopic().toString()).isEqualTo("local/leaving");
        c.close();
    }

    @Test
    void forwardedWill_goesThroughTheSink_andIsCountedWhenRefused() throws Exception {
        server.close();
        ManualSink sink = ManualSink.manual();
        server = TestServer.start(sink, b -> b.forward(java.util.List.of("tributary/#")));
        subscriber("tributary/#");
        withWill(MqttVersion.MQTT_5, "fwd-1", 0, "tributary/g/fwd-1/status", 1, false, MqttProperties.NO_PROPERTIES)
                .close();
        await().until(() -> sink.size() == 1);
        assertThat(sink.offer(0).publish().clientId()).isEqualTo("fwd-1");
        assertThat(sink.offer(0).publish().qos()).isEqualTo(1);
        assertNothingFor(Duration.ofMillis(300)); // not delivered before it is stored
        sink.offer(0).future().complete(SinkResult.STORED);
        assertThat(new String(nextWill().getPayloadAsBytes(), StandardCharsets.UTF_8))
                .isEqualTo("gone:fwd-1");

        withWill(MqttVersion.MQTT_3_1_1, "fwd-2", 0, "tributary/g/fwd-2/status", 1, false, MqttProperties.NO_PROPERTIES)
                .close();
        await().until(() -> sink.size() == 2);
        sink.offer(1).future().complete(SinkResult.DISK_FULL);
        await().until(() -> wills("refused") == 1);
        assertThat(server.count("tributary.edge.mqtt.publishes.refused", "reason", "disk_full"))
                .isEqualTo(1);
        assertNothingFor(Duration.ofMillis(300));
    }

    @Test
    void willToAnUnmappedForwardedTopic_isRefusedAndCounted() throws Exception {
        withWill(MqttVersion.MQTT_5, "odd", 0, "tributary/lonely", 0, false, MqttProperties.NO_PROPERTIES)
                .close();
        await().until(() -> wills("refused") == 1);
        assertThat(server.count("tributary.edge.mqtt.publishes.refused", "reason", "topic_unmapped"))
                .isEqualTo(1);
    }

    @Test
    void willTopicWithAWildcard_isRefused_5with0x90_311closed() throws Exception {
        for (MqttVersion version : new MqttVersion[] {MqttVersion.MQTT_5, MqttVersion.MQTT_3_1_1}) {
            RawMqttClient c = RawMqttClient.to(server.address());
            c.expectVersion(version);
            c.sendBytes(RawPackets.connectWithWill(
                    version == MqttVersion.MQTT_5 ? 5 : 4, "bad-will", "local/+/status", USER, PASSWORD));
            if (version == MqttVersion.MQTT_5) {
                assertThat(((MqttConnAckMessage) c.next()).variableHeader().connectReturnCode())
                        .isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_TOPIC_NAME_INVALID);
            }
            c.awaitClosed();
        }
        assertThat(server.count("tributary.edge.mqtt.malformed.packets", "reason", "will_topic_invalid"))
                .isEqualTo(2);
    }
}
