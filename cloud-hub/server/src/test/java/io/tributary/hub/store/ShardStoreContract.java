package io.tributary.hub.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.testsupport.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The promises of the {@link ShardStore} javadoc that every store keeps, as tests: one abstract class, a subclass per
 * store (the local store's runs as a unit test, the Pulsar store's as an IT against a broker). A subclass says how to
 * open a store over the same storage again ({@link #openStore}) and gives each test a fresh shard.
 */
public abstract class ShardStoreContract {
    protected static final ProducerKey PRODUCER = new ProducerKey("agent-1", "lane-a", 1);

    protected final MutableClock clock = new MutableClock(1_000_000);
    private final List<ShardStore> stores = new ArrayList<>();

    /** A new store instance over this test's storage (a second call sees what the first stored). */
    protected abstract ShardStore newStore(MutableClock clock);

    /** A shard no other test uses. */
    protected abstract ShardKey shard();

    /** {@link #openStore} with {@code shard} opened. */
    private ShardStore openStoreWith(ShardKey shard) {
        ShardStore store = openStore();
        store.open(shard);
        return store;
    }

    /** {@link #newStore}, closed after the test. */
    protected final ShardStore openStore() {
        ShardStore store = newStore(clock);
        stores.add(store);
        return store;
    }

    @AfterEach
    void closeStores() {
        stores.forEach(ShardStore::close);
    }

    protected static byte[] payload(long id) {
        return SampleBatches.payload(id);
    }

    protected static BatchToAppend batch(ProducerKey producer, long id, long firstSeq, int records) {
        return SampleBatches.batch(producer, id, firstSeq, records);
    }

    protected static <T> T join(CompletableFuture<T> f) {
        return f.join();
    }

    /** The cause a failed future failed with. */
    protected static Throwable failure(CompletableFuture<?> f) {
        try {
            f.join();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected a failure, got " + f.join());
    }

    /** Appends {@code n} batches of {@code 1 + i % 3} records, producer run continuing from {@code firstSeq}. */
    protected static List<AppendResult> appendRun(ShardStore store, ShardKey shard, long firstId, int n) {
        List<AppendResult> results = new ArrayList<>();
        long seq = 0;
        for (int i = 0; i < n; i++) {
            int records = 1 + i % 3;
            results.add(join(store.append(shard, batch(PRODUCER, firstId + i, seq, records))));
            seq += records;
        }
        return results;
    }

    protected static List<StoredBatch> readAll(ShardStore store, ShardKey shard) {
        return SampleBatches.readAll(store, shard);
    }

    @Test
    void appendsGetGapFreeSequencesFromZeroAndReadBackAsSent() {
        ShardStore store = openStore();
        ShardKey shard = shard();
        ShardInfo empty = store.open(shard);
        assertThat(empty.nextSequence()).isZero();
        assertThat(empty.status()).isEqualTo(ShardStatus.ONLINE);

        List<AppendResult> results = appendRun(store, shard, 0, 10);

        long expected = 0;
        for (AppendResult r : results) {
            assertThat(r.status()).isEqualTo(AppendResult.Status.APPENDED);
            assertThat(r.baseSequence()).isEqualTo(expected);
            expected += r.recordCount();
        }
        assertThat(store.info(shard).nextSequence()).isEqualTo(expected);
        List<StoredBatch> read = readAll(store, shard);
        assertThat(read).hasSize(10);
        for (int i = 0; i < read.size(); i++) {
            StoredBatch b = read.get(i);
            assertThat(b.baseSequence()).isEqualTo(results.get(i).baseSequence());
            assertThat(b.payloadBytes()).isEqualTo(payload(i));
            assertThat(b.codec()).isEqualTo(7);
            assertThat(b.firstEventTimeMs()).isEqualTo(1000 + i);
            assertThat(b.lastEventTimeMs()).isEqualTo(2000 + i);
            assertThat(b.producer()).isEqualTo(PRODUCER);
            assertThat(b.appendTimeMs()).isEqualTo(clock.millis());
        }
    }

    @Test
    void retriedBatchIsDuplicateAlsoAfterReopening() {
        ShardKey shard = shard();
        ShardStore first = openStore();
        first.open(shard);
        List<AppendResult> stored = appendRun(first, shard, 0, 4);
        AppendResult second = stored.get(1);

        AppendResult retry = join(first.append(shard, batch(PRODUCER, 1, 1, 2)));
        assertThat(retry.status()).isEqualTo(AppendResult.Status.DUPLICATE);
        assertThat(retry.baseSequence()).isEqualTo(second.baseSequence());
        first.close();

        ShardStore reopened = openStore();
        assertThat(reopened.open(shard).nextSequence()).isEqualTo(stored.get(3).baseSequence() + 1);
        AppendResult again = join(reopened.append(shard, batch(PRODUCER, 1, 1, 2)));
        assertThat(again.status()).isEqualTo(AppendResult.Status.DUPLICATE);
        assertThat(again.baseSequence()).isEqualTo(second.baseSequence());
        assertThat(join(reopened.lookupProducer(shard, PRODUCER, 1, 2)).outcome())
                .isEqualTo(ProducerLookup.Outcome.DUPLICATE);
        // The run goes on where it stopped (4 batches of 1, 2, 3, 1 records: producer sequences 0..6).
        AppendResult next = join(reopened.append(shard, batch(PRODUCER, 9, 7, 1)));
        assertThat(next.status()).isEqualTo(AppendResult.Status.APPENDED);
        assertThat(next.baseSequence()).isEqualTo(stored.get(3).baseSequence() + 1);
        assertThat(readAll(reopened, shard)).hasSize(5);
    }

    @Test
    void aProducerLaneKeepsItsOrderAndAGapOrOverlapIsRefused() {
        ShardStore store = openStore();
        ShardKey shard = shard();
        store.open(shard);
        ProducerKey laneB = new ProducerKey(PRODUCER.agentId(), "lane-b", PRODUCER.epoch());
        join(store.append(shard, batch(PRODUCER, 0, 0, 2)));
        join(store.append(shard, batch(laneB, 1, 0, 1)));

        Throwable gap = failure(store.append(shard, batch(PRODUCER, 2, 5, 1)));
        assertThat(gap).isInstanceOf(ProducerGapException.class);
        assertThat(((ProducerGapException) gap).expected()).isEqualTo(2);
        assertThat(failure(store.append(shard, batch(PRODUCER, 3, 1, 2))))
                .isInstanceOf(ProducerSequenceException.class);
        assertThat(join(store.lookupProducer(shard, PRODUCER, 5, 5)).outcome()).isEqualTo(ProducerLookup.Outcome.GAP);

        join(store.append(shard, batch(PRODUCER, 4, 2, 1)));
        join(store.append(shard, batch(laneB, 5, 1, 1)));
        List<StoredBatch> all = readAll(store, shard);
        assertThat(all)
                .extracting(b -> b.producer().lane() + ":" + b.producerFirstSeq())
                .containsExactly("lane-a:0", "lane-b:0", "lane-a:2", "lane-b:1");
        assertThat(store.info(shard).nextSequence()).isEqualTo(5);
    }

    @Test
    void readsFromTheMiddleStopAtLimitsAndAreEmptyAtTheHighWaterMark() {
        ShardStore store = openStore();
        ShardKey shard = shard();
        store.open(shard);
        List<AppendResult> results = appendRun(store, shard, 0, 9); // records 1,2,3,1,2,3,1,2,3: 18

        ReadResult middle = store.read(shard, results.get(4).baseSequence() + 1, 4, 1 << 20);
        assertThat(middle.batches())
                .first()
                .extracting(StoredBatch::baseSequence)
                .isEqualTo(results.get(4).baseSequence());
        assertThat(middle.recordCount()).isLessThanOrEqualTo(4);
        assertThat(middle.nextSequence())
                .isEqualTo(middle.batches().get(middle.batches().size() - 1).nextSequence());
        // At least one batch even when it is larger than the limits.
        ReadResult tiny = store.read(shard, results.get(2).baseSequence(), 1, 1);
        assertThat(tiny.batches()).hasSize(1);
        assertThat(tiny.batches().get(0).recordCount()).isEqualTo(3);
        // Sequential reads go on where the last one stopped, and from anywhere else too.
        ReadResult after = store.read(shard, middle.nextSequence(), 100, 1 << 20);
        assertThat(after.batches())
                .first()
                .extracting(StoredBatch::baseSequence)
                .isEqualTo(middle.nextSequence());
        assertThat(store.read(shard, 0, 1, 1 << 20).batches().get(0).payloadBytes())
                .isEqualTo(payload(0));

        long hwm = store.info(shard).nextSequence();
        assertThat(hwm).isEqualTo(18);
        ReadResult atEnd = store.read(shard, hwm, 100, 1 << 20);
        assertThat(atEnd.batches()).isEmpty();
        assertThat(atEnd.nextSequence()).isEqualTo(hwm);
        assertThat(atEnd.highWaterMark()).isEqualTo(hwm);
        assertThatThrownBy(() -> store.read(shard, hwm + 1, 100, 1 << 20)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sequenceForTimestampFindsTheFirstBatchAppendedAtOrAfterIt() {
        ShardStore store = openStore();
        ShardKey shard = shard();
        store.open(shard);
        long t0 = clock.millis();
        join(store.append(shard, batch(PRODUCER, 0, 0, 2)));
        clock.advance(Duration.ofSeconds(10));
        join(store.append(shard, batch(PRODUCER, 1, 2, 3)));
        clock.advance(Duration.ofSeconds(10));
        join(store.append(shard, batch(PRODUCER, 2, 5, 1)));

        assertThat(store.sequenceForTimestamp(shard, t0 - 1)).isZero();
        assertThat(store.sequenceForTimestamp(shard, t0)).isZero();
        assertThat(store.sequenceForTimestamp(shard, t0 + 1)).isEqualTo(2);
        assertThat(store.sequenceForTimestamp(shard, t0 + 10_000)).isEqualTo(2);
        assertThat(store.sequenceForTimestamp(shard, t0 + 15_000)).isEqualTo(5);
        assertThat(store.sequenceForTimestamp(shard, t0 + 30_000)).isEqualTo(6);
    }

    @Test
    void deleteRemovesTheShardAndItsData() {
        ShardStore store = openStore();
        ShardKey shard = shard();
        store.open(shard);
        appendRun(store, shard, 0, 3);
        join(store.delete(shard));

        assertThat(store.shards()).doesNotContain(shard);
        assertThat(failure(store.append(shard, batch(PRODUCER, 5, 6, 1))))
                .isInstanceOf(ShardUnavailableException.class);
        ShardInfo again = store.open(shard);
        assertThat(again.nextSequence()).isZero();
        assertThat(readAll(store, shard)).isEmpty();
    }

    @Test
    void infoTellsTheFirstAndNextSequenceAndAReopenedStoreTellsTheSame() {
        ShardKey shard = shard();
        ShardStore first = openStore();
        ShardInfo empty = first.open(shard);
        assertThat(empty.oldestSequence()).as("empty: oldest equals next").isEqualTo(empty.nextSequence());
        assertThat(empty.nextSequence()).isZero();
        List<AppendResult> results = appendRun(first, shard, 0, 6); // records 1,2,3,1,2,3
        ShardInfo info = first.info(shard);
        assertThat(info.key()).isEqualTo(shard);
        assertThat(info.status()).isEqualTo(ShardStatus.ONLINE);
        assertThat(info.oldestSequence()).isZero();
        assertThat(info.nextSequence())
                .isEqualTo(results.get(5).baseSequence() + 3)
                .isEqualTo(12);
        assertThat(info.retainedBytes()).isPositive();
        first.close();

        ShardStore reopened = openStore();
        ShardInfo again = reopened.open(shard);
        assertThat(again.oldestSequence()).isZero();
        assertThat(again.nextSequence()).isEqualTo(12);
        assertThat(reopened.info(shard).nextSequence()).isEqualTo(12);
    }

    /**
     * Retention by age: what it deleted is gone for readers ({@link TrimmedException} naming the new oldest sequence),
     * what the policy keeps is still there, and the high-water mark stays, also across a reopen. How much an old
     * batch drags along is the store's unit (a segment, a batch): the test asks only that something old went, nothing
     * young did. A subclass whose store trims in large units configures it small enough for 40 small batches.
     */
    @Test
    void retentionTrimsTheOldest_readsBelowItAreTrimmed_andTheHighWaterMarkStays() {
        ShardKey shard = shard();
        ShardStore store = openStoreWith(shard);
        appendRun(store, shard, 0, 40);
        clock.advance(Duration.ofMinutes(2));
        long young = store.info(shard).nextSequence();
        ProducerKey lane = new ProducerKey(PRODUCER.agentId(), "lane-young", PRODUCER.epoch());
        for (int i = 0; i < 5; i++) {
            join(store.append(shard, batch(lane, 100 + i, i, 1)));
        }
        long hwm = store.info(shard).nextSequence();

        RetentionResult r = join(store.enforceRetention(shard, new RetentionPolicy(60_000, 0)));

        long oldest = r.oldestSequence();
        assertThat(oldest).as("something old went, nothing young").isPositive().isLessThanOrEqualTo(young);
        ShardInfo info = store.info(shard);
        assertThat(info.oldestSequence()).isEqualTo(oldest);
        assertThat(info.nextSequence()).as("the high-water mark stays").isEqualTo(hwm);
        for (long below : List.of(0L, oldest - 1)) {
            assertThatThrownBy(() -> store.read(shard, below, 10, 1 << 20))
                    .isInstanceOfSatisfying(
                            TrimmedException.class,
                            e -> assertThat(e.oldestSequence()).isEqualTo(oldest));
        }
        List<StoredBatch> left = readAll(store, shard);
        assertThat(left.get(0).baseSequence()).isEqualTo(oldest);
        assertThat(left.get(left.size() - 1).nextSequence()).isEqualTo(hwm);
        assertThat(left).extracting(SampleBatches::idOf).endsWith(100L, 101L, 102L, 103L, 104L);
        store.close();

        ShardStore reopened = openStore();
        ShardInfo again = reopened.open(shard);
        assertThat(again.nextSequence()).as("sequences are never reused").isEqualTo(hwm);
        assertThat(again.oldestSequence()).isGreaterThanOrEqualTo(oldest);
        assertThatThrownBy(() -> reopened.read(shard, 0, 10, 1 << 20)).isInstanceOf(TrimmedException.class);
        AppendResult next = join(reopened.append(shard, batch(lane, 105, 5, 1)));
        assertThat(next.status()).isEqualTo(AppendResult.Status.APPENDED);
        assertThat(next.baseSequence()).isEqualTo(hwm);
    }

    /** {@link ShardStore#close}: the appends queued before it complete and are there for the next store; idempotent. */
    @Test
    void closeCompletesQueuedAppends_isIdempotent_andTheNextStoreHasThem() throws Exception {
        ShardKey shard = shard();
        ShardStore store = openStoreWith(shard);
        List<CompletableFuture<AppendResult>> queued = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            queued.add(store.append(shard, batch(PRODUCER, i, i, 1)));
        }
        store.close();
        store.close();
        for (CompletableFuture<AppendResult> f : queued) {
            assertThat(f.get(60, TimeUnit.SECONDS).status()).isEqualTo(AppendResult.Status.APPENDED);
        }

        ShardStore reopened = openStore();
        assertThat(reopened.open(shard).nextSequence()).isEqualTo(20);
        assertThat(readAll(reopened, shard)).extracting(SampleBatches::idOf).containsExactlyElementsOf(ids(20));
    }

    /**
     * {@link ShardStore#release}: a store several hubs share closes the shard here and forgets it, keeping its data
     * (open again, it goes on where it was); any other store refuses it with {@link UnsupportedOperationException}
     * and keeps serving the shard.
     */
    @Test
    void releaseForgetsTheShardButKeepsItsData_orIsUnsupported() {
        ShardKey shard = shard();
        ShardStore store = openStoreWith(shard);
        appendRun(store, shard, 0, 3); // 6 records
        Throwable refused = join(store.release(shard).handle((x, e) -> e));
        if (refused != null) {
            assertThat(refused instanceof CompletionException ? refused.getCause() : refused)
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThat(store.shards()).contains(shard);
            assertThat(join(store.append(shard, batch(PRODUCER, 3, 6, 1))).baseSequence())
                    .isEqualTo(6);
            return;
        }
        assertThat(store.shards()).doesNotContain(shard);
        assertThat(failure(store.append(shard, batch(PRODUCER, 3, 6, 1))))
                .isInstanceOf(ShardUnavailableException.class);

        assertThat(store.open(shard).nextSequence()).as("the data stays").isEqualTo(6);
        assertThat(readAll(store, shard)).extracting(SampleBatches::idOf).containsExactly(0L, 1L, 2L);
        assertThat(join(store.append(shard, batch(PRODUCER, 3, 6, 1))).baseSequence())
                .isEqualTo(6);
    }

    private static List<Long> ids(int n) {
        List<Long> ids = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            ids.add(i);
        }
        return ids;
    }
}
