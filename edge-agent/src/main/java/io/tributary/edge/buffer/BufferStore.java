package io.tributary.edge.buffer;

import io.tributary.edge.buffer.log.BufferLog;
import io.tributary.edge.buffer.log.LogFiles;
import io.tributary.protocol.Epochs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The buffer's view of its {@link BufferLog}: typed access to what a {@link DurableBuffer} keeps on disk.
 *
 * <ul>
 *   <li>chunks: chunk number → encoded chunk ({@link ChunkCodec}) with its {@link ChunkMeta} (read whole at open);
 *   <li>released: lane → the hub-acknowledged watermark (inclusive);
 *   <li>markers: name → named lane positions that move atomically with appends (e.g. the aggregator's "aggregated up
 *       to" position per raw lane, see {@link DurableBuffer#marker});
 *   <li>counters: name → long: {@code epoch} (the number of openings), {@code epoch.grant} (the hub's epoch grant,
 *       0 before the first connection) and the loss ledger ({@code loss.<reason>}).
 * </ul>
 *
 * Every change of one write batch is committed together, so after a crash the buffer is at some commit boundary.
 *
 * <p>Thread rules: the writer thread calls every mutating method and {@link #commit()}; any thread may call
 * {@link #chunk(long)} for a published chunk while holding the buffer's read lock (the writer takes the write lock
 * before it removes, replaces or moves published chunks).
 */
final class BufferStore implements AutoCloseable {

    /** Epoch grant counter: the hub's grant, 0 until the first connection. */
    static final String EPOCH_GRANT = "epoch.grant";

    /** Replaced by {@link #reopen()}; the writer thread writes it, readers read it under the buffer's read lock. */
    private volatile BufferLog log;
    /** False from the start of a reopen until one succeeds: the old log's files are closed, nothing is readable. */
    private volatile boolean readable = true;

    private boolean damagedEver;
    private final long opening;
    private final long epoch;

    private BufferStore(BufferLog log) {
        this.log = log;
        opening = counter("epoch") + 1;
        if (opening >= Epochs.UNIT) {
            throw new IllegalStateException("the buffer was opened 2^32 times; its epochs are used up");
        }
        long grant = counter(EPOCH_GRANT);
        epoch = grant + opening;
        log.putCounter("epoch", opening);
        commit();
    }

    /**
     * Opens (or creates) the buffer directory, recovering after a crash (a torn last transaction is cut off, it was
     * never acknowledged), and takes the next epoch.
     */
    static BufferStore open(BufferConfig config, LogFiles files) {
        try {
            return new BufferStore(BufferLog.open(config.directory(), config.segmentBytes(), files));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the edge buffer in " + config.directory(), e);
        }
    }

    /**
     * This opening's epoch, stamped on every record it stores: the hub's epoch grant plus the opening number (one more
     * than the last opening's), or the opening number alone when the buffer held no grant when it opened (then the
     * forwarder adds the grant when it sends them).
     */
    long epoch() {
        return epoch;
    }

    /** True when recovery found committed data it could not read (logged at ERROR): those records are lost. */
    boolean damaged() {
        return damagedEver || log.damaged();
    }

    /**
     * After a storage error: reopens the log with full recovery ({@link BufferLog#reopen()}), keeping this opening's
     * epoch: the writer never gives a sequence twice within it, and the forwarder keeps sending under it. Writer
     * thread, holding the buffer's write lock (chunks move). Until a reopen succeeds nothing is readable.
     */
    void reopen() {
        readable = false;
        damagedEver |= log.damaged();
        try {
            log = log.reopen();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reopen the edge buffer log: " + e.getMessage(), e);
        }
        readable = true;
    }

    /** False after a failed reopen: the log's files are closed until a reopen succeeds. */
    boolean readable() {
        return readable;
    }

    Map<Long, ChunkMeta> loadIndex() {
        Map<Long, ChunkMeta> metas = new HashMap<>();
        log.chunkMetas().forEach((no, meta) -> metas.put(no, ChunkMeta.fromBytes(no, meta)));
        return metas;
    }

    Map<String, LanePosition> loadReleased() {
        return positions(log.released());
    }

    Map<String, LanePosition> loadMarkers() {
        return positions(log.markers());
    }

    private static Map<String, LanePosition> positions(Map<String, long[]> raw) {
        Map<String, LanePosition> out = new HashMap<>();
        raw.forEach((name, pos) -> out.put(name, new LanePosition(pos[0], pos[1])));
        return out;
    }

    void putMarker(String name, LanePosition position) {
        log.putMarker(name, position.epoch(), position.sequence());
    }

    /** A chunk's bytes; empty when there is no such chunk, or while a reopen has not succeeded (nothing to read). */
    Optional<byte[]> chunk(long chunkNo) {
        return readable ? log.chunk(chunkNo) : Optional.empty();
    }

    void putChunk(ChunkMeta meta, byte[] bytes) {
        log.putChunk(meta.chunkNo(), meta.toBytes(), bytes);
    }

    void removeChunk(long chunkNo) {
        log.removeChunk(chunkNo);
    }

    void putReleased(String lane, LanePosition upTo) {
        log.putReleased(lane, upTo.epoch(), upTo.sequence());
    }

    long counter(String name) {
        return log.counters().getOrDefault(name, 0L);
    }

    void putCounter(String name, long value) {
        log.putCounter(name, value);
    }

    /** Makes every change since the last commit durable (one write, one fdatasync). */
    void commit() {
        try {
            log.commit();
        } catch (BufferLog.AfterCommitException e) {
            throw new CommittedThenFailed(e);
        } catch (IOException e) {
            throw new UncheckedIOException("edge buffer commit failed: " + e.getMessage(), e);
        }
    }

    /** The commit is durable, but the log failed right after it (see {@link BufferLog.AfterCommitException}). */
    static final class CommittedThenFailed extends UncheckedIOException {
        CommittedThenFailed(BufferLog.AfterCommitException e) {
            super(e.getMessage(), e);
        }
    }

    /** Moves live chunks out of a mostly dead segment when worth it; commits. Needs readers excluded. */
    void compact() {
        try {
            log.compactOnce();
        } catch (IOException e) {
            throw new UncheckedIOException("edge buffer compaction failed: " + e.getMessage(), e);
        }
    }

    /** Bytes of the buffer's files on disk. */
    long diskBytes() {
        return log.diskBytes();
    }

    @Override
    public void close() {
        try {
            log.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
