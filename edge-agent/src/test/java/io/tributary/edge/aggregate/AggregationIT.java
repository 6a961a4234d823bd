package io.tributary.edge.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tributary.edge.EdgeAgent;
import io.tributary.edge.config.EdgeConfig;
import io.tributary.edge.forward.FakeHub;
import io.tributary.protocol.v1.Aggregate;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Record;
import io.tributary.testsupport.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MQTT client → MqttServer → DurableBuffer → Aggregator → Forwarder → fake hub, wired by {@link EdgeAgent}, with a
 * clock the test moves to close windows.
 */
class AggregationIT {

    private static final long T0 = 1_700_000_000_000L; // a multiple of the 10 s window
    private static final String RULES = "tributary/win/#=window:10s;tributary/both/#=both:10s";

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(T0);

    private EdgeAgent start(FakeHub hub) throws Exception {
        EdgeConfig config = EdgeConfig.load(
                Optional.empty(),
                Map.of(),
                Map.ofEntries(
                        Map.entry("data-dir", dir.toString()),
                        Map.entry("mqtt.host", "127.0.0.1"),
                        Map.entry("mqtt.port", "0"),
                        Map.entry("mqtt.allow-anonymous", "true"),
                        Map.entry("mqtt.io-threads", "1"),
                        Map.entry("hub.endpoints", hub.address()),
                        Map.entry("metrics.port", "-1"),
                        Map.entry("backoff.initial", "20ms"),
                        Map.entry("aggregation.rules", RULES),
                        Map.entry("aggregation.grace", "1s")));
        return new EdgeAgent(config, clock).start();
    }

