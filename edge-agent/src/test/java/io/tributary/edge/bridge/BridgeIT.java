package io.tributary.edge.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.edge.EdgeAgent;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.config.EdgeConfig;
import io.tributary.edge.forward.FakeHub;
import io.tributary.edge.mqtt.MarkingSink;
import io.tributary.edge.mqtt.SinkResult;
import io.tributary.edge.mqtt.TopicMapping;
import io.tributary.testsupport.MosquittoBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link BrokerBridge} against a real Mosquitto broker; skipped when Mosquitto is not installed. */
class BridgeIT {
    private static final String CLIENT_ID = "tributary-bridge-it";

    @TempDir
    Path dir;

    private MosquittoBroker broker;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void startBroker() throws Exception {
        assumeTrue(MosquittoBroker.installed(), "mosquitto not installed (apt-get install mosquitto)");
        broker = MosquittoBroker.start(dir);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private BrokerBridge bridge(MarkingSink sink, MeterRegistry registry) throws Exception {
        return bridge(sink, registry, 1);
    }

    private BrokerBridge bridge(MarkingSink sink, MeterRegistry registry, int qos) throws Exception {
        return bridge(sink, registry, qos, 4);
    }

    private BrokerBridge bridge(MarkingSink sink, MeterRegistry registry, int qos, int mqttVersion) throws Exception {
        BridgeConfig config = new BridgeConfig(
                broker.url(),
                List.of("tributary/#"),
                CLIENT_ID,
                Optional.empty(),
                "",
                qos,
                TopicMapping.defaultMapping(),
                Duration.ofMillis(200),
                mqttVersion);
        BrokerBridge bridge = BrokerBridge.create(
                        config, sink, dir.resolve("bridge-state"), registry, Clock.systemUTC())
                .start();
        open.add(bridge);
        await().atMost(Duration.ofSeconds(10)).until(bridge::isSubscribed);
        return bridge;
    }

    private MqttClient publisher() throws Exception {
        MqttClient pub = new MqttClient(broker.url(), "publisher", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        // Paho completes a publish token before it frees the in-flight slot; a small window fails fast publishers
        o.setMaxInflight(1000);
        pub.connect(o);
        open.add(() -> {
            pub.disconnect();
            pub.close();
        });
        return pub;
    }

    private static void publish(MqttClient pub, String topic, String payload) throws Exception {
        pub.publish(topic, payload.getBytes(StandardCharsets.UTF_8), 1, false);
    }

    private static double count(MeterRegistry registry, String name) {
        return registry.find(name).counters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    }

    @ParameterizedTest(name = "MQTT version {0}")
    @ValueSource(ints = {4, 5})
    void publishesToBroker_allStored_eachExactlyOnceAndAcked(int version) throws Exception {
        MemoryBridgeSink sink = new MemoryBridgeSink(i -> SinkResult.STORED);
        MeterRegistry registry = new SimpleMeterRegistry();
        bridge(sink, registry, 1, version);
        MqttClient pub = publisher();
        int n = 200;
        for (int i = 0; i < n; i++) {
            publish(pub, "tributary/g1/dev-" + i + "/temp", "m-" + i);
        }
        publish(pub, "tributary/unmapped", "x");

        await().atMost(Duration.ofSeconds(10)).until(() -> count(registry, "tributary.edge.bridge.acks") == n + 1);
        List<String> expected = IntStream.range(0, n).mapToObj(i -> "m-" + i).toList();
        assertThat(sink.payloads()).containsExactlyElementsOf(expected);
        assertThat(sink.offers.get(7).mapped()).isEqualTo(new TopicMapping.Match("g1", "dev-7", "temp"));
        assertThat(count(registry, "tributary.edge.bridge.messages")).isEqualTo(n + 1);
        assertThat(count(registry, "tributary.edge.bridge.dropped")).isEqualTo(1);
        assertThat(count(registry, "tributary.edge.bridge.refusals")).isZero();
    }

    @ParameterizedTest(name = "MQTT version {0}")
    @ValueSource(ints = {4, 5})
    void closedBeforeStored_reopenedWithSameClientId_brokerRedeliversUnacked(int version) throws Exception {
        Map<String, LanePosition> buffer =
                new ConcurrentHashMap<>(); // the marks outlive the bridge, as the buffer does
        MemoryBridgeSink first = new MemoryBridgeSink(buffer, i -> i == 0 ? null : SinkResult.STORED);
        MeterRegistry registry1 = new SimpleMeterRegistry();
        BrokerBridge crashed = bridge(first, registry1, 1, version);
        MqttClient pub = publisher();
        for (int i = 0; i < 5; i++) {
            publish(pub, "tributary/g1/dev-" + i + "/temp", "m-" + i);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> count(registry1, "tributary.edge.bridge.acks") == 4);
        assertThat(first.payloads()).containsExactly("m-0", "m-1", "m-2", "m-3", "m-4");
        crashed.close(); // m-0 not stored: redelivered and stored by the next run

        MemoryBridgeSink second = new MemoryBridgeSink(buffer, i -> SinkResult.STORED);
        MeterRegistry registry2 = new SimpleMeterRegistry();
        bridge(second, registry2, 1, version);
        await().atMost(Duration.ofSeconds(10)).until(() -> count(registry2, "tributary.edge.bridge.acks") >= 1);
        publish(pub, "tributary/g1/dev-9/temp", "after"); // in-order marker: everything redelivered arrived before
        await().atMost(Duration.ofSeconds(10)).until(() -> second.payloads().contains("after"));
        assertThat(second.payloads()).containsExactly("m-0", "after");
        assertThat(count(registry2, "tributary.edge.bridge.duplicates")).isZero();
        assertThat(count(registry1, "tributary.edge.bridge.acks")).isEqualTo(4);
    }

    /** A store that completes after its connection ended is not acknowledged; its redelivery is not stored again. */
    @ParameterizedTest(name = "QoS {0}, MQTT version {1}")
    @CsvSource({"1, 4", "2, 4", "1, 5"})
    void storedAfterTheConnectionEnded_redelivered_acknowledgedNotStoredTwice(int qos, int version) throws Exception {
        Map<String, LanePosition> buffer = new ConcurrentHashMap<>();
        MemoryBridgeSink first = new MemoryBridgeSink(buffer, i -> i == 0 ? null : SinkResult.STORED);
        MeterRegistry registry1 = new SimpleMeterRegistry();
        BrokerBridge crashed = bridge(first, registry1, qos, version);
        MqttClient pub = publisher();
        for (int i = 0; i < 3; i++) {
            pub.publish("tributary/g1/dev-" + i + "/temp", ("m-" + i).getBytes(StandardCharsets.UTF_8), qos, false);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> count(registry1, "tributary.edge.bridge.acks") == 2);
        crashed.close();
        first.held.forEach(f -> f.complete(SinkResult.STORED)); // durable, but its bridge is gone: never acknowledged

        MemoryBridgeSink second = new MemoryBridgeSink(buffer, i -> SinkResult.STORED);
        MeterRegistry registry2 = new SimpleMeterRegistry();
        bridge(second, registry2, qos, version);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> count(registry2, "tributary.edge.bridge.duplicates") == 1
                        && count(registry2, "tributary.edge.bridge.acks") == 1);
        publish(pub, "tributary/g1/dev-9/temp", "after");
        await().atMost(Duration.ofSeconds(10)).until(() -> second.payloads().contains("after"));
        assertThat(second.payloads()).as("m-0 was stored by the first run").containsExactly("after");
    }

    /**
     * At QoS 2 the client answers PUBREC before the bridge sees the message, and the broker then only repeats PUBREL:
     * a message not yet stored when the bridge went away comes back from the client's own files.
     */
    @Test
    void qos2_notStoredWhenTheBridgeWentAway_deliveredByTheNextRun() throws Exception {
        Map<String, LanePosition> buffer = new ConcurrentHashMap<>();
        MemoryBridgeSink first = new MemoryBridgeSink(buffer, i -> i == 0 ? null : SinkResult.STORED);
        MeterRegistry registry1 = new SimpleMeterRegistry();
        BrokerBridge crashed = bridge(first, registry1, 2);
        MqttClient pub = publisher();
        for (int i = 0; i < 3; i++) {
            pub.publish("tributary/g1/dev-" + i + "/temp", ("m-" + i).getBytes(StandardCharsets.UTF_8), 2, false);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> count(registry1, "tributary.edge.bridge.acks") == 2);
        crashed.close();

        MemoryBridgeSink second = new MemoryBridgeSink(buffer, i -> SinkResult.STORED);
        bridge(second, new SimpleMeterRegistry(), 2);
        pub.publish("tributary/g1/dev-9/temp", "after".getBytes(StandardCharsets.UTF_8), 2, false);
        await().atMost(Duration.ofSeconds(10)).until(() -> second.payloads().contains("after"));
        assertThat(second.payloads()).containsExactlyInAnyOrder("m-0", "after");
    }

    @ParameterizedTest(name = "MQTT version {0}")
    @ValueSource(ints = {4, 5})
    void refusedStore_notAcked_redeliveredAfterReconnect(int version) throws Exception {
        MemoryBridgeSink sink = new MemoryBridgeSink(i -> i == 0 ? SinkResult.BUSY : SinkResult.STORED);
        MeterRegistry registry = new SimpleMeterRegistry();
        bridge(sink, registry, 1, version);
        publish(publisher(), "tributary/g1/dev-1/temp", "m-0");

        await().atMost(Duration.ofSeconds(10)).until(() -> count(registry, "tributary.edge.bridge.acks") == 1);
        assertThat(sink.payloads()).containsExactly("m-0", "m-0");
        assertThat(count(registry, "tributary.edge.bridge.refusals")).isEqualTo(1);
    }

    /** QoS 0 carries no packet id (Paho reports 0): equal messages are all stored, none taken for a redelivery. */
    @ParameterizedTest(name = "MQTT version {0}")
    @ValueSource(ints = {4, 5})
    void qos0_equalMessages_allStored(int version) throws Exception {
        MemoryBridgeSink sink = new MemoryBridgeSink(i -> SinkResult.STORED);
        MeterRegistry registry = new SimpleMeterRegistry();
        bridge(sink, registry, 1, version);
        MqttClient pub = publisher();
        int n = 50;
        for (int i = 0; i < n; i++) {
            pub.publish("tributary/g1/dev-1/temp", "21.5".getBytes(StandardCharsets.UTF_8), 0, false);
        }
        publish(pub, "tributary/g1/dev-1/temp", "last"); // QoS 1, after the QoS 0 ones
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.payloads().contains("last"));
        assertThat(sink.payloads()).hasSize(n + 1);
        assertThat(count(registry, "tributary.edge.bridge.duplicates")).isZero();
    }

