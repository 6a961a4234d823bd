package io.tributary.hub.store.pulsar;

import static io.tributary.hub.store.SampleBatches.batch;
import static io.tributary.hub.store.SampleBatches.idOf;
import static io.tributary.hub.store.SampleBatches.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.hub.store.StoredBatch;
import io.tributary.testsupport.MutableClock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Pulsar store when something goes wrong: a second writer, a broker killed while appending. */
class PulsarShardStoreFailureIT {
    private static final ProducerKey PRODUCER = new ProducerKey("agent-f", "lane", 3);

    @RegisterExtension
    static final PulsarBroker PULSAR = new PulsarBroker();

    private final MutableClock clock = new MutableClock(5_000_000);

    private PulsarShardStore store(Duration timeout) {
        PulsarStandalone broker = PULSAR.broker();
        return new PulsarShardStore(
                PulsarStoreConfig.builder(broker.serviceUrl(), broker.adminUrl())
                        .namespace("it")
                        .operationTimeout(timeout)
                        .build(),
                clock);
    }

    @Test
    void aSecondStoreOnTheSameShardIsFencedAndTheFirstKeepsItsSequences() {
        ShardKey shard = new ShardKey("fenced-" + System.nanoTime(), "shard-000000");
        try (PulsarShardStore first = store(Duration.ofSeconds(20));
                PulsarShardStore second = store(Duration.ofSeconds(20))) {
            first.open(shard);
            for (int i = 0; i < 3; i++) {
                first.append(shard, batch(PRODUCER, i, i, 1)).join();
            }

            assertThatThrownBy(() -> second.open(shard))
                    .isInstanceOf(ShardUnavailableException.class)
                    .hasMessageContaining("another writer holds topic");
            assertThat(second.info(shard).status()).isEqualTo(ShardStatus.OFFLINE);
            assertThat(second.info(shard).cause()).contains("exclusive producer");
            assertThatThrownBy(
                            () -> second.append(shard, batch(PRODUCER, 3, 3, 1)).join())
                    .hasCauseInstanceOf(ShardUnavailableException.class);

            AppendResult fourth = first.append(shard, batch(PRODUCER, 3, 3, 1)).join();
            assertThat(fourth.baseSequence()).isEqualTo(3);
            first.close();

            // Once the holder let go, the other store takes the shard over where it ended.
            assertThat(second.open(shard).nextSequence()).isEqualTo(4);
            assertThat(second.append(shard, batch(PRODUCER, 3, 3, 1)).join().duplicate())
                    .isTrue();
            assertThat(second.append(shard, batch(PRODUCER, 4, 4, 1)).join().baseSequence())
                    .isEqualTo(4);
        }
    }

    /**
     * SIGKILL the broker with appends in flight, start it again, reopen: every acknowledged batch is there once at the
     * sequence it was acknowledged with, sequences are contiguous, and resending every unacknowledged batch in order
     * (as an edge agent does) leaves each batch stored exactly once.
     */
    @Test
    void brokerKilledWhileAppendingLosesNothingAcknowledgedAndResendsAreDeduplicated() throws Exception {
        ShardKey shard = new ShardKey("crash-" + System.nanoTime(), "shard-000000");
        int total = 400;
        int killAt = 150;
        Map<Long, Long> acked = new HashMap<>();
        List<Long> unacked = new ArrayList<>();
        try (PulsarShardStore writer = store(Duration.ofSeconds(8))) {
            writer.open(shard);
            ArrayDeque<long[]> window = new ArrayDeque<>();
            Map<Long, CompletableFuture<AppendResult>> futures = new HashMap<>();
            for (long id = 0; id < total; id++) {
                if (id == killAt) {
                    PULSAR.broker().restart(); // SIGKILL, then start on the same data
                }
                futures.put(id, writer.append(shard, batch(PRODUCER, id, id, 1)));
                window.add(new long[] {id});
                while (window.size() > 32 || (id == total - 1 && !window.isEmpty())) {
                    settle(window.poll()[0], futures, acked, unacked);
                }
            }
        }
        assertThat(acked).hasSizeGreaterThanOrEqualTo(killAt - 32);

        try (PulsarShardStore reopened = store(Duration.ofSeconds(20))) {
            long next = reopened.open(shard).nextSequence();
            List<StoredBatch> stored = readAll(reopened, shard);
            assertContiguous(stored, next);
            Map<Long, Long> storedIds = new HashMap<>();
            for (StoredBatch b : stored) {
                assertThat(storedIds.put(idOf(b), b.baseSequence()))
                        .as("id stored twice")
                        .isNull();
            }
            acked.forEach((id, base) -> assertThat(storedIds).containsEntry(id, base));

            for (long id : unacked) { // in producer order
                AppendResult r =
                        reopened.append(shard, batch(PRODUCER, id, id, 1)).get(30, TimeUnit.SECONDS);
                assertThat(r.duplicate()).isEqualTo(storedIds.containsKey(id));
            }
            List<StoredBatch> all = readAll(reopened, shard);
            assertContiguous(all, reopened.info(shard).nextSequence());
            assertThat(all).extracting(b -> idOf(b)).containsExactlyElementsOf(range(total));
        }
    }

    private static void settle(
            long id, Map<Long, CompletableFuture<AppendResult>> futures, Map<Long, Long> acked, List<Long> unacked)
            throws InterruptedException, TimeoutException {
        try {
            acked.put(id, futures.remove(id).get(60, TimeUnit.SECONDS).baseSequence());
        } catch (ExecutionException e) {
            unacked.add(id);
        }
    }

    private static List<Long> range(int n) {
        List<Long> ids = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            ids.add(i);
        }
        return ids;
    }

    private static void assertContiguous(List<StoredBatch> batches, long next) {
        long expected = batches.isEmpty() ? next : batches.get(0).baseSequence();
        assertThat(expected).isZero();
        for (StoredBatch b : batches) {
            assertThat(b.baseSequence()).isEqualTo(expected);
            expected = b.nextSequence();
        }
        assertThat(expected).isEqualTo(next);
    }
}
