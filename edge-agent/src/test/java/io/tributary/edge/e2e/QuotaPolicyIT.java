package io.tributary.edge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.tributary.edge.EdgeAgent;
import io.tributary.hub.client.ConsumerRecord;
import io.tributary.protocol.v1.Aggregate;
import io.tributary.protocol.v1.ContentType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each overflow policy end to end with a 1 MiB buffer quota and the hub down while ~1 KiB publishes overflow it, then
 * back while publishing goes on and the backlog drains (so the quota overflows with batches in flight): the loss ledger
 * counts exactly the acknowledged publishes that never reach the hub, and the hub keeps accepting each lane after the
 * local gap (batches declare {@code gap_before}), so the lanes' later records arrive.
 */
class QuotaPolicyIT {
    private static final int DEVICES = 2;
    private static final String PAD = "x".repeat(900);

    @TempDir
    Path dir;

    @Test
    void dropOldest_quotaFullWhileHubDown_ledgerCountsExactlyTheMissingAndLanesStayAccepted() throws Exception {
        Outcome o = overflow("drop-oldest");
        assertThat(o.dropped).isPositive();
        assertThat(o.rolledUp).isZero();
        assertThat(o.aggregatedCount).isZero();
        assertThat(o.acked.size() - o.rawAtHub.size()).isEqualTo(o.dropped);
    }

    @Test
    void aggregateOldest_quotaFullWhileHubDown_rolledUpCountedAndDeliveredAsAggregates() throws Exception {
        Outcome o = overflow("aggregate-oldest");
        assertThat(o.rolledUp).isPositive();
        assertThat(o.acked.size() - o.rawAtHub.size()).isEqualTo(o.rolledUp + o.dropped);
        assertThat(o.aggregatedCount)
                .as("raw records summarised by the aggregates")
                .isEqualTo(o.rolledUp);
    }

