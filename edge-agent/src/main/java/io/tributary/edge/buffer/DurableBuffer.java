package io.tributary.edge.buffer;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.edge.buffer.log.LogFiles;
import io.tributary.protocol.Epochs;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * The edge agent's durable buffer: records accepted from devices wait here, on disk, until the hub acknowledges them.
 *
 * <p>The MQTT endpoint calls {@link #append} and acknowledges the publish when the future completes with
 * {@link AppendOutcome#STORED} (the record is then committed and fsync'd, together with every other record of its
 * group commit). The forwarder calls {@link #lanes()}, {@link #read} from {@link #releasedPosition} (or from its own
 * cursor) — {@link #readForDelivery}, which also holds what it will send — and {@link #release} once the hub acknowledged a
 * lane up to a position. Records keep the id given at append across restarts; each opening takes a new epoch, so new
 * ids never collide with old ones.
 *
 * <p>Storage: see {@link io.tributary.edge.buffer.log.BufferLog} (the log on disk), {@link BufferStore} (what it
 * holds) and {@link ChunkCodec} (chunk format). Quota and losses: see
 * {@link OverflowPolicy} and {@link LossReason}.
 *
 * <p>Thread rules: every public method may be called from any thread. {@link #append} never blocks (Netty event
 * loops may call it); {@link #read} takes a read lock that the writer holds during commits that rewrite or drop unreleased chunks
 * (quota reclaim, expiry, compaction), so it may wait a few milliseconds: call it off event loops. Futures complete on the
 * writer thread: use {@code whenCompleteAsync(.., eventLoop)} or similar, never block or do I/O in a callback.
 */
public final class DurableBuffer implements AutoCloseable {

    private final BufferConfig config;
    private final BufferStore store;
    private final ChunkIndex index = new ChunkIndex();
    private final Map<String, LanePosition> released = new ConcurrentHashMap<>();
    private final Map<String, LanePosition> markers = new ConcurrentHashMap<>();
    private final DeliveryHolds holds = new DeliveryHolds();
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile long grant;
    private final BlockingQueue<BufferWriter.Op> queue;
    private final LossLedger ledger;
    private final BufferMetrics metrics;
    private final BufferWriter writer;
    private final StorageHealth health;
    private final Thread writerThread;
    private final AtomicInteger appending = new AtomicInteger();
    private volatile boolean closed;

    private DurableBuffer(BufferConfig config, Clock clock, MeterRegistry registry, LogFiles files) {
        this.config = config;
        this.store = BufferStore.open(config, files);
        store.loadIndex().values().forEach(index::put);
        released.putAll(store.loadReleased());
        markers.putAll(store.loadMarkers());
        this.grant = store.counter(BufferStore.EPOCH_GRANT);
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
        this.ledger = new LossLedger(store);
        this.metrics = new BufferMetrics(registry, clock, config, index, ledger, queue, store);
        this.health = new StorageHealth(config.directory(), registry, clock);
        this.writer = new BufferWriter(
                config,
                clock,
                store,
                index,
                ledger,
                released,
                markers,
                holds,
                lock.writeLock(),
                metrics,
                queue,
                health,
                new DiskReserve(config.directory(), config.diskReserveBytes(), files));
        this.writerThread = new Thread(writer, "tributary-buffer-writer");
        writerThread.setDaemon(true);
        writerThread.start();
    }

    /**
     * Opens the buffer directory (creating it, or recovering it after a crash) with the next epoch and starts the
     * writer.
     */
    public static DurableBuffer open(BufferConfig config, Clock clock, MeterRegistry registry) {
        return new DurableBuffer(config, clock, registry, LogFiles.DEFAULT);
    }

    /** As {@link #open(BufferConfig, Clock, MeterRegistry)}, opening files through {@code files} (tests inject faults). */
    static DurableBuffer open(BufferConfig config, Clock clock, MeterRegistry registry, LogFiles files) {
        return new DurableBuffer(config, clock, registry, files);
    }

    /**
     * Queues a record for the next group commit. Never blocks and never throws for a full queue, a full quota, a
     * storage fault ({@link #status()}) or a closed buffer: the future completes with the {@link AppendOutcome}.
     */
    public CompletableFuture<Appended> append(PendingRecord record) {
        appending.incrementAndGet();
        try {
            if (closed) {
                return CompletableFuture.completedFuture(Appended.refused(AppendOutcome.UNAVAILABLE));
            }
            if (!health.accepting()) {
                return CompletableFuture.completedFuture(Appended.refused(health.refuse()));
            }
            CompletableFuture<Appended> future = new CompletableFuture<>();
            if (!queue.offer(new BufferWriter.Append(record, future))) {
                metrics.busy.increment();
                return CompletableFuture.completedFuture(Appended.refused(AppendOutcome.BUSY));
            }
            return future;
        } finally {
            appending.decrementAndGet();
        }
    }

    /**
     * Queues records and marker moves for the next group commit, as one unit: after a crash either all of them are
     * stored and every marker has moved, or none. Records get ids as with {@link #append(PendingRecord)}, in list
     * order. A marker is a named lane position kept in the buffer (see {@link #marker}); it only moves forward, a
     * position not after its current one is ignored. The quota applies to the records together: when they do not all
     * fit, none is stored and no marker moves ({@link AppendOutcome#QUOTA_EXCEEDED}). Never blocks.
     *
     * <p>This is how derived records stay exactly-once across crashes: a consumer of a lane appends what it derived
     * and moves its "consumed up to" marker in the same commit, and resumes after the marker on restart.
     */
    public CompletableFuture<AppendedAll> append(List<PendingRecord> records, Map<String, LanePosition> markers) {
        appending.incrementAndGet();
        try {
            if (closed) {
                return CompletableFuture.completedFuture(AppendedAll.refused(AppendOutcome.UNAVAILABLE));
            }
            if (!health.accepting()) {
                return CompletableFuture.completedFuture(AppendedAll.refused(health.refuse()));
            }
            CompletableFuture<AppendedAll> future = new CompletableFuture<>();
            if (!queue.offer(new BufferWriter.AppendAll(List.copyOf(records), Map.copyOf(markers), future))) {
                metrics.busy.increment();
                return CompletableFuture.completedFuture(AppendedAll.refused(AppendOutcome.BUSY));
            }
            return future;
        } finally {
            appending.decrementAndGet();
        }
    }

    /** The committed position of a marker moved by {@link #append(List, Map)}; {@link LanePosition#BEFORE_FIRST} if never. */
    public LanePosition marker(String name) {
        return markers.getOrDefault(name, LanePosition.BEFORE_FIRST);
    }

    /**
     * Up to {@code maxRecords} of the lane's records after {@code after} and after its released watermark, in lane
     * order, old epochs first, with their original ids. The total size stays under {@code maxBytes} except that the
     * first record is always returned. Empty when there is nothing more. Parses every record: forwarding should use
     * {@link #readRaw}.
     */
    public List<BufferedRecord> read(String lane, LanePosition after, int maxRecords, int maxBytes) {
        List<RawRecord> raw = readRaw(lane, after, maxRecords, maxBytes);
        List<BufferedRecord> out = new ArrayList<>(raw.size());
        for (RawRecord r : raw) {
            out.add(new BufferedRecord(r.parse(), r.serializedSize()));
        }
        return out;
    }

    /** As {@link #read}, but the records stay bytes ({@link RawRecord}): what the forwarder sends as it is. */
    public List<RawRecord> readRaw(String lane, LanePosition after, int maxRecords, int maxBytes) {
        lock.readLock().lock();
        try {
            return readRawLocked(lane, after, maxRecords, maxBytes);
        } finally {
            lock.readLock().unlock();
        }
    }

    private List<RawRecord> readRawLocked(String lane, LanePosition after, int maxRecords, int maxBytes) {
        List<RawRecord> out = new ArrayList<>(Math.min(maxRecords, 1024));
        long bytes = 0;
        LanePosition from = after.max(releasedPosition(lane));
        for (ChunkMeta m : index.lane(lane)) {
            if (!m.last().isAfter(from)) {
                continue;
            }
            for (RawRecord r :
                    store.chunk(m.chunkNo()).map(ChunkCodec::decodeRaw).orElse(List.of())) {
                if (!r.position().isAfter(from)) {
                    continue;
                }
                int size = r.serializedSize();
                if (out.size() >= maxRecords || (!out.isEmpty() && bytes + size > maxBytes)) {
                    return out;
                }
                out.add(r);
                bytes += size;
            }
        }
        return out;
    }

    /**
     * Reads for sending: {@link #readRaw}, and in the same step the hold on what of it will be sent, so that the loss
     * ledger counts exactly the records that never reach the hub. {@code plan} gets the records read (possibly none)
     * and returns how far the lane is on its way to the hub once they are sent (the last position sent, on any
     * connection), or null when none of them is sent now (the hold is then left as it was). The hold: the hub
     * acknowledged every record up to {@code acked} (quota reclaim may free them before their {@link #release} is
     * committed, without counting them), and records after it up to the planned position were or are about to be sent
     * and are not answered yet. Those may reach the hub even if the connection is lost before the answer, so quota
     * reclaim and expiry never take them; they take the oldest records not on their way instead. The hold lasts until
     * the records are released or the next hold for the lane; it is not persisted (a new opening holds nothing).
     *
     * <p>Reading and holding happen under the read lock that quota reclaim and expiry wait for (they take the write
     * lock): no record read can be taken before its hold is in place, so there is nothing to re-check and no read to
     * repeat, however often reclaim runs. {@code plan} runs under that lock: it must be quick and must not touch the
     * buffer. Never blocks for long (as {@link #read}). Any thread, but one caller per lane.
     *
     * @return the records read, in lane order
     */
    public List<RawRecord> readForDelivery(
            String lane,
            LanePosition after,
            int maxRecords,
            int maxBytes,
            LanePosition acked,
            Function<List<RawRecord>, LanePosition> plan) {
        lock.readLock().lock();
        try {
            List<RawRecord> read = readRawLocked(lane, after, maxRecords, maxBytes);
            LanePosition sent = plan.apply(read);
            if (sent != null) {
                holds.hold(lane, acked, sent);
            }
            return read;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The lanes with stored records. */
    public Set<String> lanes() {
        return Set.copyOf(index.lanes());
    }

    /** Per lane with stored records: how many, their bytes and the oldest one's append time. Any thread. */
    public List<LaneSummary> laneSummaries() {
        lock.readLock().lock(); // a whole published state: no lane seen half rewritten
        try {
            List<LaneSummary> lanes = new ArrayList<>();
            for (String lane : index.lanes()) {
                long records = 0;
                long bytes = 0;
                long oldest = Long.MAX_VALUE;
                for (ChunkMeta m : index.lane(lane)) {
                    records += m.count();
                    bytes += m.bytes();
                    oldest = Math.min(oldest, m.firstAppendMs());
                }
                if (records > 0) {
                    lanes.add(new LaneSummary(lane, records, bytes, oldest));
                }
            }
            return lanes;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** When the oldest stored record was appended (epoch milliseconds); empty when nothing is stored. */
    public OptionalLong oldestAppendMs() {
        return index.oldest().map(m -> OptionalLong.of(m.firstAppendMs())).orElse(OptionalLong.empty());
    }

    /** The lane's hub-acknowledged watermark: a forwarder resumes reading after it. */
    public LanePosition releasedPosition(String lane) {
        return released.getOrDefault(lane, LanePosition.BEFORE_FIRST);
    }

    /**
     * Marks the lane's records up to {@code upToInclusive} delivered: they are no longer read, and their chunks are
     * deleted once wholly released. Completes when that is committed; a crash before then means those records are
     * read (and sent) again, never lost. Positions beyond the lane's last stored record are capped to it. While a
     * storage fault is being recovered from, the release waits for the log to reopen (it is what frees space).
     */
    public CompletableFuture<Void> release(String lane, LanePosition upToInclusive) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(new IllegalStateException("edge buffer is closed"));
        } else if (!queue.offer(new BufferWriter.Release(lane, upToInclusive, future))) {
            future.completeExceptionally(new IllegalStateException("edge buffer queue is full; retry"));
        }
        return future;
    }

    /** This opening's epoch (see {@link #epochGrant}): the epoch of the records it stores. */
    public long epoch() {
        return store.epoch();
    }

    /**
     * The epoch grant the hub gave this buffer (a multiple of 2^32), 0 while it has none. A buffer that opened without
     * one stamps its records with the opening number alone (below 2^32); those are sent under {@code grant +} that
     * number. Any thread.
     */
    public long epochGrant() {
        return grant;
    }

    /**
     * Stores the hub's epoch grant; completes once it is committed. The forwarder sends nothing under a grant before
     * this completes, so a crash never forgets a grant that records went out under.
     */
    public CompletableFuture<Void> recordEpochGrant(long grant) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        if (!Epochs.isGrant(grant)) {
            future.completeExceptionally(new IllegalArgumentException("not an epoch grant: " + grant));
        } else if (closed || !health.status().draining()) {
            future.completeExceptionally(new IllegalStateException("edge buffer is closed or its log is offline"));
        } else if (!queue.offer(new BufferWriter.GrantEpoch(grant, future))) {
            future.completeExceptionally(new IllegalStateException("edge buffer queue is full; retry"));
        }
        return future.thenRun(() -> this.grant = grant);
    }

    /**
     * True when opening found committed data it could not read (disk damage, logged at ERROR); what was readable is
     * kept. A crash's torn last transaction is not damage: it was never acknowledged.
     */
    public boolean damaged() {
        return store.damaged();
    }

    /**
     * Whether the buffer accepts new records: it refuses them while its file system is full or after an I/O error,
     * and recovers on its own (see {@link StorageFault}). Any thread.
     */
    public BufferStatus status() {
        return health.status();
    }

    /** The loss ledger: records that will never reach the hub, by reason, since the buffer was created. */
    public Map<LossReason, Long> losses() {
        return ledger.snapshot();
    }

    /** Encoded bytes stored, what the quota counts. */
    public long storedBytes() {
        return index.bytes();
    }

    /** Records stored (including released records of chunks not yet wholly released). */
    public long storedRecords() {
        return index.records();
    }

    public BufferConfig config() {
        return config;
    }

    /** Finishes the queued work, then closes the file. Later appends complete with UNAVAILABLE. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int spins = 0; appending.get() > 0 && spins < 1_000_000; spins++) {
            Thread.onSpinWait(); // an append that passed the closed check is about to offer
        }
        boolean stopQueued = false;
        while (!stopQueued && writerThread.isAlive()) {
            stopQueued = queue.offer(new BufferWriter.Stop());
            Thread.onSpinWait();
        }
        try {
            writerThread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        metrics.close();
        health.close();
        store.close();
    }
}
