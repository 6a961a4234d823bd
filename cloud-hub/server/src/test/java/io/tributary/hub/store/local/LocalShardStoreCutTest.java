package io.tributary.hub.store.local;

import static io.tributary.hub.store.local.ShardContents.fileNames;
import static io.tributary.hub.store.local.ShardContents.files;
import static io.tributary.hub.store.local.ShardContents.readAll;
import static io.tributary.hub.store.local.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ProducerLookup;
import io.tributary.hub.store.ReplicaSequenceException;
import io.tributary.hub.store.RetentionPolicy;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.hub.store.StoredBatch;
import io.tributary.hub.store.TrimmedException;
import io.tributary.testsupport.FaultyFileChannel;
import io.tributary.testsupport.MutableClock;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code truncate} and {@code resetTo}: what they remove, what stays, and that a restart gives the same shard. */
class LocalShardStoreCutTest {
    private static final ShardKey SHARD = new ShardKey("telemetry", "shard-0");
    private static final ProducerKey AGENT = new ProducerKey("agent-9", "hi", 2);

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(1_000_000);
    private final AtomicBoolean failLogWrites = new AtomicBoolean();
    private LocalShardStore store;

    private void openStore() {
        // Segment logs go through a channel that can fail on demand; the cut marker and indexes never do.
        FileChannelFactory files = (path, options) -> {
            FileChannel real = FileChannel.open(path, options);
            return path.toString().endsWith(".log") ? FaultyFileChannel.failingWhile(real, failLogWrites) : real;
        };
        store = new LocalShardStore(
                LocalStoreConfig.builder(dir)
                        .segmentMaxBytes(2048)
                        .indexIntervalBytes(256)
                        .producerWindow(8)
                        .build(),
                clock,
                new SimpleMeterRegistry(),
                files);
        store.open(SHARD);
    }