    /**
     * A broker that lost our session redelivers nothing, so the marks are voided before subscribing; when that void
     * cannot be written at once, it is written at the next CONNACK although that one says the session is present.
     */
    @Test
    void freshSessionVoidRefused_writtenAtTheNextConnect_staleMarkNotTakenForARedelivery() throws Exception {
        Map<String, LanePosition> buffer = new ConcurrentHashMap<>();
        RedeliveryMarks earlier = new RedeliveryMarks(CLIENT_ID, new MemoryBridgeSink(buffer, i -> null));
        // a message stored under packet id 1 by a run whose broker session is gone (stored, never acknowledged)
        MemoryBridgeSink seed = new MemoryBridgeSink(buffer, i -> SinkResult.STORED);
        seed.mark(earlier.storing(1, RedeliveryMarks.hash("tributary/g1/dev-1/temp", bytes("m-0"))));

        MemoryBridgeSink sink = new MemoryBridgeSink(buffer, i -> SinkResult.STORED);
        sink.refuseMarks.set(1); // the fresh session's void is refused once
        MeterRegistry registry = new SimpleMeterRegistry();
        bridge(sink, registry, 1, 4);
        publish(publisher(), "tributary/g1/dev-1/temp", "m-0"); // a new session's first message: packet id 1
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.payloads().contains("m-0"));
        assertThat(count(registry, "tributary.edge.bridge.duplicates")).isZero();
        assertThat(sink.mark("bridge/" + CLIENT_ID + "/session").epoch()).isPositive();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void mqtt5_userPropertiesBecomeAttributes() throws Exception {
        MemoryBridgeSink sink = new MemoryBridgeSink(i -> SinkResult.STORED);
        MeterRegistry registry = new SimpleMeterRegistry();
        bridge(sink, registry, 1, 5);
        org.eclipse.paho.mqttv5.client.MqttClient pub =
                new org.eclipse.paho.mqttv5.client.MqttClient(broker.url(), "publisher5", null);
        pub.connect();
        open.add(() -> {
            pub.disconnect();
            pub.close();
        });
        org.eclipse.paho.mqttv5.common.packet.MqttProperties props =
                new org.eclipse.paho.mqttv5.common.packet.MqttProperties();
        props.setUserProperties(List.of(
                new org.eclipse.paho.mqttv5.common.packet.UserProperty("site", "plant-7"),
                new org.eclipse.paho.mqttv5.common.packet.UserProperty("unit", "C")));
        org.eclipse.paho.mqttv5.common.MqttMessage m = new org.eclipse.paho.mqttv5.common.MqttMessage(
                "21.5".getBytes(StandardCharsets.UTF_8), 1, false, props);
        pub.publish("tributary/g1/dev-1/temp", m);
        await().atMost(Duration.ofSeconds(10)).until(() -> count(registry, "tributary.edge.bridge.acks") == 1);
        assertThat(sink.offers.get(0).userProperties())
                .containsEntry("site", "plant-7")
                .containsEntry("unit", "C");
    }

