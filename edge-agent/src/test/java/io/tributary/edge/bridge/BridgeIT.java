package io.tributary.edge.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.edge.EdgeAgent;
import io.tributary.edge.config.EdgeConfig;
import io.tributary.edge.forward.FakeHub;
import io.tributary.edge.mqtt.InboundPublish;
import io.tributary.edge.mqtt.PublishSink;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    /** Records every offer; {@code answer} decides what each one's future does (null leaves it open). */
    private static final class RecordingSink implements PublishSink {
        final List<InboundPublish> offers = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<SinkResult>> held = new CopyOnWriteArrayList<>();
        private final Function<Integer, SinkResult> answer;

        RecordingSink(Function<Integer, SinkResult> answer) {
            this.answer = answer;
        }

        @Override
        public CompletionStage<SinkResult> accept(InboundPublish publish) {
            int index = offers.size();
            offers.add(publish);
            CompletableFuture<SinkResult> f = new CompletableFuture<>();
            SinkResult r = answer.apply(index);
            if (r == null) {
                held.add(f);
            } else {
                f.complete(r);
            }
            return f;
        }

        List<String> payloads() {
            return offers.stream()
                    .map(p -> new String(p.payload(), StandardCharsets.UTF_8))
                    .toList();
        }
    }

    private BrokerBridge bridge(PublishSink sink, MeterRegistry registry) throws Exception {
        BridgeConfig config = new BridgeConfig(
                broker.url(),
                List.of("tributary/#"),
                CLIENT_ID,
                Optional.empty(),
                "",
                1,
                TopicMapping.defaultMapping(),
                Duration.ofMillis(200));
        BrokerBridge bridge = new BrokerBridge(config, sink, registry, Clock.systemUTC()).start();
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

    @Test
    void publishesToBroker_allStored_eachExactlyOnceAndAcked() throws Exception {
        RecordingSink sink = new RecordingSink(i -> SinkResult.STORED);
        MeterRegistry registry = new SimpleMeterRegistry();
        bridge(sink, registry);
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

    @Test
    void closedBeforeStored_reopenedWithSameClientId_brokerRedeliversUnacked() throws Exception {
        RecordingSink first = new RecordingSink(i -> i == 0 ? null : SinkResult.STORED);
        MeterRegistry registry1 = new SimpleMeterRegistry();
        BrokerBridge crashed = bridge(first, registry1);
        MqttClient pub = publisher();
        for (int i = 0; i < 5; i++) {
            publish(pub, "tributary/g1/dev-" + i + "/temp", "m-" + i);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> count(registry1, "tributary.edge.bridge.acks") == 4);
        assertThat(first.payloads()).containsExactly("m-0", "m-1", "m-2", "m-3", "m-4");

        crashed.close();
        first.held.forEach(f -> f.complete(SinkResult.STORED)); // too late: the bridge that received it is gone

        RecordingSink second = new RecordingSink(i -> SinkResult.STORED);
        MeterRegistry registry2 = new SimpleMeterRegistry();
        bridge(second, registry2);
        await().atMost(Duration.ofSeconds(10)).until(() -> count(registry2, "tributary.edge.bridge.acks") >= 1);
        publish(pub, "tributary/g1/dev-9/temp", "after"); // in-order marker: everything redelivered arrived before
        await().atMost(Duration.ofSeconds(10)).until(() -> second.payloads().contains("after"));
        assertThat(second.payloads()).containsExactly("m-0", "after");
        assertThat(count(registry1, "tributary.edge.bridge.acks")).isEqualTo(4);
    }

    @Test
    void refusedStore_notAcked_redeliveredAfterReconnect() throws Exception {
        RecordingSink sink = new RecordingSink(i -> i == 0 ? SinkResult.BUSY : SinkResult.STORED);
        MeterRegistry registry = new SimpleMeterRegistry();
        bridge(sink, registry);
        publish(publisher(), "tributary/g1/dev-1/temp", "m-0");

        await().atMost(Duration.ofSeconds(10)).until(() -> count(registry, "tributary.edge.bridge.acks") == 1);
        assertThat(sink.payloads()).containsExactly("m-0", "m-0");
        assertThat(count(registry, "tributary.edge.bridge.refusals")).isEqualTo(1);
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