    private void reopen() {
        store.close();
        openStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    private Path shardDir() {
        return dir.resolve(SHARD.stream()).resolve(SHARD.shardId());
    }

    /** Appends runs {@code from..to-1} of {@link #AGENT}, run {@code i} being producer sequences {@code 2i, 2i+1}. */
    private List<AppendResult> appendRuns(int from, int to) {
        List<AppendResult> results = new ArrayList<>();
        for (int i = from; i < to; i++) {
            clock.advance(Duration.ofMillis(3));
            results.add(store.append(SHARD, batch(AGENT, i, 2L * i, 2)).join());
        }
        return results;
    }

    /** Opens the store and appends {@code runs} runs of {@link #AGENT}; about a dozen fit in a segment. */
    private List<AppendResult> openWithRuns(int runs) {
        openStore();
        return appendRuns(0, runs);
    }

    private static List<Long> ids(List<StoredBatch> batches) {
        return batches.stream().map(TestBatches::idOf).toList();
    }

    /** The shard as a reader and the file system see it. */
    private record Snapshot(ShardInfo info, List<StoredBatch> batches, Map<String, ByteBuffer> files) {}

    private Snapshot snapshot() {
        return new Snapshot(store.info(SHARD), readAll(store, SHARD), files(shardDir()));
    }

    /** Closing and reopening gives the same shard (the active segment's indexes live in memory only). */
    private void assertSameAfterRestart() {
        Snapshot before = snapshot();
        reopen();
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void truncate_atBoundaryInActiveSegment_removesTheTailAndAppendsContinueThere() {
        List<AppendResult> runs = openWithRuns(120);
        int segments = store.info(SHARD).segmentCount();
        long from = runs.get(118).baseSequence();

        assertThat(store.truncate(SHARD, from).join()).isEqualTo(4);

        assertThat(store.info(SHARD).nextSequence()).isEqualTo(from);
        assertThat(store.info(SHARD).segmentCount()).isEqualTo(segments);
        assertThat(ids(readAll(store, SHARD))).containsExactlyElementsOf(LocalShardStoreTest.range(0, 118));
        assertSameAfterRestart();
        assertThat(store.append(SHARD, batch(AGENT, 118, 236, 2)).join().baseSequence())
                .isEqualTo(from);
        assertSameAfterRestart();
    }

    @Test
    void truncate_inSealedSegment_deletesLaterSegmentsAndTheNewActiveSegmentsIndexes() {
        List<AppendResult> runs = openWithRuns(120);
        long hwm = store.info(SHARD).nextSequence();
        long from = runs.get(30).baseSequence();

        assertThat(store.truncate(SHARD, from).join()).isEqualTo(hwm - from);

        ShardInfo info = store.info(SHARD);
        assertThat(info.nextSequence()).isEqualTo(from);
        List<String> names = fileNames(shardDir());
        assertThat(names.stream().filter(n -> n.endsWith(".log"))).hasSize(info.segmentCount());
        assertThat(names.stream().filter(n -> n.endsWith(".index"))).hasSize(info.segmentCount() - 1);
        assertThat(names).doesNotContain(ShardCut.MARKER);
        assertThat(ids(readAll(store, SHARD))).containsExactlyElementsOf(LocalShardStoreTest.range(0, 30));
        assertSameAfterRestart();
        appendRuns(30, 120);
        assertThat(store.info(SHARD).nextSequence()).isEqualTo(hwm);
        assertSameAfterRestart();
    }

    @Test
    void truncate_atFirstBatchOfASegment_leavesThatSegmentEmpty() {
        openWithRuns(120);
        long segmentBase = Long.parseLong(fileNames(shardDir()).get(3).substring(0, 20));

        store.truncate(SHARD, segmentBase).join();

        assertThat(store.info(SHARD).nextSequence()).isEqualTo(segmentBase);
        assertThat(fileNames(shardDir()).stream().filter(n -> n.endsWith(".log")))
                .last()
                .isEqualTo(Segment.fileName(segmentBase, ".log"));
        assertThat(files(shardDir()).get(Segment.fileName(segmentBase, ".log")).remaining())
                .isZero();
        assertSameAfterRestart();
    }

    @Test
    void truncate_atOldestRetained_leavesAnEmptyShardStartingThere() {
        openWithRuns(120);
        store.enforceRetention(SHARD, new RetentionPolicy(0, 3000)).join();
        long oldest = store.info(SHARD).oldestSequence();
        assertThat(oldest).isPositive();

        store.truncate(SHARD, oldest).join();

        ShardInfo info = store.info(SHARD);
        assertThat(info.oldestSequence()).isEqualTo(oldest);
        assertThat(info.nextSequence()).isEqualTo(oldest);
        assertThat(info.segmentCount()).isEqualTo(1);
        assertSameAfterRestart();
        assertThat(store.append(SHARD, batch(7, 1)).join().baseSequence()).isEqualTo(oldest);
    }

    @Test
    void truncate_atHighWaterMark_removesNothing() {
        openWithRuns(50);
        Snapshot before = snapshot();

        assertThat(store.truncate(SHARD, before.info().nextSequence()).join()).isZero();

        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void truncate_notAtABoundaryOrOutsideTheShard_isRefusedAndRemovesNothing() {
        List<AppendResult> runs = openWithRuns(120);
        store.enforceRetention(SHARD, new RetentionPolicy(0, 3000)).join();
        Snapshot before = snapshot();
        long hwm = before.info().nextSequence();

        assertThatThrownBy(() ->
                        store.truncate(SHARD, runs.get(118).baseSequence() + 1).join())
                .hasCauseInstanceOf(ReplicaSequenceException.class)
                .hasMessageContaining("not the start of a stored batch");
        assertThatThrownBy(() -> store.truncate(SHARD, hwm + 2).join())
                .hasCauseInstanceOf(ReplicaSequenceException.class)
                .hasMessageContaining("above the high-water mark");
        assertThatThrownBy(() -> store.truncate(SHARD, 0).join()).hasCauseInstanceOf(TrimmedException.class);

        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void truncate_forgetsTheRemovedProducerRuns() {
        List<AppendResult> runs = openWithRuns(40);
        long from = runs.get(35).baseSequence();

        store.truncate(SHARD, from).join();
        reopen();

        assertThat(store.lookupProducer(SHARD, AGENT, 70, 71).join().outcome()).isEqualTo(ProducerLookup.Outcome.NEW);
        ProducerLookup kept = store.lookupProducer(SHARD, AGENT, 68, 69).join();
        assertThat(kept.outcome()).isEqualTo(ProducerLookup.Outcome.DUPLICATE);
        assertThat(kept.baseSequence()).isEqualTo(runs.get(34).baseSequence());
        AppendResult again = store.append(SHARD, batch(AGENT, 35, 70, 2)).join();
        assertThat(again).isEqualTo(new AppendResult(from, 2, AppendResult.Status.APPENDED));
    }

    @Test
    void truncate_withoutRestart_forgetsTheRemovedProducerRunsToo() {
        List<AppendResult> runs = openWithRuns(40);

        store.truncate(SHARD, runs.get(20).baseSequence()).join();

        assertThat(store.append(SHARD, batch(AGENT, 19, 38, 2)).join().duplicate())
                .isTrue();
        assertThat(store.append(SHARD, batch(AGENT, 20, 40, 2)).join().status())
                .isEqualTo(AppendResult.Status.APPENDED);
    }

    @Test
    void truncate_afterQueuedAppends_letsThemCompleteFirst() {
        List<AppendResult> runs = openWithRuns(20);
        long from = runs.get(10).baseSequence();
        List<CompletableFuture<AppendResult>> queued = new ArrayList<>();
        for (int i = 20; i < 60; i++) {
            queued.add(store.append(SHARD, batch(AGENT, i, 2L * i, 2)));
        }

        long removed = store.truncate(SHARD, from).join();

        assertThat(queued).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        assertThat(removed).isEqualTo(2 * 60 - from);
        assertThat(store.info(SHARD).nextSequence()).isEqualTo(from);
    }

    @Test
    void truncate_whileReadersRead_keepsTheShardOnline() throws Exception {
        openWithRuns(120);
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> readerError = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            for (int i = 0; i < 1_000_000 && !done.get(); i++) {
                try {
                    readAll(store, SHARD)
                            .forEach(b ->
                                    assertThat(b.payloadBytes()).isEqualTo(TestBatches.payload(TestBatches.idOf(b))));
                } catch (IllegalArgumentException e) {
                    // Read at a position the shard was just truncated below: the reader starts over.
                } catch (Throwable e) {
                    readerError.set(e);
                    return;
                }
            }
        });
        reader.start();
        try {
            for (int round = 0; round < 30; round++) {
                List<StoredBatch> stored = readAll(store, SHARD);
                store.truncate(SHARD, stored.get(stored.size() / 2).baseSequence())
                        .join();
                for (int id = 0; id < 40; id++) {
                    store.append(SHARD, batch(1000L * round + id, 2)).join(); // lanes of their own: no producer gap
                }
            }
        } finally {
            done.set(true);
            reader.join(30_000);
        }

        assertThat(readerError.get()).isNull();
        assertThat(store.info(SHARD).status()).isEqualTo(ShardStatus.ONLINE);
    }

    @Test
    void truncate_failingHalfway_goesOfflineAndReopensTruncated() {
        List<AppendResult> runs = openWithRuns(120);
        long from = runs.get(60).baseSequence();

        failLogWrites.set(true); // the marker is written, shortening the segment log fails
        assertThatThrownBy(() -> store.truncate(SHARD, from).join())
                .hasCauseInstanceOf(ShardUnavailableException.class);
        assertThat(store.info(SHARD).status()).isEqualTo(ShardStatus.OFFLINE);
        assertThat(fileNames(shardDir())).contains(ShardCut.MARKER);
        failLogWrites.set(false);

        assertThat(store.open(SHARD).nextSequence()).isEqualTo(from);
        assertThat(ids(readAll(store, SHARD))).containsExactlyElementsOf(LocalShardStoreTest.range(0, 60));
        assertThat(fileNames(shardDir())).doesNotContain(ShardCut.MARKER);
        assertSameAfterRestart();
    }

    @Test
    void open_withCutMarkerLeftByACrash_completesTheCut() throws Exception {
        List<AppendResult> runs = openWithRuns(120);
        long from = runs.get(40).baseSequence();
        store.close();
        // Killed right after the marker was made durable, and after deleting the last segment's log.
        new ShardCut(from, from).begin(shardDir(), FileChannelFactory.DEFAULT);
        List<String> logs =
                fileNames(shardDir()).stream().filter(n -> n.endsWith(".log")).toList();
        Files.delete(shardDir().resolve(logs.get(logs.size() - 1)));

        openStore();

        assertThat(store.info(SHARD).nextSequence()).isEqualTo(from);
        assertThat(ids(readAll(store, SHARD))).containsExactlyElementsOf(LocalShardStoreTest.range(0, 40));
        assertThat(fileNames(shardDir())).doesNotContain(ShardCut.MARKER);
        assertSameAfterRestart();
    }

    @Test
    void open_withCutMarkerAndTheCutPositionZeroedByAPowerCut_completesTheCut() throws Exception {
        List<AppendResult> runs = openWithRuns(120);
        store.close();
        // The cut from the second batch of a segment: its truncation ran and the power went before its fsync, so the
        // partial page at the cut reached the disk zeroed, but not the new length nor the later pages (whole batches,
        // each of a commit of its own).
        List<String> logs =
                fileNames(shardDir()).stream().filter(n -> n.endsWith(".log")).toList();
        Path log = shardDir().resolve(logs.get(logs.size() / 2));
        long at = ShardRecoveryTest.batchStarts(log).get(1);
        long from;
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer base = ByteBuffer.allocate(8);
            ch.read(base, at + 16);
            from = base.getLong(0);
            new ShardCut(from, from).begin(shardDir(), FileChannelFactory.DEFAULT);
            ch.write(ByteBuffer.allocate(64), at);
        }
        int kept = runs.stream().map(AppendResult::baseSequence).toList().indexOf(from);

        openStore();

        assertThat(store.info(SHARD).status()).isEqualTo(ShardStatus.ONLINE);
        assertThat(store.info(SHARD).nextSequence()).isEqualTo(from);
        assertThat(ids(readAll(store, SHARD))).containsExactlyElementsOf(LocalShardStoreTest.range(0, kept));
        assertThat(Files.size(log)).isEqualTo(at);
        assertSameAfterRestart();
    }

    @Test
    void resetTo_onAnEmptyShard_movesTheHighWaterMark() {
        openStore();

        assertThat(store.resetTo(SHARD, 1000).join()).isZero();

        assertThat(store.info(SHARD).oldestSequence()).isEqualTo(1000);
        assertThat(store.info(SHARD).nextSequence()).isEqualTo(1000);
        assertThat(fileNames(shardDir())).containsExactly(Segment.fileName(1000, ".log"));
        assertSameAfterRestart();
        assertThat(store.append(SHARD, batch(1, 2)).join().baseSequence()).isEqualTo(1000);
        assertSameAfterRestart();
        assertThat(store.info(SHARD).nextSequence()).isEqualTo(1002);
    }

    @Test
    void resetTo_onANonEmptyShard_dropsEverythingAndForgetsProducers() {
        openWithRuns(120);
        store.enforceRetention(SHARD, new RetentionPolicy(0, 3000)).join();
        ShardInfo before = store.info(SHARD);
        long next = before.nextSequence() + 50;

        assertThat(store.resetTo(SHARD, next).join()).isEqualTo(before.nextSequence() - before.oldestSequence());

        ShardInfo after = store.info(SHARD);
        assertThat(after.oldestSequence()).isEqualTo(next);
        assertThat(after.nextSequence()).isEqualTo(next);
        assertThat(after.segmentCount()).isEqualTo(1);
        assertThat(readAll(store, SHARD)).isEmpty();
        assertThatThrownBy(() -> store.read(SHARD, before.oldestSequence(), 10, 1000))
                .isInstanceOf(TrimmedException.class);
        assertSameAfterRestart();
        AppendResult retried = store.append(SHARD, batch(AGENT, 119, 238, 2)).join();
        assertThat(retried).isEqualTo(new AppendResult(next, 2, AppendResult.Status.APPENDED));
    }

    @Test
    void resetTo_theHighWaterMark_dropsEverythingAndKeepsTheMark() {
        openWithRuns(60);
        long hwm = store.info(SHARD).nextSequence();

        assertThat(store.resetTo(SHARD, hwm).join()).isEqualTo(hwm);

        assertThat(store.info(SHARD).oldestSequence()).isEqualTo(hwm);
        assertThat(fileNames(shardDir())).containsExactly(Segment.fileName(hwm, ".log"));
        assertSameAfterRestart();
    }

    @Test
    void resetTo_belowTheHighWaterMark_isRefused() {
        openWithRuns(60);
        Snapshot before = snapshot();

        assertThatThrownBy(() ->
                        store.resetTo(SHARD, before.info().nextSequence() - 1).join())
                .hasCauseInstanceOf(IllegalArgumentException.class);

        assertThat(snapshot()).isEqualTo(before);
    }
}