    /** Publishes values first..last (QoS 1, each acknowledged before the next) as {"v": n}. */
    private static void publish(EdgeAgent agent, String group, String device, int first, int last)
            throws MqttException {
        MqttClient client = new MqttClient(
                "tcp://127.0.0.1:" + agent.mqttAddress().orElseThrow().getPort(),
                "it-" + group + "-" + device,
                new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        client.connect(options);
        for (int n = first; n <= last; n++) {
            client.publish(
                    "tributary/" + group + "/" + device + "/temp",
                    ("{\"v\":" + n + "}").getBytes(StandardCharsets.UTF_8),
                    1,
                    false);
        }
        client.disconnect();
        client.close();
    }

    private static List<Record> inLane(FakeHub hub, String lane) {
        return hub.records().stream()
                .filter(r -> r.getId().getLane().equals(lane))
                .toList();
    }

    private static List<Aggregate> aggregates(FakeHub hub, String group, String device) {
        return inLane(hub, group + AggregationLanes.AGGREGATE_SUFFIX).stream()
                .map(AggregationIT::aggregate)
                .filter(a -> a.getDeviceId().equals(device))
                .toList();
    }

    private static Aggregate aggregate(Record r) {
        assertThat(r.getContentType()).isEqualTo(ContentType.CONTENT_TYPE_AGGREGATE);
        try {
            return Aggregate.parseFrom(r.getPayload());
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void publish_windowRawAndBothTopics_hubGetsAggregatesRawRecordsOrBoth() throws Exception {
        try (FakeHub hub = new FakeHub();
                EdgeAgent agent = start(hub)) {
            publish(agent, "win", "d1", 1, 20);
            publish(agent, "win", "d2", 101, 110);
            publish(agent, "both", "d1", 1, 15);
            publish(agent, "plain", "d1", 1, 12);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> inLane(hub, "plain").size() == 12
                            && inLane(hub, "both").size() == 15);

            clock.advance(Duration.ofSeconds(11)); // past the window's end plus grace

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> inLane(hub, "win#agg").size() == 2
                            && inLane(hub, "both#agg").size() == 1);
            Aggregate d1 = aggregates(hub, "win", "d1").get(0);
            assertThat(List.of(d1.getCount(), d1.getMin(), d1.getMax(), d1.getSum(), d1.getLast()))
                    .containsExactly(20L, 1.0, 20.0, 210.0, 20.0);
            assertThat(d1.getField()).isEqualTo("v");
            assertThat(d1.getMetric()).isEqualTo("temp");
            assertThat(d1.getWindowStartMs()).isEqualTo(T0);
            assertThat(d1.getWindowEndMs()).isEqualTo(T0 + 10_000);
            Aggregate d2 = aggregates(hub, "win", "d2").get(0);
            assertThat(List.of(d2.getCount(), d2.getMin(), d2.getMax(), d2.getSum(), d2.getLast()))
                    .containsExactly(10L, 101.0, 110.0, 1055.0, 110.0);
            Aggregate both = aggregates(hub, "both", "d1").get(0);
            assertThat(List.of(both.getCount(), both.getSum(), both.getLast())).containsExactly(15L, 120.0, 15.0);
            assertThat(hub.records())
                    .noneMatch(r -> r.getDeviceGroup().equals("win")
                            && r.getContentType() != ContentType.CONTENT_TYPE_AGGREGATE)
                    .noneMatch(r -> AggregationLanes.isLocal(r.getId().getLane()));
            assertThat(inLane(hub, "plain"))
                    .extracting(r -> r.getPayload().toStringUtf8())
                    .startsWith("{\"v\":1}", "{\"v\":2}")
                    .hasSize(12);
            assertThat(agent.registry().scrape())
                    .contains("tributary_edge_aggregate_windows_total")
                    .contains("tributary_edge_aggregate_lag");
        }
    }

    @Test
    void restart_midWindowAndAfterAnEmittedWindow_neitherLosesNorDoubleCounts() throws Exception {
        try (FakeHub hub = new FakeHub()) {
            try (EdgeAgent agent = start(hub)) {
                publish(agent, "win", "d1", 1, 10); // window W0
                clock.advance(Duration.ofSeconds(11)); // W0 due; now in W1
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> aggregates(hub, "win", "d1").size() == 1);
                publish(agent, "win", "d1", 11, 25); // W1, open when the agent stops
            }
            try (EdgeAgent agent = start(hub)) {
                publish(agent, "win", "d1", 26, 40); // still W1
                clock.advance(Duration.ofSeconds(10));

                await().atMost(Duration.ofSeconds(30))
                        .until(() -> aggregates(hub, "win", "d1").size() >= 2);
            }
            try (EdgeAgent agent = start(hub)) {
                // a third start finds nothing more to emit: W0 and W1 are behind the marker
                clock.advance(Duration.ofSeconds(20));
                await().during(Duration.ofSeconds(2))
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> aggregates(hub, "win", "d1").size() == 2);
            }

            List<Aggregate> all = aggregates(hub, "win", "d1");
            assertThat(all).extracting(Aggregate::getWindowStartMs).containsExactly(T0, T0 + 10_000);
            assertThat(all.stream().mapToLong(Aggregate::getCount).sum()).isEqualTo(40);
            assertThat(all.stream().mapToDouble(Aggregate::getSum).sum()).isEqualTo(820.0);
            assertThat(all.get(1).getMin()).isEqualTo(11.0);
            assertThat(all.get(1).getLast()).isEqualTo(40.0);
        }
    }

    @Test
    void wallClockSetBackOrForwardByHours_windowsStillCloseOnRealTime_everyValueCountedOnce() throws Exception {
        try (FakeHub hub = new FakeHub();
                EdgeAgent agent = start(hub)) {
            publish(agent, "win", "d1", 1, 10); // window W0
            clock.jump(Duration.ofHours(-3));
            publish(agent, "win", "d1", 11, 20); // stamped 3 h earlier: late, counted in W0
            // 11 real seconds: W0 is due although the wall clock is still 3 h behind its end
            clock.advance(Duration.ofSeconds(11));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> aggregates(hub, "win", "d1").size() == 1);

            clock.jump(Duration.ofHours(6)); // now 3 h ahead of where it was
            publish(agent, "win", "d1", 21, 30);
            clock.advance(Duration.ofSeconds(11));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> aggregates(hub, "win", "d1").size() >= 2);

            List<Aggregate> all = aggregates(hub, "win", "d1");
            assertThat(all.get(0).getCount()).isEqualTo(20);
            assertThat(all.stream().mapToLong(Aggregate::getCount).sum()).isEqualTo(30);
            assertThat(all.stream().mapToDouble(Aggregate::getSum).sum()).isEqualTo(465.0);
        }
    }
}
