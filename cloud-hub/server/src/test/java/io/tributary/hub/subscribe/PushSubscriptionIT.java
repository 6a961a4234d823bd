package io.tributary.hub.subscribe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.client.ConsumerRecord;
import io.tributary.hub.client.ReadPosition;
import io.tributary.hub.client.ShardReader;
import io.tributary.hub.client.ShardReaderOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PushSubscriptionIT {
    @TempDir
    Path dir;

    ConsumerFixture hub;

    @BeforeEach
    void setUp() throws Exception {
        hub = new ConsumerFixture(dir, Duration.ofSeconds(2));
        hub.createStream("s", 1);
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private ShardReader reader(ReadPosition from, int credit) {
        return ShardReader.open(
                hub.resources,
                hub.client(),
                ShardReaderOptions.of("s", "shard-000000", from).withCredit(credit, 0));
    }

    private static List<ConsumerRecord> drain(ShardReader r, int n) throws InterruptedException {
        List<ConsumerRecord> out = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (out.size() < n && System.nanoTime() < deadline) {
            out.addAll(r.poll(Duration.ofMillis(200)));
        }
        return out;
    }

    @Test
    void subscribe_tinyCredit_deliversEverythingInOrder() throws Exception {
        hub.put("s", List.of("a", "b"), 300);
        try (ShardReader r = reader(ReadPosition.trimHorizon(), 1)) {
            List<ConsumerRecord> got = drain(r, 600);
            assertThat(got).hasSize(600);
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i).sequence()).isEqualTo(i);
            }
            assertThat(got.get(0).partitionKey()).isIn("a", "b");
        }
    }

    @Test
    void subscribe_creditExhausted_stopsPushingUntilPolled() throws Exception {
        hub.put("s", List.of("k"), 500);
        try (ShardReader r = reader(ReadPosition.trimHorizon(), 10)) {
            List<ConsumerRecord> first = r.poll(Duration.ofSeconds(10));
            assertThat(first).isNotEmpty();
            // Without further polls the hub holds back: far fewer than 500 records were pushed.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> hub.hub
                                    .registry()
                                    .counter("tributary.hub.push.records")
                                    .count()
                            > 0);
            double pushed =
                    hub.hub.registry().counter("tributary.hub.push.records").count();
            assertThat(hub.hub.registry().get("tributary.hub.push.age").timer().count())
                    .as("each batch pushed noted its age")
                    .isPositive();
            assertThat(pushed).isLessThan(500);
            List<ConsumerRecord> rest = drain(r, 500 - first.size());
            assertThat(rest).hasSize(500 - first.size());
        }
    }

    @Test
    void subscribe_atSequenceInsideBatch_skipsRecordsBelowIt() throws Exception {
        hub.put("s", List.of("k"), 100);
        try (ShardReader r = reader(ReadPosition.atSequence(37), 1000)) {
            List<ConsumerRecord> got = drain(r, 63);
            assertThat(got).hasSize(63);
            assertThat(got.get(0).sequence()).isEqualTo(37);
            assertThat(new String(got.get(0).record().getPayload().toByteArray(), StandardCharsets.UTF_8))
                    .isEqualTo("k-37");
        }
    }

    @Test
    void subscribe_latest_wakesOnAppend() throws Exception {
        hub.put("s", List.of("k"), 10);
        try (ShardReader r = reader(ReadPosition.latest(), 100)) {
            assertThat(r.poll(Duration.ofMillis(300))).isEmpty();
            hub.put("s", List.of("k"), 5);
            List<ConsumerRecord> got = drain(r, 5);
            assertThat(got).extracting(ConsumerRecord::sequence).containsExactly(10L, 11L, 12L, 13L, 14L);
        }
    }

    @Test
    void slowSubscriber_doesNotHoldBackFastOneOrIngest() throws Exception {
        try (ShardReader slow = reader(ReadPosition.trimHorizon(), 5);
                ShardReader fast = reader(ReadPosition.trimHorizon(), 500)) {
            hub.put("s", List.of("k"), 2000);
            // The slow reader never polls after its first few records; the fast one and ingest carry on.
            assertThat(slow.poll(Duration.ofSeconds(10))).isNotEmpty();
            assertThat(drain(fast, 2000)).hasSize(2000);
            hub.put("s", List.of("k"), 1000);
            assertThat(drain(fast, 1000)).hasSize(1000);
            assertThat(slow.position()).isLessThan(100);
        }
    }

    @Test
    void reader_hubRestart_resumesWithoutGapOrDuplicate() throws Exception {
        hub.put("s", List.of("k"), 100);
        try (ShardReader r = reader(ReadPosition.trimHorizon(), 50)) {
            List<ConsumerRecord> got = new ArrayList<>(drain(r, 100));
            hub.stop();
            hub.start();
            hub.put("s", List.of("k"), 100);
            got.addAll(drain(r, 100));
            assertThat(got)
                    .extracting(ConsumerRecord::sequence)
                    .doesNotHaveDuplicates()
                    .hasSize(200);
            assertThat(got.get(199).sequence()).isEqualTo(199);
        }
    }
}
