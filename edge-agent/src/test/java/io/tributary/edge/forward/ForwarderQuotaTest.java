package io.tributary.edge.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.tributary.edge.aggregate.AggregationLanes;
import io.tributary.edge.buffer.Appended;
import io.tributary.edge.buffer.BufferConfig;
import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.buffer.LossReason;
import io.tributary.edge.buffer.OverflowPolicy;
import io.tributary.edge.buffer.PendingRecord;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The forwarder and a full buffer: the loss ledger counts exactly what never reaches the hub. */
class ForwarderQuotaTest extends ForwarderFixture {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String PAD = "x".repeat(1000);

    /** A small quota that drops the oldest, in small chunks: reclaim runs while batches are on their way. */
    @Override
    DurableBuffer openBuffer() {
        return FakeHub.openGranted(() -> DurableBuffer.open(
                BufferConfig.builder(dir.resolve("buffer"), "agent-1")
                        .quotaBytes(64 * 1024)
                        .overflowPolicy(OverflowPolicy.DROP_OLDEST)
                        .maxChunkBytes(4 * 1024)
                        .build(),
                Clock.systemUTC(),
                registry));
    }

    private void start() {
        start(lane -> {});
    }

    private void start(Consumer<String> afterRead) {
        ClientOptions options = ClientOptions.builder(HubEndpoint.parseList(hub.address()))
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        ForwarderConfig config = ForwarderConfig.defaults("telemetry")
                .withBatching(5, 1 << 20, Duration.ZERO)
                .withInFlight(64, 64)
                .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
        forwarder = new Forwarder(config, buffer, resources, options, "agent-1", registry, Clock.systemUTC());
        forwarder.afterRead(afterRead);
        forwarder.start();
    }

    /** Appends one record at a time (each its own commit), every one stored: an acknowledged publish. */
    private List<RecordId> append(int from, int to) {
        return append("a", from, to);
    }

    private List<RecordId> append(String lane, int from, int to) {
        List<RecordId> ids = new ArrayList<>();
        for (int i = from; i < to; i++) {
            Record body = Record.newBuilder()
                    .setDeviceGroup(lane)
                    .setDeviceId("dev")
                    .setContentType(ContentType.CONTENT_TYPE_TEXT)
                    .setPayload(ByteString.copyFromUtf8(i + PAD))
                    .build();
            Appended a = buffer.append(PendingRecord.of(lane, body))
                    .orTimeout(10, TimeUnit.SECONDS)
                    .join();
            assertThat(a.isStored()).as("record %d stored", i).isTrue();
            ids.add(a.id());
        }
        return ids;
    }

    @Test
    void dropOldest_reclaimAfterEveryRead_laneStillSentWithoutReReadLoopAndLedgerExact() {
        // The buffer at its quota, and quota reclaim taking records of lane "a" right after every read of it: the
        // sustained pressure of devices publishing into a full buffer, made deterministic. The pressure comes from a
        // local lane (raw records kept for aggregation, never sent), so it does not feed the forwarder itself.
        // Reading and holding what is sent used to be two steps; a reclaim in between refused the hold and the read
        // was repeated at once, so under this pressure lane "a" was read again and again and never sent, until
        // reclaim had taken all of it.
        String local = AggregationLanes.raw("p", 60_000);
        List<RecordId> all = new ArrayList<>();
        for (int i = 0; buffer.losses().get(LossReason.DROPPED) == 0; i++) {
            all.addAll(append(i, i + 1)); // up to the quota: the last append made the first reclaim
        }
        AtomicInteger readsOfA = new AtomicInteger();
        start(lane -> {
            if (lane.equals("a")) {
                int n = readsOfA.incrementAndGet();
                all.addAll(append(local, n, n + 1)); // over the quota: the oldest records not on their way go
            }
        });

        await().atMost(WAIT)
                .until(() -> buffer.read("a", LanePosition.BEFORE_FIRST, 1, Integer.MAX_VALUE)
                        .isEmpty());

        List<RecordId> atHub = hub.records().stream().map(Record::getId).toList();
        long batches = hub.batches().size();
        assertThat(atHub).as("lane a reached the hub").isNotEmpty();
        // a read of "a" that sends nothing happens at most once per batch (the next one follows a local gap, so it
        // waits for the acks) plus housekeeping ticks; the re-read loop read it about once per record reclaimed
        assertThat(readsOfA.get()).isLessThanOrEqualTo(2 * (int) batches + 5);
        Set<RecordId> reached = new HashSet<>(atHub);
        int stillStored = buffer.read(local, LanePosition.BEFORE_FIRST, 10_000, Integer.MAX_VALUE)
                .size();
        assertThat(buffer.losses().get(LossReason.DROPPED))
                .as("acknowledged appends that never reached the hub")
                .isEqualTo(all.size() - reached.size() - stillStored);
        assertThat(buffer.losses().get(LossReason.REJECTED)).isZero();
        assertThat(all).containsAll(reached);
    }

    @Test
    void dropOldest_whileBatchesAreInFlight_ledgerCountsExactlyWhatNeverReachesTheHub() {
        CompletableFuture<Void> acks = new CompletableFuture<>();
        hub.policy(b -> acks.isDone() ? FakeHub.ACK : new FakeHub.AckWhen(acks));
        List<RecordId> all = new ArrayList<>(append(0, 30)); // about half the quota
        start();
        // The oldest records are at the hub, their acks withheld: in flight.
        await().atMost(WAIT).until(() -> hub.recordCount() >= 5);

        all.addAll(append(30, 100)); // overflows the quota while those batches are in flight
        long droppedWhileInFlight = buffer.losses().get(LossReason.DROPPED);
        acks.complete(null);
        await().atMost(WAIT).until(() -> buffer.storedRecords() == 0);

        assertThat(droppedWhileInFlight).isPositive();
        List<RecordId> atHub = hub.records().stream().map(Record::getId).toList();
        Set<RecordId> reached = new HashSet<>(atHub);
        assertThat(buffer.losses().get(LossReason.DROPPED))
                .as("acknowledged appends that never reached the hub")
                .isEqualTo(all.size() - reached.size());
        assertThat(buffer.losses().get(LossReason.REJECTED)).isZero();
        assertThat(all).containsAll(reached);
        assertThat(atHub)
                .as("lane order")
                .isEqualTo(all.stream().filter(reached::contains).toList());
        assertThat(atHub).as("the lane goes on after the local gap").contains(all.get(all.size() - 1));
    }
}
