package io.tributary.hub.store.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.RetentionPolicy;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.StoredBatch;
import io.tributary.testsupport.faultfs.FaultFs;
import io.tributary.testsupport.faultfs.PowerCuts;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power cuts ({@link FaultFs}) at random points while a shard appends with group commit, rolls segments (log, sparse
 * index, time index), applies size retention (segment deletes), truncates its tail and resets it (the {@code cut.pending} marker):
 * after each, the shard reopens ONLINE by itself and serves contiguous, intact batches, every acknowledged batch still
 * retained exactly once at its acknowledged sequence, and a resent acknowledged batch is answered DUPLICATE at the same
 * sequence (the producer state rebuilt from what survived).
 */
class LocalShardStorePowerCutIT implements PowerCuts.Scenario<LocalShardStore> {

    private static final ShardKey SHARD = new ShardKey("power", "0");

    @TempDir
    Path tmp;

    /** Acknowledged batches: id → base sequence. */
    private final Map<Long, Long> acked = new ConcurrentHashMap<>();

    private Random random;
    private long checked;
    private long nextId;
    private int truncations;
    private int resets;
    private volatile long retentionDeletes;
    /** From this sequence up, acknowledged batches may be gone: a truncation or reset was under way at the cut. */
    private long maybeTruncatedFrom = Long.MAX_VALUE;

    @Test
    void powerCuts_underLoad_loseNothingAcknowledged() throws Exception {
        PowerCuts run = new PowerCuts("LocalShardStorePowerCutIT", 100);
        random = run.random();
        run.run(tmp.resolve("hub"), 300, this);
        System.out.println(run.summary(checked + " acknowledged batches checked, " + truncations + " truncations, "
                + resets + " resets, " + retentionDeletes + " segments deleted by retention"));
        assertThat(checked).isPositive();
        assertThat(truncations).as("truncations").isPositive();
        assertThat(resets).as("resets").isPositive();
        assertThat(retentionDeletes).as("segments deleted by retention").isPositive();
        assertThat(run.total("pagesDropped")).as("unsynced pages dropped").isPositive();
        assertThat(run.total("directoryChangesUndone"))
                .as("segment creations and deletions undone")
                .isPositive();
    }

    /** A store with the shard opened (recovered); small segments and index intervals, so they roll often. */
    @Override
    public LocalShardStore open(FaultFs fs) {
        LocalShardStore store = new LocalShardStore(
                LocalStoreConfig.builder(fs.root().resolve("data"))
                        .segmentMaxBytes(16 * 1024)
                        .indexIntervalBytes(1024)
                        .build(),
                Clock.systemUTC(),
                new SimpleMeterRegistry());
        try {
            store.open(SHARD);
        } catch (RuntimeException e) {
            PowerCuts.closeDead(store);
            throw e;
        }
        return store;
    }

    /** Appends (8 in flight) until the power goes; now and then applies retention or truncates the tail. */
    @Override
    public void loadUntilPowerOff(LocalShardStore store, FaultFs fs) throws Exception {
        Semaphore inFlight = new Semaphore(8);
        while (!fs.isDown()) {
            int action = random.nextInt(100);
            if (action < 3) {
                drain(inFlight, fs);
                store.enforceRetention(SHARD, new RetentionPolicy(0, 48 * 1024))
                        .thenAccept(r -> retentionDeletes += r.segmentsDeleted());
            } else if (action < 4 && !acked.isEmpty()) {
                drain(inFlight, fs);
                cutTail(store, new ArrayList<>(acked.values()).get(random.nextInt(acked.size())), false, fs);
            } else if (action < 5 && random.nextInt(10) == 0) {
                drain(inFlight, fs);
                cutTail(store, 0, true, fs);
            } else if (inFlight.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                long id = nextId++;
                store.append(SHARD, TestBatches.batch(id, 1 + (int) (id % 3))).whenComplete((r, e) -> {
                    if (e == null) {
                        acked.put(id, r.baseSequence());
                    }
                    inFlight.release();
                });
            }
        }
        drain(inFlight, fs);
    }

    /** Truncates from {@code from}, or (with {@code reset}) drops everything and moves the high-water mark up. */
    private void cutTail(LocalShardStore store, long from, boolean reset, FaultFs fs) {
        maybeTruncatedFrom = Math.min(maybeTruncatedFrom, from);
        CompletableFuture<Long> done = reset
                ? store.resetTo(SHARD, store.info(SHARD).nextSequence() + random.nextInt(10))
                : store.truncate(SHARD, from);
        try {
            done.get(30, TimeUnit.SECONDS); // a cut the power stopped fails: the shard goes offline
            acked.values().removeIf(base -> base >= from);
            maybeTruncatedFrom = Long.MAX_VALUE;
            if (reset) {
                resets++;
            } else {
                truncations++;
            }
        } catch (Exception failed) {
            // below the oldest retained (retention ran), or the power went: stays "maybe"
            if (!fs.isDown()) {
                maybeTruncatedFrom = Long.MAX_VALUE;
            }
        }
    }

    private static void drain(Semaphore inFlight, FaultFs fs) throws InterruptedException {
        while (!inFlight.tryAcquire(8, 10, TimeUnit.MILLISECONDS)) {
            if (fs.isDown()) {
                inFlight.acquire(8); // appends in flight complete (or fail) once the writer sees the power go
                break;
            }
        }
        inFlight.release(8);
    }

    @Override
    public void verify(LocalShardStore store, String when) {
        ShardInfo info = store.info(SHARD);
        assertThat(info.status()).as(when).isEqualTo(ShardStatus.ONLINE);
        Map<Long, Long> stored = new HashMap<>();
        List<StoredBatch> last = new ArrayList<>();
        long next = info.oldestSequence();
        for (ReadResult r = store.read(SHARD, next, 1000, 1 << 20);
                !r.batches().isEmpty();
                r = store.read(SHARD, next, 1000, 1 << 20)) {
            for (StoredBatch b : r.batches()) {
                assertThat(b.baseSequence()).as("%s: contiguous", when).isEqualTo(next);
                long id = TestBatches.idOf(b);
                assertThat(b.payloadBytes()).as("%s: batch %d intact", when, id).isEqualTo(TestBatches.payload(id));
                assertThat(stored.put(id, b.baseSequence()))
                        .as("%s: batch %d stored once", when, id)
                        .isNull();
                next = b.nextSequence();
                last.add(b);
            }
        }
        assertThat(next).as("%s: high-water mark", when).isEqualTo(info.nextSequence());
        for (var it = acked.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Long> e = it.next();
            if (e.getValue() < info.oldestSequence()
                    || (e.getValue() >= maybeTruncatedFrom && !stored.containsKey(e.getKey()))) {
                it.remove(); // retention deleted it, or a truncation under way at the cut completed
                continue;
            }
            assertThat(stored.get(e.getKey()))
                    .as("%s: acknowledged batch %d", when, e.getKey())
                    .isEqualTo(e.getValue());
            checked++;
        }
        maybeTruncatedFrom = Long.MAX_VALUE;
        for (StoredBatch b : last.subList(Math.max(0, last.size() - 3), last.size())) {
            long id = TestBatches.idOf(b);
            AppendResult again = store.append(SHARD, TestBatches.batch(id, 1 + (int) (id % 3)))
                    .orTimeout(30, TimeUnit.SECONDS)
                    .join();
            assertThat(again.duplicate())
                    .as("%s: resent batch %d is a duplicate", when, id)
                    .isTrue();
            assertThat(again.baseSequence()).as("%s: resent batch %d", when, id).isEqualTo(b.baseSequence());
        }
    }
}
