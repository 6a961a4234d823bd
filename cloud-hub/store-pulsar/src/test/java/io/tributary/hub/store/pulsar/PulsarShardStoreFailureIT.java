package io.tributary.hub.store.pulsar;

import static io.tributary.hub.store.SampleBatches.batch;
import static io.tributary.hub.store.SampleBatches.idOf;
import static io.tributary.hub.store.SampleBatches.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.hub.store.ShardWrittenElsewhereException;
import io.tributary.hub.store.StoredBatch;
import io.tributary.testsupport.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Pulsar store when something goes wrong: a second writer (fenced, then taking over), a writer killed, a broker
 * killed while appending.
 */
class PulsarShardStoreFailureIT {
    private static final ProducerKey PRODUCER = new ProducerKey("agent-f", "lane", 3);

    @RegisterExtension
    static final PulsarBroker PULSAR = new PulsarBroker();

    private final MutableClock clock = new MutableClock(5_000_000);

    private PulsarShardStore store(Duration timeout) {
        return store(timeout, "", new SimpleMeterRegistry());
    }

    private PulsarShardStore store(Duration timeout, String endpoint, MeterRegistry registry) {
        PulsarStandalone broker = PULSAR.broker();
        return new PulsarShardStore(
                PulsarStoreConfig.builder(broker.serviceUrl(), broker.adminUrl())
                        .namespace("it")
                        .operationTimeout(timeout)
                        .writerEndpoint(endpoint)
                        .takeoverInterval(Duration.ofMillis(200))
                        .build(),
                clock,
                registry);
    }

