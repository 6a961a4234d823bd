package io.tributary.edge.buffer;

import io.tributary.protocol.time.ExpiryClock;
import io.tributary.protocol.time.Ticker;
import io.tributary.protocol.v1.RecordId;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of a {@link DurableBuffer}: drains the append queue in batches, gives each record its id
 * (agent, epoch, lane, next lane sequence), applies the quota, writes one chunk per lane (more past
 * {@code maxChunkBytes}), commits once, publishes the new chunks to readers, and only then completes the futures
 * (group commit). An {@link AppendAll} stores its records all or none and moves its named markers in that same commit. Releases and expiry sweeps run on the same thread, in the same commits.
 *
 * <p>Storage errors (a full disk, EIO) never stop it: the batch that failed is refused (its releases kept for later),
 * the buffer refuses new records, and {@link StorageRecovery} reopens the log with full recovery and brings the buffer
 * back online once it can ({@link StorageHealth} has the states, logs and meters). Sequences given in a failed commit
 * are given again, so lanes stay gap-free.
 *
 * <p>Thread rules: {@link #run()} runs on the one writer thread; the queue is the only way in. Futures are completed
 * on the writer thread, so callers must hop to their own executor before doing real work in a callback.
 */
final class BufferWriter implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(BufferWriter.class);

    /** A request to the writer. */
    sealed interface Op permits Append, AppendAll, Release, GrantEpoch, Stop {}

    record Append(PendingRecord pending, CompletableFuture<Appended> future) implements Op {}

    record AppendAll(
            List<PendingRecord> records, Map<String, LanePosition> markers, CompletableFuture<AppendedAll> future)
            implements Op {}

    record Release(String lane, LanePosition upTo, CompletableFuture<Void> future) implements Op {}

    /** Stores the hub's epoch grant (a counter), committed with the batch it is in. */
    record GrantEpoch(long grant, CompletableFuture<Void> future) implements Op {}

    record Stop() implements Op {}

    private final BufferConfig config;
    private final Clock clock;
    /** Schedules sweeps: a duration. */
    private final Ticker ticker;
    /** Decides what expired: never ahead of real time, so a clock set forward by hours expires nothing early. */
    private final ExpiryClock expiry;

    private final BufferStore store;
    private final ChunkIndex index;
    private final LossLedger ledger;
    private final Map<String, LanePosition> released;
    private final Map<String, LanePosition> markers;
    private final Lock publishLock;
    private final BufferMetrics metrics;
    private final BlockingQueue<Op> queue;
    private final SpaceReclaimer reclaimer;
    private final RecordEncoder encoder;
    private final Map<String, Long> nextSequence = new HashMap<>();
    private final StorageHealth health;
    private final StorageRecovery recovery;
    /** Grows for the life of this opening, so a reader's stale meta never names a newer chunk. */
    private long nextChunkNo;

    private boolean exclusive;

    BufferWriter(
            BufferConfig config,
            Clock clock,
            BufferStore store,
            ChunkIndex index,
            LossLedger ledger,
            Map<String, LanePosition> released,
            Map<String, LanePosition> markers,
            DeliveryHolds holds,
            Lock publishLock,
            BufferMetrics metrics,
            BlockingQueue<Op> queue,
            StorageHealth health,
            DiskReserve reserve) {
        this.config = config;
        this.clock = clock;
        this.ticker = Ticker.of(clock);
        this.expiry = new ExpiryClock(clock);
        this.store = store;
        this.index = index;
        this.ledger = ledger;
        this.released = released;
        this.markers = markers;
        this.publishLock = publishLock;
        this.metrics = metrics;
        this.queue = queue;
        this.encoder = new RecordEncoder(config.agentId(), store.epoch());
        this.nextChunkNo = index.nextChunkNo();
        this.reclaimer = new SpaceReclaimer(
                store, index, ledger, released, holds, config.aggregateWindow().toMillis());
        this.health = health;
        this.recovery = new StorageRecovery(
                store, index, released, markers, ledger, reserve, health, publishLock, this::reloaded);
    }

    /** After the log reopened: chunk numbers and sequences go on from the highest of memory and what is durable. */
    private void reloaded() {
        nextChunkNo = Math.max(nextChunkNo, index.nextChunkNo());
        long epoch = store.epoch();
        for (ChunkMeta m : index.all()) {
            if (m.last().epoch() == epoch) { // defensive: never give again a sequence the disk holds
                nextSequence.merge(m.lane(), m.last().sequence() + 1, Math::max);
            }
        }
    }

    @Override
    public void run() {
        long sweepMs = config.sweepInterval().toMillis();
        long nextSweep = ticker.monotonicMillis();
        List<Op> batch = new ArrayList<>();
        boolean stopping = false;
        recovery.start();
        while (!stopping) {
            try {
                long wait = health.accepting() ? sweepMs : Math.min(sweepMs, health.untilAttemptMs());
                Op first = queue.poll(wait, TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, config.maxBatchRecords() - 1);
                }
                stopping = batch.removeIf(op -> op instanceof Stop);
                if (!health.accepting()) {
                    recovery.refuse(batch);
                }
                if (!batch.isEmpty()) {
                    write(batch);
                }
                long tick = ticker.monotonicMillis();
                if (!health.accepting() && health.untilAttemptMs() == 0 && !stopping) {
                    recovery.attempt(this::release);
                }
                if (tick >= nextSweep && !recovery.broken()) {
                    // Scheduled on monotonic time: on the wall clock, setting it back by hours stopped sweeps (and
                    // with them compaction) for hours. The next sweep is due from the time this one looked at: read
                    // afterwards, a clock that moved during the sweep (a test's MutableClock) would postpone the next
                    // one past the records that just became due.
                    sweep(expiry.millis());
                    nextSweep = tick + sweepMs;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopping = true;
            } catch (RuntimeException | AssertionError e) {
                // a failed write or fsync: the page cache can no longer be trusted, so refuse rather than ack on it,
                // and reopen the log from disk (StorageRecovery) instead of staying offline until a restart
                recovery.failed(e);
                recovery.refuse(batch);
            }
            batch.clear();
        }
        queue.drainTo(batch);
        recovery.close(batch);
    }

    private void write(List<Op> batch) {
        long now = clock.millis();
        Commit c = new Commit(nextChunkNo);
        try {
            stageAndCommit(c, batch, now);
        } catch (RuntimeException | AssertionError e) {
            nextSequence.putAll(c.sequencesBefore); // not acknowledged: given again, so the lanes stay gap-free
            throw e;
        } finally {
            if (exclusive) {
                exclusive = false;
                publishLock.unlock();
            }
        }
        nextChunkNo = c.nextChunkNo;
        metrics.recordsPerCommit.record(c.stored);
        metrics.stored.increment(c.stored);
        c.completions.forEach(Runnable::run);
        if (c.thenFailed != null) {
            throw c.thenFailed;
        }
    }

    /** Stages the batch into the commit and commits it; publishes the sealed chunks and markers once durable. */
    private void stageAndCommit(Commit c, List<Op> batch, long now) {
        for (Op op : batch) {
            if (op instanceof Release r) {
                // no write lock: a release only drops a lane's prefix, which readers skip anyway (they read
                // after the released watermark), and chunk numbers are never reused while readers may hold old
                // metas; so the forwarder keeps reading while the release's fsync runs
                release(r.lane(), r.upTo());
                c.completions.add(() -> r.future().complete(null));
            } else if (op instanceof GrantEpoch g) {
                store.putCounter(BufferStore.EPOCH_GRANT, g.grant());
                c.completions.add(() -> g.future().complete(null));
            } else if (op instanceof Append a) {
                Appended done = appendAll(c, List.of(a.pending()), now)
                        .map(ids -> Appended.stored(ids.get(0)))
                        .orElse(Appended.refused(AppendOutcome.QUOTA_EXCEEDED));
                c.completions.add(() -> a.future().complete(done));
            } else if (op instanceof AppendAll a) {
                AppendedAll done = appendAll(c, a.records(), now)
                        .map(AppendedAll::stored)
                        .orElse(AppendedAll.refused(AppendOutcome.QUOTA_EXCEEDED));
                if (done.isStored()) {
                    a.markers().forEach((name, pos) -> {
                        LanePosition current =
                                c.newMarkers.getOrDefault(name, markers.getOrDefault(name, LanePosition.BEFORE_FIRST));
                        if (pos.isAfter(current)) {
                            c.newMarkers.put(name, pos);
                            store.putMarker(name, pos);
                        }
                    });
                }
                c.completions.add(() -> a.future().complete(done));
            }
        }
        for (ChunkBuilder builder : c.open.values()) {
            if (!builder.isEmpty()) {
                c.sealed.add(builder.sealInto(store, c.nextChunkNo++));
            }
        }
        long t0 = System.nanoTime();
        try {
            store.commit();
        } catch (BufferStore.CommittedThenFailed e) {
            c.thenFailed = e; // durable: published and acknowledged as usual, then the log is reopened
        } finally {
            metrics.commit.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        }
        exclusive();
        c.sealed.forEach(index::put);
        markers.putAll(c.newMarkers);
    }

    /** What one group commit collects: open chunk per lane, sealed chunks, bytes added, completions to run after. */
    private static final class Commit {
        final Map<String, ChunkBuilder> open = new LinkedHashMap<>();
        final List<ChunkMeta> sealed = new ArrayList<>();
        final List<Runnable> completions = new ArrayList<>();
        /** Each lane's next sequence before this commit gave any: restored when the commit fails. */
        final Map<String, Long> sequencesBefore = new HashMap<>();

        final Map<String, LanePosition> newMarkers = new HashMap<>();
        /** Set when the commit is durable but the log failed right after it. */
        BufferStore.CommittedThenFailed thenFailed;

        long nextChunkNo;
        long pendingBytes;
        int stored;

        Commit(long nextChunkNo) {
            this.nextChunkNo = nextChunkNo;
        }
    }

    /**
     * Adds the records to this commit's chunks, all or none: the quota must make room for all of them, else none is
     * stored, each is counted {@link LossReason#REJECTED} and the result is empty.
     */
    private Optional<List<RecordId>> appendAll(Commit c, List<PendingRecord> records, long now) {
        if (records.size() == 1) { // the common case (one MQTT publish): no per-lane bookkeeping
            PendingRecord p = records.get(0);
            EncodedRecord r = encoder.encode(p, nextSequence.getOrDefault(p.lane(), 0L), now);
            ChunkBuilder builder = c.open.get(p.lane());
            int opens = builder == null || builder.isEmpty() ? ChunkCodec.overhead(1) : 0;
            if (!makeRoom(c.pendingBytes + ChunkCodec.encodedSize(r) + opens)) {
                ledger.add(LossReason.REJECTED, 1);
                return Optional.empty();
            }
            return Optional.of(List.of(add(c, p.lane(), r)));
        }
        Map<String, Long> next = new HashMap<>();
        List<EncodedRecord> encoded = new ArrayList<>(records.size());
        long size = 0;
        for (PendingRecord p : records) {
            long sequence = next.computeIfAbsent(p.lane(), l -> nextSequence.getOrDefault(l, 0L));
            next.put(p.lane(), sequence + 1);
            EncodedRecord r = encoder.encode(p, sequence, now);
            encoded.add(r);
            ChunkBuilder builder = c.open.get(p.lane());
            boolean opens =
                    (builder == null || builder.isEmpty()) && sequence == nextSequence.getOrDefault(p.lane(), 0L);
            size += ChunkCodec.encodedSize(r) + (opens ? ChunkCodec.overhead(1) : 0);
        }
        if (!records.isEmpty() && !makeRoom(c.pendingBytes + size)) {
            ledger.add(LossReason.REJECTED, records.size());
            return Optional.empty();
        }
        List<RecordId> ids = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            ids.add(add(c, records.get(i).lane(), encoded.get(i)));
        }
        return Optional.of(ids);
    }

    /** Puts an encoded record (its sequence the lane's next) into this commit's chunk of its lane. */
    private RecordId add(Commit c, String lane, EncodedRecord record) {
        c.sequencesBefore.putIfAbsent(lane, nextSequence.getOrDefault(lane, 0L));
        nextSequence.merge(lane, 1L, Long::sum);
        ChunkBuilder builder = c.open.computeIfAbsent(lane, ChunkBuilder::new);
        int before = builder.bytes();
        builder.add(record);
        c.pendingBytes += builder.bytes() - before;
        c.stored++;
        if (builder.bytes() >= config.maxChunkBytes()) {
            c.sealed.add(builder.sealInto(store, c.nextChunkNo++));
        }
        return RecordId.newBuilder()
                .setAgentId(config.agentId())
                .setAgentEpoch(record.position().epoch())
                .setSequence(record.position().sequence())
                .setLane(lane)
                .build();
    }

    /**
     * Takes the write lock for the rest of the batch, before the first change to a published chunk: readers then see
     * either the state before the batch or the committed state after it, never a lane with a hole in it.
     */
    private void exclusive() {
        if (!exclusive) {
            publishLock.lock();
            exclusive = true;
        }
    }

    /** Applies the overflow policy until {@code extraBytes} more fit under the quota; false when they cannot. */
    private boolean makeRoom(long extraBytes) {
        while (index.bytes() + extraBytes > config.quotaBytes()) {
            if (config.overflowPolicy() == OverflowPolicy.REJECT_NEW) {
                return false;
            }
            exclusive();
            if (!reclaimer.reclaimOne(config.overflowPolicy())) {
                return false;
            }
        }
        return true;
    }

    private void release(String lane, LanePosition upTo) {
        List<ChunkMeta> chunks = new ArrayList<>(index.lane(lane));
        if (chunks.isEmpty()) {
            return; // nothing stored (and so nothing sent) in this lane: a watermark here could hide future records
        }
        LanePosition capped = upTo.compareTo(chunks.get(chunks.size() - 1).last()) > 0
                ? chunks.get(chunks.size() - 1).last()
                : upTo;
        LanePosition current = released.getOrDefault(lane, LanePosition.BEFORE_FIRST);
        if (!capped.isAfter(current)) {
            return;
        }
        released.put(lane, capped);
        store.putReleased(lane, capped);
        for (ChunkMeta m : chunks) {
            if (m.last().isAfter(capped)) {
                break;
            }
            store.removeChunk(m.chunkNo());
            index.remove(m);
        }
    }

    private void sweep(long now) {
        boolean due = index.all().stream().anyMatch(m -> m.minExpireAtMs() <= now);
        publishLock.lock();
        try {
            if (due) {
                reclaimer.expire(now);
                store.commit();
            }
            if (health.accepting()) { // copying chunks forward takes space a full disk does not have
                store.compact(); // moves chunks, so readers stay out
            }
        } finally {
            publishLock.unlock();
        }
    }
}
