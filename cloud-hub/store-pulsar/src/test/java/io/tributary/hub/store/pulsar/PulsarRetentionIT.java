package io.tributary.hub.store.pulsar;

import static io.tributary.hub.store.SampleBatches.batch;
import static io.tributary.hub.store.SampleBatches.payload;
import static io.tributary.hub.store.SampleBatches.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.RetentionPolicy;
import io.tributary.hub.store.RetentionResult;
import io.tributary.hub.store.SampleBatches;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.hub.store.ShardWrittenElsewhereException;
import io.tributary.hub.store.StoredBatch;
import io.tributary.hub.store.TrimmedException;
import io.tributary.testsupport.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Reader;
import org.apache.pulsar.client.api.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Retention on the Pulsar store, against the test broker (its ledgers roll over every {@link
 * PulsarStandalone#LEDGER_MAX_ENTRIES} entries): trimmed batches leave the shard at once and Pulsar's ledgers soon
 * after; the sequences go on after a reopen, a broker restart, a takeover by another store and a writer's SIGKILL, also
 * when everything was trimmed; a resent batch is still a duplicate.
 */
class PulsarRetentionIT {
    private static final ProducerKey PRODUCER = new ProducerKey("agent-r", "lane", 5);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final RetentionPolicy ONE_MINUTE = new RetentionPolicy(60_000, 0);
    private static PulsarClient raw;

    @RegisterExtension
    static final PulsarBroker PULSAR = new PulsarBroker();

    private final MutableClock clock = new MutableClock(9_000_000);
    private final List<PulsarShardStore> stores = new ArrayList<>();
    private long producerNext;

    @AfterEach
    void closeStores() {
        stores.forEach(PulsarShardStore::close);
    }

    @AfterAll
    static void closeRawClient() throws PulsarClientException {
        if (raw != null) {
            raw.close();
        }
    }

    private PulsarShardStore store(String endpoint, MeterRegistry registry) {
        PulsarStandalone broker = PULSAR.broker();
        PulsarShardStore store = new PulsarShardStore(
                PulsarStoreConfig.builder(broker.serviceUrl(), broker.adminUrl())
                        .namespace("it")
                        .operationTimeout(Duration.ofSeconds(20))
                        .writerEndpoint(endpoint)
                        .takeoverInterval(Duration.ofMillis(200))
                        .build(),
                clock,
                registry);
        stores.add(store);
        return store;
    }

    /** Appends batches {@code from..to-1} ({@code 1 + id % 3} records each, one producer run), all in flight at once. */
    private List<AppendResult> append(PulsarShardStore store, ShardKey shard, long from, long to) {
        List<CompletableFuture<AppendResult>> sent = new ArrayList<>();
        for (long id = from; id < to; id++) {
            int records = 1 + (int) (id % 3);
            sent.add(store.append(shard, batch(PRODUCER, id, producerNext, records)));
            producerNext += records;
        }
        return sent.stream().map(CompletableFuture::join).toList();
    }

    private static long payloadBytes(long from, long to) {
        return LongStream.range(from, to).map(id -> payload(id).length).sum();
    }

    /** The base sequences of the batches still in the topic, read with a plain reader from its earliest message. */
    private static List<Long> basesInPulsar(String topic) throws Exception {
        synchronized (PulsarRetentionIT.class) {
            if (raw == null) {
                raw = PulsarClient.builder()
                        .serviceUrl(PULSAR.broker().serviceUrl())
                        .build();
            }
        }
        List<Long> bases = new ArrayList<>();
        try (Reader<byte[]> r = raw.newReader(Schema.BYTES)
                .topic(topic)
                .startMessageId(MessageId.earliest)
                .create()) {
            while (r.hasMessageAvailable()) {
                Message<byte[]> m = r.readNext(10, TimeUnit.SECONDS);
                assertThat(m).as("a message said available").isNotNull();
                String base = m.getProperty("tb.base");
                if (base != null) {
                    bases.add(Long.parseLong(base));
                }
            }
        }
        return bases;
    }

    private static double counted(MeterRegistry registry, String name, ShardKey shard) {
        return registry.get("tributary.store.pulsar.retention." + name)
                .tag("stream", shard.stream())
                .tag("shard", shard.shardId())
                .counter()
                .count();
    }

    @Test
    void trimmedBatchesAreGone_readsStartAtTheHorizon_andPulsarDeletesTheirLedgers() throws Exception {
        ShardKey shard = new ShardKey("retention-" + System.nanoTime(), "shard-000000");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PulsarShardStore store = store("", registry);
        store.open(shard);
        long t0 = clock.millis();
        append(store, shard, 0, 200);
        clock.advance(Duration.ofMinutes(2));
        long horizon = append(store, shard, 200, 230).get(0).baseSequence();

        RetentionResult first = store.enforceRetention(shard, ONE_MINUTE).join();

        assertThat(first.oldestSequence()).isEqualTo(horizon);
        assertThat(first.bytesDeleted()).isEqualTo(payloadBytes(0, 200));
        ShardInfo info = store.info(shard);
        assertThat(info.oldestSequence()).isEqualTo(horizon);
        assertThat(info.retainedBytes())
                .as("the index holds the retained batches only")
                .isEqualTo(payloadBytes(200, 230));
        for (long below : List.of(0L, horizon - 1)) {
            assertThatThrownBy(() -> store.read(shard, below, 10, 1 << 20))
                    .isInstanceOfSatisfying(
                            TrimmedException.class,
                            e -> assertThat(e.oldestSequence()).isEqualTo(horizon));
        }
        assertThat(readAll(store, shard))
                .extracting(SampleBatches::idOf)
                .containsExactlyElementsOf(LongStream.range(200, 230).boxed().toList());
        assertThat(store.sequenceForTimestamp(shard, t0)).isEqualTo(horizon);
        assertThat(counted(registry, "trimmed.records", shard)).isEqualTo(horizon);
        assertThat(counted(registry, "trimmed.bytes", shard)).isEqualTo(payloadBytes(0, 200));

        // Pulsar deletes every ledger wholly below the horizon (the topic's new policy may take a moment to apply, so
        // passes repeat); it keeps the rest of the ledger the horizon is in.
        String topic = store.topic(shard);
        await("Pulsar deletes the trimmed ledgers").atMost(WAIT).until(() -> {
            store.enforceRetention(shard, ONE_MINUTE).join();
            return basesInPulsar(topic).stream().filter(b -> b < horizon).count() < PulsarStandalone.LEDGER_MAX_ENTRIES;
        });
        List<Long> left = basesInPulsar(topic);
        long keptBelow = left.stream().filter(b -> b < horizon).count();
        System.out.printf(
                "retention granularity: %d trimmed batches of 200 still in Pulsar (ledgers of %d entries)%n",
                keptBelow, PulsarStandalone.LEDGER_MAX_ENTRIES);
        assertThat(left).last().isEqualTo(info.nextSequence() - (1 + 229 % 3));
        assertThat(counted(registry, "deleted.ledgers", shard)).isGreaterThanOrEqualTo(3);
        assertThat(counted(registry, "failures", shard)).isZero();
        assertThat(readAll(store, shard)).hasSize(30);
    }

    @Test
    void everythingTrimmed_sequencesGoOnAfterABrokerRestartAndAReopen() throws Exception {
        ShardKey shard = new ShardKey("retention-all-" + System.nanoTime(), "shard-000000");
        PulsarShardStore first = store("", new SimpleMeterRegistry());
        first.open(shard);
        // With the open marker these fill two ledgers exactly: the trim marker starts the third, with no batch in it.
        append(first, shard, 0, 2L * PulsarStandalone.LEDGER_MAX_ENTRIES - 1);
        long next = first.info(shard).nextSequence();
        clock.advance(Duration.ofMinutes(2));

        RetentionResult r = first.enforceRetention(shard, ONE_MINUTE).join();

        assertThat(r.oldestSequence()).isEqualTo(next);
        ShardInfo info = first.info(shard);
        assertThat(info.oldestSequence()).isEqualTo(next);
        assertThat(info.nextSequence()).isEqualTo(next);
        assertThat(info.retainedBytes()).isZero();
        assertThat(info.segmentCount()).isZero();
        ReadResult atEnd = first.read(shard, next, 10, 1 << 20);
        assertThat(atEnd.batches()).isEmpty();
        assertThat(atEnd.highWaterMark()).isEqualTo(next);
        assertThatThrownBy(() -> first.read(shard, 0, 10, 1 << 20)).isInstanceOf(TrimmedException.class);
        assertThat(first.sequenceForTimestamp(shard, 0)).isEqualTo(next);
        String topic = first.topic(shard);
        await("Pulsar deletes every batch").atMost(WAIT).until(() -> {
            first.enforceRetention(shard, ONE_MINUTE).join();
            return basesInPulsar(topic).isEmpty();
        });
        first.close();

        PULSAR.broker().restart();
        PulsarShardStore second = store("", new SimpleMeterRegistry());
        ShardInfo reopened = second.open(shard);

        assertThat(reopened.nextSequence())
                .as("the trim marker kept the high-water mark")
                .isEqualTo(next);
        assertThat(reopened.oldestSequence()).isEqualTo(next);
        AppendResult more = append(second, shard, 500, 501).get(0);
        assertThat(more.status()).isEqualTo(AppendResult.Status.APPENDED);
        assertThat(more.baseSequence()).isEqualTo(next);
        assertThat(readAll(second, shard)).extracting(SampleBatches::idOf).containsExactly(500L);
    }

    @Test
    void anotherStoreTakingTheShardOverAfterATrim_goesOnFromTheSameHorizon_andResentBatchesAreDuplicates() {
        ShardKey shard = new ShardKey("retention-takeover-" + System.nanoTime(), "shard-000000");
        PulsarShardStore writer = store("127.0.0.1:7601", new SimpleMeterRegistry());
        PulsarShardStore other = store("127.0.0.1:7602", new SimpleMeterRegistry());
        writer.open(shard);
        List<AppendResult> stored = append(writer, shard, 0, 80);
        long next = writer.info(shard).nextSequence();
        RetentionPolicy lastTwenty = new RetentionPolicy(0, payloadBytes(60, 80));

        long horizon = writer.enforceRetention(shard, lastTwenty).join().oldestSequence();

        assertThat(horizon).isEqualTo(stored.get(60).baseSequence());
        assertThat(other.open(shard).status()).isEqualTo(ShardStatus.WRITTEN_ELSEWHERE);
        assertThat(other.enforceRetention(shard, lastTwenty))
                .as("the writer trims")
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableThat()
                .withCauseInstanceOf(ShardWrittenElsewhereException.class);
        writer.close();
        await("take-over").atMost(WAIT).until(() -> other.info(shard).status() == ShardStatus.ONLINE);

        ShardInfo info = other.info(shard);
        assertThat(info.oldestSequence()).isEqualTo(horizon);
        assertThat(info.nextSequence()).isEqualTo(next);
        assertThat(readAll(other, shard))
                .extracting(SampleBatches::idOf)
                .containsExactlyElementsOf(LongStream.range(60, 80).boxed().toList());
        assertThatThrownBy(() -> other.read(shard, 0, 10, 1 << 20))
                .isInstanceOfSatisfying(
                        TrimmedException.class,
                        e -> assertThat(e.oldestSequence()).isEqualTo(horizon));
        // A retained batch resent: the same answer as from the writer that stored it.
        AppendResult retained = stored.get(70);
        AppendResult again = other.append(shard, batch(PRODUCER, 70, producerSeqOf(70), 1 + 70 % 3))
                .join();
        assertThat(again.status()).isEqualTo(AppendResult.Status.DUPLICATE);
        assertThat(again.baseSequence()).isEqualTo(retained.baseSequence());
        // A trimmed one: still not stored twice, as on the local store (the producer's later runs are retained).
        assertThat(other.append(shard, batch(PRODUCER, 10, producerSeqOf(10), 1 + 10 % 3))
                        .join()
                        .status())
                .isEqualTo(AppendResult.Status.DUPLICATE);
        AppendResult more = append(other, shard, 80, 81).get(0);
        assertThat(more.status()).isEqualTo(AppendResult.Status.APPENDED);
        assertThat(more.baseSequence()).isEqualTo(next);
    }

    /**
     * A writer killed (SIGKILL, a child JVM) while it appends and trims: the store that takes the shard over starts at
     * or above the last horizon the writer reported, goes on after every acknowledged sequence, holds every
     * acknowledged batch still retained at its sequence, and answers a resent one as a duplicate.
     */
    @Test
    void aWriterKilledWhileTrimming_isTakenOverAtItsHorizonWithoutReusingASequence() throws Exception {
        ShardKey shard = new ShardKey("retention-kill-" + System.nanoTime(), "shard-000000");
        CrashAppenderProcess child = CrashAppenderProcess.start(PULSAR.broker(), shard, PRODUCER, 3000);
        Map<Long, Long> acked = child.acked;
        child.killOnce("the child appended and trimmed", () -> acked.size() >= 300 && child.trims.get() >= 4);
        assertThat(child.trims.get()).isGreaterThanOrEqualTo(4);
        assertThat(child.horizon.get()).isPositive();
        long ackedEnd = acked.values().stream().mapToLong(b -> b + 1).max().orElseThrow();

        PulsarShardStore next = store("", new SimpleMeterRegistry());
        await("take-over")
                .atMost(WAIT)
                .ignoreException(ShardUnavailableException.class)
                .until(() -> next.open(shard).status() == ShardStatus.ONLINE);
        ShardInfo info = next.info(shard);
        assertThat(info.oldestSequence()).isGreaterThanOrEqualTo(child.horizon.get());
        assertThat(info.nextSequence()).isGreaterThanOrEqualTo(ackedEnd);
        List<StoredBatch> retained = readAll(next, shard);
        long expected = info.oldestSequence();
        for (StoredBatch b : retained) {
            assertThat(b.baseSequence()).as("contiguous").isEqualTo(expected);
            expected = b.nextSequence();
        }
        assertThat(expected).isEqualTo(info.nextSequence());
        Map<Long, Long> stored = new HashMap<>();
        retained.forEach(b -> stored.put(SampleBatches.idOf(b), b.baseSequence()));
        acked.forEach((id, base) -> {
            if (base >= info.oldestSequence()) {
                assertThat(stored).containsEntry(id, base);
            }
        });
        long lastId = acked.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
        AppendResult resent =
                next.append(shard, batch(PRODUCER, lastId, lastId, 1)).join();
        assertThat(resent.status()).isEqualTo(AppendResult.Status.DUPLICATE);
        assertThat(next.info(shard).nextSequence()).as("not stored again").isEqualTo(info.nextSequence());
        long fresh = stored.keySet().stream().mapToLong(Long::longValue).max().orElse(lastId) + 1;
        AppendResult more = next.append(shard, batch(PRODUCER, fresh, fresh, 1)).join();
        assertThat(more.baseSequence()).isEqualTo(info.nextSequence());
    }

    /** The first producer sequence of batch {@code id} of {@link #append}'s run from 0. */
    private static long producerSeqOf(long id) {
        return LongStream.range(0, id).map(i -> 1 + i % 3).sum();
    }
}
