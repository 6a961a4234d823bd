package io.tributary.hub.store.local;

import static io.tributary.hub.store.local.TestBatches.batch;
import static io.tributary.hub.store.local.TestBatches.idOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.RetentionPolicy;
import io.tributary.hub.store.RetentionResult;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.StoredBatch;
import io.tributary.hub.store.TrimmedException;
import io.tributary.testsupport.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalShardStoreTest {
    private static final ShardKey SHARD = new ShardKey("telemetry", "shard-0");

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(1_000_000);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private LocalShardStore store;

    private LocalShardStore openStore() {
        store = new LocalShardStore(
                LocalStoreConfig.builder(dir)
                        .segmentMaxBytes(2048)
                        .indexIntervalBytes(256)
                        .build(),
                clock,
                registry);
        store.open(SHARD);
        return store;
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    /** Appends batches {@code fromId..toId-1} with {@code 1 + id % 3} records each; returns their results. */
    private List<AppendResult> appendAll(long fromId, long toId) {
        List<AppendResult> results = new ArrayList<>();
        for (long id = fromId; id < toId; id++) {
            results.add(store.append(SHARD, batch(id, 1 + (int) (id % 3))).join());
        }
        return results;
    }

    private List<StoredBatch> readAll(long from) {
        return ShardContents.readAll(store, SHARD, from);
    }

    @Test
    void append_acrossSegmentRolls_readsBackEveryBatchInOrder() {
        openStore();
        List<AppendResult> results = appendAll(0, 120);

        List<StoredBatch> batches = readAll(0);

        assertThat(batches).hasSize(120);
        long expected = 0;
        for (int i = 0; i < batches.size(); i++) {
            StoredBatch b = batches.get(i);
            assertThat(b.baseSequence())
                    .isEqualTo(expected)
                    .isEqualTo(results.get(i).baseSequence());
            assertThat(idOf(b)).isEqualTo(i);
            assertThat(b.payloadBytes()).isEqualTo(TestBatches.payload(i));
            assertThat(b.codec()).isEqualTo(7);
            assertThat(b.producer().lane()).isEqualTo("lane-" + i);
            assertThat(b.producerFirstSeq()).isZero();
            expected += b.recordCount();
        }
        ShardInfo info = store.info(SHARD);
        assertThat(info.segmentCount()).isGreaterThan(3);
        assertThat(info.nextSequence()).isEqualTo(expected);
        assertThat(registry.get("tributary.store.append.records").counter().count())
                .isEqualTo(expected);
    }

    @Test
    void read_fromInsideBatch_returnsContainingBatchFirst() {
        openStore();
        List<AppendResult> results = appendAll(0, 60);
        AppendResult target = results.get(41);

        ReadResult r = store.read(SHARD, target.baseSequence() + target.recordCount() - 1, 1, 1);

        assertThat(r.batches()).hasSize(1);
        assertThat(r.batches().get(0).baseSequence()).isEqualTo(target.baseSequence());
        assertThat(r.nextSequence()).isEqualTo(target.baseSequence() + target.recordCount());
    }

    @Test
    void read_atHighWaterMark_returnsNoBatches() {
        openStore();
        appendAll(0, 5);
        long hwm = store.info(SHARD).nextSequence();

        ReadResult r = store.read(SHARD, hwm, 100, 100_000);

        assertThat(r.batches()).isEmpty();
        assertThat(r.nextSequence()).isEqualTo(hwm);
        assertThatThrownBy(() -> store.read(SHARD, hwm + 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void reopen_afterCleanClose_keepsDataAndContinuesSequences() {
        openStore();
        appendAll(0, 50);
        long next = store.info(SHARD).nextSequence();
        store.close();

        openStore();
        AppendResult after = store.append(SHARD, batch(50, 2)).join();

        assertThat(after.baseSequence()).isEqualTo(next);
        List<StoredBatch> all = readAll(0);
        assertThat(all).hasSize(51);
        assertThat(all).extracting(TestBatches::idOf).containsExactlyElementsOf(range(0, 51));
    }

    @Test
    void sequenceForTimestamp_withInjectedClock_findsFirstBatchAppendedAtOrAfter() {
        openStore();
        List<AppendResult> results = new ArrayList<>();
        for (long id = 0; id < 80; id++) {
            clock.advance(Duration.ofMillis(10));
            results.add(store.append(SHARD, batch(id, 2)).join());
        }
        long start = 1_000_000;

        assertThat(store.sequenceForTimestamp(SHARD, 0)).isZero();
        assertThat(store.sequenceForTimestamp(SHARD, start + 10 * 37))
                .isEqualTo(results.get(36).baseSequence());
        assertThat(store.sequenceForTimestamp(SHARD, start + 10 * 37 - 5))
                .isEqualTo(results.get(36).baseSequence());
        assertThat(store.sequenceForTimestamp(SHARD, start + 10_000))
                .isEqualTo(store.info(SHARD).nextSequence());
    }

    @Test
    void enforceRetention_byAge_deletesOnlyOldSealedSegmentsAndTrimsReads() {
        openStore();
        appendAll(0, 60);
        clock.advance(Duration.ofMinutes(1));
        appendAll(60, 120);
        int segmentsBefore = store.info(SHARD).segmentCount();

        RetentionResult result =
                store.enforceRetention(SHARD, new RetentionPolicy(30_000, 0)).join();

        ShardInfo info = store.info(SHARD);
        assertThat(result.segmentsDeleted()).isPositive();
        assertThat(info.segmentCount()).isEqualTo(segmentsBefore - result.segmentsDeleted());
        assertThat(info.oldestSequence()).isEqualTo(result.oldestSequence()).isPositive();
        List<StoredBatch> remaining = readAll(info.oldestSequence());
        assertThat(idOf(remaining.get(remaining.size() - 1))).isEqualTo(119);
        assertThat(idOf(remaining.get(0))).isLessThanOrEqualTo(60);
        assertThatThrownBy(() -> store.read(SHARD, 0, 10, 1000))
                .isInstanceOfSatisfying(
                        TrimmedException.class,
                        e -> assertThat(e.oldestSequence()).isEqualTo(info.oldestSequence()));
    }

    @Test
    void enforceRetention_wallClockSetForwardByHours_deletesNothingEarly() {
        openStore();
        appendAll(0, 60);
        clock.advance(Duration.ofMinutes(1)); // seals what was written; nothing is older than an hour
        appendAll(60, 120);
        int segmentsBefore = store.info(SHARD).segmentCount();

        clock.jump(Duration.ofHours(3)); // NTP or an operator; one second passes
        clock.advance(Duration.ofSeconds(1));
        RetentionResult result =
                store.enforceRetention(SHARD, new RetentionPolicy(3_600_000, 0)).join();

        assertThat(result.segmentsDeleted())
                .as("an hour's retention, a minute of records")
                .isZero();
        assertThat(store.info(SHARD).segmentCount()).isEqualTo(segmentsBefore);
        assertThat(readAll(0)).hasSize(120);

        clock.advance(Duration.ofHours(2)); // real time passes: now the old segments are due
        assertThat(store.enforceRetention(SHARD, new RetentionPolicy(3_600_000, 0))
                        .join()
                        .segmentsDeleted())
                .isPositive();
    }

    @Test
    void enforceRetention_bySize_keepsActiveSegmentAndFitsLimit() {
        openStore();
        appendAll(0, 120);

        store.enforceRetention(SHARD, new RetentionPolicy(0, 1)).join();

        ShardInfo info = store.info(SHARD);
        assertThat(info.segmentCount()).isEqualTo(1);
        assertThat(readAll(info.oldestSequence()))
                .extracting(TestBatches::idOf)
                .last()
                .isEqualTo(119L);
        AppendResult next = store.append(SHARD, batch(120, 1)).join();
        assertThat(next.baseSequence()).isEqualTo(info.nextSequence());
    }

    static List<Long> range(long from, long to) {
        List<Long> ids = new ArrayList<>();
        for (long i = from; i < to; i++) {
            ids.add(i);
        }
        return ids;
    }
}