    @Test
    void rejectNew_quotaFullWhileHubDown_mqtt5Gets0x97AndMqtt311AckWithheld() throws Exception {
        try (RealHub hub = new RealHub(dir.resolve("hub"));
                EdgeAgent agent = InProcessEdge.start(dir.resolve("edge"), hub, quota("reject-new"))) {
            hub.createStream(1);
            Mqtt5Device v5 = new Mqtt5Device(agent, "quota-v5");
            List<String> acked = new ArrayList<>();
            int n = 0;
            for (; n < 20; n++) {
                assertThat(publish5(v5, n)).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
                acked.add(payload(0, n));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> InProcessEdge.buffered(agent) == 0);

            hub.stop();
            int refused = 0;
            for (; n < 3_000 && refused < 20; n++) {
                Mqtt5PubAckReasonCode code = publish5(v5, n);
                if (code == Mqtt5PubAckReasonCode.SUCCESS) {
                    assertThat(refused)
                            .as("a success after a refusal while nothing drains")
                            .isZero();
                    acked.add(payload(0, n));
                } else {
                    assertThat(code).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
                    refused++;
                }
            }
            assertThat(refused).isEqualTo(20);

            MqttAsyncClient v3 = new MqttAsyncClient(InProcessEdge.mqttUri(agent), "quota-v3", new MemoryPersistence());
            v3.connect(new MqttConnectOptions()).waitForCompletion(5_000);
            IMqttDeliveryToken withheld = v3.publish(topic(1), utf8(payload(1, 0)), 1, false);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> !withheld.isComplete());
            assertThat(InProcessEdge.lost(agent, "rejected")).isEqualTo(refused + 1L);

            hub.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> InProcessEdge.buffered(agent) == 0);
            assertThat(publish5(v5, n)).as("room again once drained").isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            acked.add(payload(0, n));
            await().atMost(Duration.ofSeconds(30)).until(() -> hub.storedRecords() == acked.size());
            List<String> atHub = hub.readAll().stream()
                    .map(r -> r.record().getPayload().toStringUtf8())
                    .toList();
            assertThat(atHub).containsExactlyElementsOf(acked);
            assertThat(agent.health().json()).contains("\"lanesRefused\":[]");
            v3.disconnectForcibly(0, 100);
            v3.close(true);
            v5.close();
        }
    }

    private record Outcome(
            List<String> acked, List<String> rawAtHub, long dropped, long rolledUp, long aggregatedCount) {}

    /** Fills the quota with the hub down under {@code policy}, brings the hub back, waits for the drain. */
    private Outcome overflow(String policy) throws Exception {
        try (RealHub hub = new RealHub(dir.resolve("hub"));
                EdgeAgent agent = InProcessEdge.start(dir.resolve("edge"), hub, quota(policy))) {
            hub.createStream(1);
            MqttAsyncClient client =
                    new MqttAsyncClient(InProcessEdge.mqttUri(agent), "quota-" + policy, new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setMaxInflight(64);
            client.connect(options).waitForCompletion(5_000);
            List<List<String>> acked = List.of(new ArrayList<>(), new ArrayList<>());
            int[] next = new int[DEVICES];
            publish(client, acked, next, 20);
            await().atMost(Duration.ofSeconds(30)).until(() -> InProcessEdge.buffered(agent) == 0);

            hub.stop();
            publish(client, acked, next, 1_200); // ~2.4 MiB of records into a 1 MiB quota: every publish is acked
            hub.start();
            // Publishing on at once while the full backlog drains: the quota overflows again while batches are in
            // flight, so records are dropped (or rolled up) next to records that are on their way to the hub and
            // may still arrive. The ledger must count only the ones that never do. The last publishes come after
            // the local gap: the hub must accept the lanes again.
            publish(client, acked, next, 600);
            client.disconnect().waitForCompletion(5_000);
            client.close();
            await().atMost(Duration.ofSeconds(60)).until(() -> InProcessEdge.buffered(agent) == 0);
            assertThat(agent.health().json()).contains("\"lanesRefused\":[]");

            List<ConsumerRecord> records = hub.readAll();
            List<String> raw = new ArrayList<>();
            long aggregated = 0;
            for (ConsumerRecord r : records) {
                if (r.record().getContentType() == ContentType.CONTENT_TYPE_AGGREGATE) {
                    aggregated += Aggregate.parseFrom(r.record().getPayload()).getCount();
                } else {
                    raw.add(r.record().getPayload().toStringUtf8());
                }
            }
            assertThat(new LinkedHashSet<>(raw)).as("no duplicates").hasSize(raw.size());
            List<String> all = new ArrayList<>();
            for (int d = 0; d < DEVICES; d++) {
                String prefix = "{\"id\":\"" + d + "-";
                List<String> mine =
                        raw.stream().filter(p -> p.startsWith(prefix)).toList();
                Set<String> mineSet = Set.copyOf(mine);
                List<String> expectedOrder =
                        acked.get(d).stream().filter(mineSet::contains).toList();
                assertThat(mine).as("device %d: acked ones, in order", d).containsExactlyElementsOf(expectedOrder);
                List<String> lastOnes = acked.get(d)
                        .subList(acked.get(d).size() - 20, acked.get(d).size());
                assertThat(mine).as("device %d: records after the gap", d).containsAll(lastOnes);
                all.addAll(acked.get(d));
            }
            assertThat(InProcessEdge.lost(agent, "rejected")).isZero();
            assertThat(InProcessEdge.lost(agent, "expired")).isZero();
            return new Outcome(
                    all, raw, InProcessEdge.lost(agent, "dropped"), InProcessEdge.lost(agent, "rolled_up"), aggregated);
        }
    }

    private static Map<String, String> quota(String policy) {
        return Map.of(
                "buffer.quota", "1MiB",
                "buffer.overflow-policy", policy,
                "batch.max-records", "50");
    }

    private static void publish(MqttAsyncClient client, List<List<String>> acked, int[] next, int perDevice)
            throws Exception {
        List<IMqttDeliveryToken> tokens = new ArrayList<>();
        List<String[]> sent = new ArrayList<>();
        for (int i = 0; i < perDevice; i++) {
            for (int d = 0; d < DEVICES; d++) {
                String p = payload(d, next[d]++);
                tokens.add(publishWhenSlotFree(client, topic(d), utf8(p)));
                sent.add(new String[] {Integer.toString(d), p});
                if (tokens.size() > 16) {
                    // At most 16 in flight: Paho frees its own in-flight slot a little after completing the token.
                    tokens.get(tokens.size() - 17).waitForCompletion(10_000);
                }
            }
        }
        for (int i = 0; i < tokens.size(); i++) {
            tokens.get(i).waitForCompletion(10_000);
            acked.get(Integer.parseInt(sent.get(i)[0])).add(sent.get(i)[1]);
        }
    }

    /**
     * Paho frees a completed publish's in-flight slot on its callback thread, later than the token completes; on a
     * loaded machine that lag can fill its in-flight limit although the test keeps only 16 tokens open. Wait for a
     * slot instead of failing.
     */
    private static IMqttDeliveryToken publishWhenSlotFree(MqttAsyncClient client, String topic, byte[] payload)
            throws MqttException {
        while (true) {
            try {
                return client.publish(topic, payload, 1, false);
            } catch (MqttException e) {
                if (e.getReasonCode() != MqttException.REASON_CODE_MAX_INFLIGHT) {
                    throw e;
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> client.getInFlightMessageCount() < 32);
            }
        }
    }

    private static Mqtt5PubAckReasonCode publish5(Mqtt5Device device, int n) {
        return device.publish(topic(0), payload(0, n));
    }

    private static String topic(int d) {
        return "tributary/g" + d + "/dev-" + d + "/temp";
    }

    private static String payload(int d, int n) {
        return "{\"id\":\"" + d + "-" + n + "\",\"v\":" + (n % 50) + ",\"pad\":\"" + PAD + "\"}";
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