    @Test
    void aSecondStoreOnTheSameShardIsFencedRedirectsToTheWriterAndTakesOverWhenItCloses() {
        ShardKey shard = new ShardKey("fenced-" + System.nanoTime(), "shard-000000");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PulsarShardStore first = store(Duration.ofSeconds(20), "127.0.0.1:7501", new SimpleMeterRegistry());
                PulsarShardStore second = store(Duration.ofSeconds(20), "127.0.0.1:7502", registry)) {
            first.open(shard);
            for (int i = 0; i < 3; i++) {
                first.append(shard, batch(PRODUCER, i, i, 1)).join();
            }

            ShardInfo there = second.open(shard);
            assertThat(there.status()).isEqualTo(ShardStatus.WRITTEN_ELSEWHERE);
            assertThat(there.nextSequence()).as("unknown here").isEqualTo(-1);
            assertThat(there.cause())
                    .isEqualTo("written by another hub: 127.0.0.1:7501 (run "
                            + WriterName.parse(first.writerName()).orElseThrow().run() + ")");
            assertThatThrownBy(
                            () -> second.append(shard, batch(PRODUCER, 3, 3, 1)).join())
                    .cause()
                    .isInstanceOfSatisfying(
                            ShardWrittenElsewhereException.class,
                            e -> assertThat(e.writerEndpoint()).isEqualTo("127.0.0.1:7501"));
            assertThatThrownBy(() -> second.read(shard, 0, 10, 1 << 20))
                    .isInstanceOf(ShardWrittenElsewhereException.class);

            AppendResult fourth = first.append(shard, batch(PRODUCER, 3, 3, 1)).join();
            assertThat(fourth.baseSequence()).isEqualTo(3);
            assertThat(second.info(shard).status()).isEqualTo(ShardStatus.WRITTEN_ELSEWHERE);
            first.close();

            // Once the holder let go, the other store takes the shard over by itself, where it ended.
            await("take-over")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> second.info(shard).status() == ShardStatus.ONLINE);
            assertThat(second.info(shard).nextSequence()).isEqualTo(4);
            assertThat(registry.get("tributary.store.pulsar.takeovers")
                            .counter()
                            .count())
                    .isEqualTo(1.0);
            assertThat(second.append(shard, batch(PRODUCER, 3, 3, 1)).join().duplicate())
                    .isTrue();
            assertThat(second.append(shard, batch(PRODUCER, 4, 4, 1)).join().baseSequence())
                    .isEqualTo(4);
        }
    }

    /**
     * A writer without an endpoint cannot be redirected to: the other store's open fails and its shard counts as
     * OFFLINE (its hub cannot serve those producers, so its health says so), its appends fail without an endpoint to send them to, and it is
     * still tried every interval and taken over when the writer goes.
     */
    @Test
    void aWriterWithoutEndpoint_isOfflineElsewhere_andStillTakenOverWhenItCloses() {
        ShardKey shard = new ShardKey("no-endpoint-" + System.nanoTime(), "shard-000000");
        try (PulsarShardStore first = store(Duration.ofSeconds(20));
                PulsarShardStore second = store(Duration.ofSeconds(20), "127.0.0.1:7502", new SimpleMeterRegistry())) {
            first.open(shard);
            first.append(shard, batch(PRODUCER, 0, 0, 1)).join();

            assertThatThrownBy(() -> second.open(shard))
                    .isInstanceOf(ShardWrittenElsewhereException.class)
                    .hasMessageContaining("written by another hub: a hub with no advertised endpoint");
            ShardInfo there = second.info(shard);
            assertThat(there.status()).isEqualTo(ShardStatus.OFFLINE);
            assertThat(there.cause()).contains("written by another hub: a hub with no advertised endpoint");
            assertThatThrownBy(
                            () -> second.append(shard, batch(PRODUCER, 1, 1, 1)).join())
                    .cause()
                    .isInstanceOfSatisfying(
                            ShardWrittenElsewhereException.class,
                            e -> assertThat(e.writerEndpoint()).isEmpty());
            first.close();
            await("take-over")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> second.info(shard).status() == ShardStatus.ONLINE);
            assertThat(second.append(shard, batch(PRODUCER, 1, 1, 1)).join().baseSequence())
                    .isEqualTo(1);
        }
    }

    /**
     * A stream deleted by the hub that writes it (its catalog is per hub for now, so the other hub still lists it):
     * the other store does not take the topic over, which would create it anew and number from 0 again.
     */
    @Test
    void aShardWhoseTopicWasDeleted_isNotCreatedAgainByATakeover() throws Exception {
        ShardKey shard = new ShardKey("deleted-" + System.nanoTime(), "shard-000000");
        try (PulsarShardStore first = store(Duration.ofSeconds(20), "127.0.0.1:7501", new SimpleMeterRegistry());
                PulsarShardStore second = store(Duration.ofSeconds(20), "127.0.0.1:7502", new SimpleMeterRegistry())) {
            first.open(shard);
            first.append(shard, batch(PRODUCER, 0, 0, 1)).join();
            assertThat(second.open(shard).status()).isEqualTo(ShardStatus.WRITTEN_ELSEWHERE);

            first.delete(shard).get(30, TimeUnit.SECONDS);
            await("the other store sees the topic gone")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> second.info(shard), i -> i.cause().contains("no longer exists"));
            await("and does not take it")
                    .during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> second.info(shard).status() == ShardStatus.OFFLINE);
        }
    }

    /** The batches of one shard's appender in the crash test, settled or not. */
    private static final class Appender {
        final PulsarShardStore store;
        final ShardKey shard;
        final Map<Long, CompletableFuture<AppendResult>> inFlight = new LinkedHashMap<>();
        final Map<Long, Long> acked = new HashMap<>();
        final List<Long> failed = new ArrayList<>();

        Appender(PulsarShardStore store, String stream) {
            this.store = store;
            this.shard = new ShardKey(stream + "-" + System.nanoTime(), "shard-000000");
            store.open(shard);
        }

        void append(long id) {
            inFlight.put(id, store.append(shard, batch(PRODUCER, id, id, 1)));
        }

        /** Waits for the oldest appends until at most {@code max} are in flight. */
        void settle(int max) throws InterruptedException, TimeoutException {
            var it = inFlight.entrySet().iterator();
            while (inFlight.size() > max) {
                var e = it.next();
                try {
                    acked.put(e.getKey(), e.getValue().get(60, TimeUnit.SECONDS).baseSequence());
                } catch (ExecutionException x) {
                    failed.add(e.getKey());
                }
                it.remove();
            }
        }
    }

    /**
     * SIGKILL the broker with appends in flight on two shards, keep appending while it is down, start it again: the
     * shard whose store has a short send timeout goes OFFLINE (the outcome of its sends is unknown) and is reopened by
     * the store's takeover tries;
     * the other's client reconnects and resends by itself. For both: every acknowledged batch is stored once at the
     * sequence it was acknowledged with, sequences are contiguous, and resending every failed batch in order (as an
     * edge agent does) leaves each batch stored exactly once. One broker restart for both cases.
     */
    @Test
    void brokerKilledWhileAppendingLosesNothingAcknowledgedAndResendsAreDeduplicated() throws Exception {
        int total = 300;
        int killAt = 150;
        try (PulsarShardStore impatient = store(Duration.ofSeconds(2));
                PulsarShardStore patient = store(Duration.ofSeconds(60))) {
            Appender offline = new Appender(impatient, "crash-offline");
            Appender reconnects = new Appender(patient, "crash-reconnect");
            for (long id = 0; id < total; id++) {
                if (id == killAt) {
                    PULSAR.broker().kill();
                }
                offline.append(id);
                reconnects.append(id);
                if (id < killAt) {
                    offline.settle(16);
                    reconnects.settle(16);
                }
            }
            await("send timeout takes the shard OFFLINE")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> impatient.info(offline.shard).status() == ShardStatus.OFFLINE);
            PULSAR.broker().restart();
            offline.settle(0);
            reconnects.settle(0);
            // The store's takeover tries reopen the shard that lost its producer, with nobody asking.
            await("reopened by itself")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> impatient.info(offline.shard).status() == ShardStatus.ONLINE);
            assertThat(offline.failed).isNotEmpty();
            assertThat(offline.acked).hasSizeGreaterThanOrEqualTo(killAt - 16);

            assertExactlyOnceAfterResend(offline, impatient, total); // reopens the OFFLINE shard in the same store
            patient.close();
            try (PulsarShardStore fresh = store(Duration.ofSeconds(20))) {
                assertExactlyOnceAfterResend(reconnects, fresh, total);
            }
        }
    }

    private static void assertExactlyOnceAfterResend(Appender appender, PulsarShardStore store, int total)
            throws Exception {
        ShardKey shard = appender.shard;
        long next = store.open(shard).nextSequence();
        List<StoredBatch> stored = readAll(store, shard);
        assertContiguous(stored, next);
        Map<Long, Long> storedIds = new HashMap<>();
        for (StoredBatch b : stored) {
            assertThat(storedIds.put(idOf(b), b.baseSequence()))
                    .as("id stored twice")
                    .isNull();
        }
        appender.acked.forEach((id, base) -> assertThat(storedIds).containsEntry(id, base));

        for (long id : appender.failed) { // in producer order
            AppendResult r = store.append(shard, batch(PRODUCER, id, id, 1)).get(30, TimeUnit.SECONDS);
            assertThat(r.duplicate()).as("resend of " + id).isEqualTo(storedIds.containsKey(id));
        }
        List<StoredBatch> all = readAll(store, shard);
        assertContiguous(all, store.info(shard).nextSequence());
        assertThat(all).extracting(b -> idOf(b)).containsExactlyElementsOf(range(total));
    }

    /**
     * SIGKILL a store (a child JVM) while it appends: the next store takes the shard over once the broker saw the dead
     * writer's connection go, every batch the dead one had acknowledged is there once at its sequence, and resending
     * everything it may have sent, in order, stores each batch exactly once.
     */
    @Test
    void aWriterKilledWhileAppendingIsTakenOverWithoutLossOrDuplicates() throws Exception {
        ShardKey shard = new ShardKey("handover-" + System.nanoTime(), "shard-000000");
        CrashAppenderProcess child = CrashAppenderProcess.start(PULSAR.broker(), shard, PRODUCER, 0);
        Map<Long, Long> acked = child.acked;
        child.killOnce("the child acknowledged batches", () -> acked.size() >= 200);
        assertThat(acked).hasSizeGreaterThanOrEqualTo(200);
        long lastAcked =
                acked.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();

        try (PulsarShardStore next = store(Duration.ofSeconds(20))) {
            // The broker lets go of the dead writer's exclusive producer once it sees the connection closed.
            await("take-over")
                    .atMost(Duration.ofSeconds(60))
                    .ignoreException(ShardUnavailableException.class)
                    .until(() -> next.open(shard).status() == ShardStatus.ONLINE);
            List<StoredBatch> stored = readAll(next, shard);
            assertContiguous(stored, next.info(shard).nextSequence());
            Map<Long, Long> storedIds = new HashMap<>();
            for (StoredBatch b : stored) {
                assertThat(storedIds.put(idOf(b), b.baseSequence()))
                        .as("id stored twice")
                        .isNull();
            }
            acked.forEach((id, base) -> assertThat(storedIds).containsEntry(id, base));

            int total = (int) lastAcked + 20; // the child had at most 16 batches in flight past its last ack
            for (long id = 0; id < total; id++) {
                AppendResult r = next.append(shard, batch(PRODUCER, id, id, 1)).get(30, TimeUnit.SECONDS);
                assertThat(r.duplicate()).as("resend of " + id).isEqualTo(storedIds.containsKey(id));
            }
            List<StoredBatch> all = readAll(next, shard);
            assertContiguous(all, next.info(shard).nextSequence());
            assertThat(all).extracting(b -> idOf(b)).containsExactlyElementsOf(range(total));
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
