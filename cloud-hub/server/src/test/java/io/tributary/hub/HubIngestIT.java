package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.hub.TestRecords.Stored;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.PutResult;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.store.ShardKey;
import io.tributary.protocol.v1.Batch;
import io.tributary.protocol.v1.BatchAck;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Nack;
import io.tributary.protocol.v1.NackReason;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingest through a real hub on loopback: the producer client end to end, then the retry semantics of raw {@code Batch}
 * frames (exact duplicates, gaps, partial overlaps) and the refusals of bad batches.
 */
class HubIngestIT {
    private static final String STREAM = "telemetry";
    private static final String ONE_SHARD = "single";

    @TempDir
    Path dir;

    private Hub hub;
    private ClientResources resources;

    @BeforeEach
    void start() throws Exception {
        hub = Hub.start(TestHubs.config(dir, Map.of()));
        resources = new ClientResources(1);
        TestHubs.createStream(resources, TestHubs.client(hub.port()), STREAM, 4);
        TestHubs.createStream(resources, TestHubs.client(hub.port()), ONE_SHARD, 1);
    }

    @AfterEach
    void stop() {
        resources.close();
        hub.close();
    }

    @Test
    void put_severalPartitionKeys_storesEachRecordOnceInKeyOrder() throws Exception {
        List<String> keys = List.of("boilers", "pumps", "valves", "fans", "meters", "lights");
        int perKey = 60;
        Map<String, PutResult> results = new HashMap<>();
        try (Producer producer =
                Producer.create(resources, TestHubs.client(hub.port()), TestHubs.producer(STREAM, "producer-a", 7))) {
            Map<String, CompletableFuture<PutResult>> futures = new HashMap<>();
            for (int i = 0; i < perKey; i++) {
                for (String key : keys) {
                    futures.put(key + ":" + i, producer.put(key, (key + ":" + i).getBytes()));
                }
            }
            CompletableFuture.allOf(futures.values().toArray(CompletableFuture[]::new))
                    .get(30, TimeUnit.SECONDS);
            for (Map.Entry<String, CompletableFuture<PutResult>> e : futures.entrySet()) {
                results.put(e.getKey(), e.getValue().join());
            }
        }

        List<Stored> stored = TestRecords.readStream(hub.store(), hub.streams().describe(STREAM));
        assertThat(stored).hasSize(keys.size() * perKey);
        Map<String, List<String>> byKey = new HashMap<>();
        for (Stored s : stored) {
            byKey.computeIfAbsent(s.record().getId().getLane(), k -> new ArrayList<>())
                    .add(s.text());
            PutResult r = results.get(s.text());
            assertThat(r).as("ack of %s", s.text()).isNotNull();
            assertThat(r.duplicate()).isFalse();
            assertThat(new ShardAt(r.shardId(), r.sequence()))
                    .as("where the ack says %s is", s.text())
                    .isEqualTo(new ShardAt(s.shardId(), s.sequence()));
        }
        for (String key : keys) {
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < perKey; i++) {
                expected.add(key + ":" + i);
            }
            assertThat(byKey.get(key)).as("records of %s, in shard order", key).isEqualTo(expected);
        }
    }

    private record ShardAt(String shard, long sequence) {}

    @Test
    void batch_sentTwice_isAcknowledgedAsDuplicateWithTheSameSequencesAndStoredOnce() throws Exception {
        try (RawLink link = RawLink.handshake(hub.port(), "agent-dup", 0, Optional.empty())) {
            BatchAck first = ack(link.call(TestRecords.batch(1, ONE_SHARD, "agent-dup", link.epoch(), "g", 0, 5)));
            BatchAck again = ack(link.call(TestRecords.batch(2, ONE_SHARD, "agent-dup", link.epoch(), "g", 0, 5)));

            assertThat(first.getDuplicates()).isZero();
            assertThat(again.getBatchId()).isEqualTo(2);
            assertThat(again.getDuplicates()).isEqualTo(5);
            assertThat(again.getSequenceList()).isEqualTo(first.getSequenceList());
            assertThat(again.getShardsList()).isEqualTo(first.getShardsList());
        }
        assertThat(texts(ONE_SHARD)).containsExactly("g:0", "g:1", "g:2", "g:3", "g:4");
    }

    @Test
    void batch_skippingAhead_isNackedRetriableUntilTheMissingBatchArrives() throws Exception {
        try (RawLink link = RawLink.handshake(hub.port(), "agent-gap", 0, Optional.empty())) {
            ack(link.call(TestRecords.batch(1, ONE_SHARD, "agent-gap", link.epoch(), "g", 0, 3)));

            Frame gap = link.call(TestRecords.batch(3, ONE_SHARD, "agent-gap", link.epoch(), "g", 6, 3));
            assertThat(gap.hasNack()).as("answer to a gap: %s", gap).isTrue();
            Nack nack = gap.getNack();
            assertThat(nack.getBatchId()).isEqualTo(3);
            assertThat(nack.getReason()).isEqualTo(NackReason.NACK_REASON_OUT_OF_SEQUENCE);
            assertThat(nack.getRetriable()).isTrue();

            ack(link.call(TestRecords.batch(2, ONE_SHARD, "agent-gap", link.epoch(), "g", 3, 3)));
            BatchAck retried = ack(link.call(TestRecords.batch(3, ONE_SHARD, "agent-gap", link.epoch(), "g", 6, 3)));
            assertThat(retried.getDuplicates()).isZero();
        }
        assertThat(texts(ONE_SHARD)).containsExactly("g:0", "g:1", "g:2", "g:3", "g:4", "g:5", "g:6", "g:7", "g:8");
    }

    @Test
    void batch_partlyOverlappingAStoredRun_storesOnlyTheNewTail() throws Exception {
        try (RawLink link = RawLink.handshake(hub.port(), "agent-overlap", 0, Optional.empty())) {
            BatchAck first = ack(link.call(TestRecords.batch(1, ONE_SHARD, "agent-overlap", link.epoch(), "g", 0, 4)));
            // Re-batched after a crash: 2..7 overlaps the stored 0..3 in 2..3.
            BatchAck overlap =
                    ack(link.call(TestRecords.batch(2, ONE_SHARD, "agent-overlap", link.epoch(), "g", 2, 6)));

            assertThat(overlap.getDuplicates()).isEqualTo(2);
            assertThat(overlap.getSequenceCount()).isEqualTo(6);
            long lastFirst = first.getSequence(3);
            assertThat(overlap.getSequenceList().subList(2, 6))
                    .containsExactly(lastFirst + 1, lastFirst + 2, lastFirst + 3, lastFirst + 4);
            // The next run continues after the tail.
            ack(link.call(TestRecords.batch(3, ONE_SHARD, "agent-overlap", link.epoch(), "g", 8, 1)));
        }
        assertThat(texts(ONE_SHARD)).containsExactly("g:0", "g:1", "g:2", "g:3", "g:4", "g:5", "g:6", "g:7", "g:8");
    }

    @Test
    void batchDeclaringAGap_overRunsTheAgentLostButTheHubStored_isAcknowledgedAndTheLaneGoesOn() throws Exception {
        // An edge agent sent 0..5, then lost records locally (quota, expiry, after a restart) without knowing the hub
        // had them: it goes on from what it still holds and declares the gap. Nothing may stall or be refused.
        try (RawLink link = RawLink.handshake(hub.port(), "agent-lost-locally", 0, Optional.empty())) {
            ack(link.call(TestRecords.batch(1, ONE_SHARD, "agent-lost-locally", link.epoch(), "g", 0, 6)));

            BatchAck within = ack(link.call(
                    gapBefore(TestRecords.batch(2, ONE_SHARD, "agent-lost-locally", link.epoch(), "g", 2, 3))));
            BatchAck across = ack(link.call(
                    gapBefore(TestRecords.batch(3, ONE_SHARD, "agent-lost-locally", link.epoch(), "g", 4, 4))));
            BatchAck beyond = ack(link.call(
                    gapBefore(TestRecords.batch(4, ONE_SHARD, "agent-lost-locally", link.epoch(), "g", 10, 2))));
            ack(link.call(TestRecords.batch(5, ONE_SHARD, "agent-lost-locally", link.epoch(), "g", 12, 1)));

            assertThat(within.getDuplicates()).as("2..4, all stored").isEqualTo(3);
            assertThat(across.getDuplicates()).as("4..7, of which 4..5 stored").isEqualTo(2);
            assertThat(beyond.getDuplicates()).as("10..11 after 8..9 lost").isZero();
        }
        assertThat(texts(ONE_SHARD))
                .containsExactly("g:0", "g:1", "g:2", "g:3", "g:4", "g:5", "g:6", "g:7", "g:10", "g:11", "g:12");
    }

    private static Frame gapBefore(Frame batch) {
        return Frame.newBuilder()
                .setBatch(batch.getBatch().toBuilder().setGapBefore(true))
                .build();
    }

    @Test
    void batch_forUnknownStream_isNackedNotRetriable() throws Exception {
        try (RawLink link = RawLink.handshake(hub.port(), "agent-lost", 0, Optional.empty())) {
            Frame reply = link.call(TestRecords.batch(9, "no-such-stream", "agent-lost", link.epoch(), "g", 0, 2));

            assertThat(reply.hasNack()).as("answer: %s", reply).isTrue();
            assertThat(reply.getNack().getReason()).isEqualTo(NackReason.NACK_REASON_UNKNOWN_STREAM);
            assertThat(reply.getNack().getRetriable()).isFalse();
            // The connection stays usable.
            ack(link.call(TestRecords.batch(10, ONE_SHARD, "agent-lost", link.epoch(), "g", 0, 2)));
        }
        assertThat(hub.registry()
                        .get("tributary.hub.nacks")
                        .tag("reason", NackReason.NACK_REASON_UNKNOWN_STREAM.name())
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void batch_whoseCountDisagreesWithItsSequences_isNackedAsBadRequest() throws Exception {
        try (RawLink link = RawLink.handshake(hub.port(), "agent-bad", 0, Optional.empty())) {
            Frame good = TestRecords.batch(1, ONE_SHARD, "agent-bad", link.epoch(), "g", 0, 3);
            Batch bad = good.getBatch().toBuilder().setLastSequence(5).build();
            Frame reply = link.call(Frame.newBuilder().setBatch(bad).build());

            assertThat(reply.hasNack()).as("answer: %s", reply).isTrue();
            assertThat(reply.getNack().getReason()).isEqualTo(NackReason.NACK_REASON_BAD_REQUEST);
            assertThat(reply.getNack().getRetriable()).isFalse();
        }
        assertThat(texts(ONE_SHARD)).isEmpty();
    }

    private List<String> texts(String stream) {
        return TestRecords.readShard(hub.store(), new ShardKey(stream, onlyShard(stream))).stream()
                .map(Stored::text)
                .toList();
    }

    private String onlyShard(String stream) {
        return hub.streams().describe(stream).shards().get(0).id();
    }

    static BatchAck ack(Frame reply) {
        assertThat(reply.hasBatchAck()).as("expected a BatchAck, got %s", reply).isTrue();
        return reply.getBatchAck();
    }
}