    @Test
    void mqtt5_qos2_refusedByTheConfig() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new BridgeConfig(
                        broker.url(),
                        List.of("tributary/#"),
                        CLIENT_ID,
                        Optional.empty(),
                        "",
                        2,
                        TopicMapping.defaultMapping(),
                        Duration.ofMillis(200),
                        5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be 1 with MQTT 5");
    }

    @Test
    void edgeAgentWithBridge_brokerMessagesReachHub() throws Exception {
        try (FakeHub hub = new FakeHub();
                EdgeAgent agent = new EdgeAgent(agentConfig(hub), Clock.systemUTC()).start()) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> agent.registry()
                                    .find("tributary.edge.bridge.messages")
                                    .counter()
                            != null);
            MqttClient pub = publisher();
            // the subscription may not be in place yet: publish until the first message is bridged
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                publish(pub, "tributary/g1/probe/temp", "probe");
                return count(agent.registry(), "tributary.edge.bridge.acks") >= 1;
            });
            for (int i = 0; i < 20; i++) {
                publish(pub, "tributary/g1/dev-" + i + "/temp", "{\"n\":" + i + "}");
            }
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> hub.records().stream()
                                    .filter(r -> r.getDeviceId().startsWith("dev-"))
                                    .count()
                            == 20);
        }
    }

    private EdgeConfig agentConfig(FakeHub hub) {
        return EdgeConfig.load(
                Optional.empty(),
                Map.of(),
                Map.of(
                        "data-dir",
                        dir.resolve("edge").toString(),
                        "mqtt.host",
                        "127.0.0.1",
                        "mqtt.port",
                        "0",
                        "mqtt.allow-anonymous",
                        "true",
                        "hub.endpoints",
                        hub.address(),
                        "metrics.port",
                        "-1",
                        "bridge.url",
                        broker.url(),
                        "bridge.client-id",
                        CLIENT_ID));
    }
}
