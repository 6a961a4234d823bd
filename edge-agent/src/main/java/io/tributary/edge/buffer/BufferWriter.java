package io.tributary.edge.buffer;

import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * (group commit). Releases and expiry sweeps run on the same thread, in the same commits.
 *
 * <p>Thread rules: {@link #run()} runs on the one writer thread; the queue is the only way in. Futures are completed
 * on the writer thread, so callers must hop to their own executor before doing real work in a callback.
 */
final class BufferWriter implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(BufferWriter.class);

    /** A request to the writer. */
    sealed interface Op permits Append, Release, Stop {}

    record Append(PendingRecord pending, CompletableFuture<Appended> future) implements Op {}

    record Release(String lane, LanePosition upTo, CompletableFuture<Void> future) implements Op {}

    record Stop() implements Op {}

    private final BufferConfig config;
    private final Clock clock;
    private final BufferStore store;
    private final ChunkIndex index;
    private final LossLedger ledger;
    private final Map<String, LanePosition> released;
    private final Lock publishLock;
    private final BufferMetrics metrics;
    private final BlockingQueue<Op> queue;
    private final SpaceReclaimer reclaimer;
    private final Map<String, Long> nextSequence = new HashMap<>();
    private volatile boolean failed;
    private boolean exclusive;

    BufferWriter(
            BufferConfig config,
            Clock clock,
            BufferStore store,
            ChunkIndex index,
            LossLedger ledger,
            Map<String, LanePosition> released,
            Lock publishLock,
            BufferMetrics metrics,
            BlockingQueue<Op> queue) {
        this.config = config;
        this.clock = clock;
        this.store = store;
        this.index = index;
        this.ledger = ledger;
        this.released = released;
        this.publishLock = publishLock;
        this.metrics = metrics;
        this.queue = queue;
        this.reclaimer = new SpaceReclaimer(
                store, index, ledger, released, config.aggregateWindow().toMillis());
    }

    /** True once a storage error took the buffer offline. */
    boolean failed() {
        return failed;
    }

    @Override
    public void run() {
        long sweepMs = config.sweepInterval().toMillis();
        long nextSweep = clock.millis();
        List<Op> batch = new ArrayList<>();
        boolean stopping = false;
        while (!stopping && !failed) {
            try {
                Op first = queue.poll(sweepMs, TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, config.maxBatchRecords() - 1);
                }
                stopping = batch.removeIf(op -> op instanceof Stop);
                if (!batch.isEmpty()) {
                    write(batch);
                }
                if (clock.millis() >= nextSweep) {
                    sweep();
                    nextSweep = clock.millis() + sweepMs;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopping = true;
            } catch (RuntimeException | AssertionError e) {
                // MapDB reports an inconsistent store with AssertionError (seen after a SIGKILL, in BTreeMap.remove):
                // without this the writer thread died silently and every later append waited forever for its ack.
                LOG.error("Edge buffer {} failed and is offline; appends are refused", config.file(), e);
                failed = true;
            }
            failAll(batch); // no-op after a successful write: completed futures ignore it
            batch.clear();
        }
        queue.drainTo(batch);
        failAll(batch);
    }

    private void write(List<Op> batch) {
        long now = clock.millis();
        Map<String, ChunkBuilder> open = new LinkedHashMap<>();
        List<ChunkMeta> sealed = new ArrayList<>();
        List<Runnable> completions = new ArrayList<>(batch.size());
        long nextChunkNo = index.nextChunkNo();
        long pendingBytes = 0;
        int stored = 0;
        try {
            for (Op op : batch) {
                if (op instanceof Release r) {
                    exclusive();
                    release(r.lane(), r.upTo());
                    completions.add(() -> r.future().complete(null));
                    continue;
                }
                Append a = (Append) op;
                String lane = a.pending().lane();
                StoredRecord record = identify(a.pending(), now);
                ChunkBuilder builder = open.computeIfAbsent(lane, ChunkBuilder::new);
                int before = builder.bytes();
                int size = ChunkCodec.encodedSize(record) + (builder.isEmpty() ? ChunkCodec.overhead(1) : 0);
                if (!makeRoom(pendingBytes + size)) {
                    ledger.add(LossReason.REJECTED, 1);
                    completions.add(() -> a.future().complete(Appended.refused(AppendOutcome.QUOTA_EXCEEDED)));
                    continue;
                }
                nextSequence.merge(lane, 1L, Long::sum);
                builder.add(record, ChunkCodec.encodedSize(record));
                pendingBytes += builder.bytes() - before;
                stored++;
                Appended done = Appended.stored(record.record().getId());
                completions.add(() -> a.future().complete(done));
                if (builder.bytes() >= config.maxChunkBytes()) {
                    sealed.add(builder.sealInto(store, nextChunkNo++));
                }
            }
            for (ChunkBuilder builder : open.values()) {
                if (!builder.isEmpty()) {
                    sealed.add(builder.sealInto(store, nextChunkNo++));
                }
            }
            long t0 = System.nanoTime();
            store.commit();
            metrics.commit.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
            exclusive();
            sealed.forEach(index::put);
        } finally {
            if (exclusive) {
                exclusive = false;
                publishLock.unlock();
            }
        }
        metrics.recordsPerCommit.record(stored);
        metrics.stored.increment(stored);
        completions.forEach(Runnable::run);
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

    private StoredRecord identify(PendingRecord p, long now) {
        String lane = p.lane();
        RecordId id = RecordId.newBuilder()
                .setAgentId(config.agentId())
                .setAgentEpoch(store.epoch())
                .setSequence(nextSequence.getOrDefault(lane, 0L))
                .setLane(lane)
                .build();
        Record.Builder b = p.body().toBuilder().setId(id);
        if (b.getEdgeReceiveTimeMs() == 0) {
            b.setEdgeReceiveTimeMs(now);
        }
        long expireAt = p.ttl().isZero() ? StoredRecord.NEVER : now + p.ttl().toMillis();
        return new StoredRecord(b.build(), expireAt);
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

    private void sweep() {
        long now = clock.millis();
        boolean due = index.all().stream().anyMatch(m -> m.minExpireAtMs() <= now);
        if (!due) {
            return;
        }
        publishLock.lock();
        try {
            reclaimer.expire(now);
            store.commit();
        } finally {
            publishLock.unlock();
        }
    }

    private static void failAll(List<Op> ops) {
        for (Op op : ops) {
            if (op instanceof Append a) {
                a.future().complete(Appended.refused(AppendOutcome.UNAVAILABLE));
            } else if (op instanceof Release r) {
                r.future().completeExceptionally(new IllegalStateException("edge buffer is offline"));
            }
        }
    }
}
