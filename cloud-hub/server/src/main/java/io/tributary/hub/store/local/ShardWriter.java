package io.tributary.hub.store.local;

import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.BatchToAppend;
import io.tributary.hub.store.ProducerGapException;
import io.tributary.hub.store.ProducerLookup;
import io.tributary.hub.store.ProducerSequenceException;
import io.tributary.hub.store.ReplicaSequenceException;
import io.tributary.hub.store.RetentionResult;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.hub.store.StoreBusyException;
import io.tributary.hub.store.local.WriterCommand.Append;
import io.tributary.hub.store.local.WriterCommand.Cut;
import io.tributary.hub.store.local.WriterCommand.Lookup;
import io.tributary.hub.store.local.WriterCommand.ReplicaAppend;
import io.tributary.hub.store.local.WriterCommand.Retention;
import io.tributary.hub.store.local.WriterCommand.Stop;
import io.tributary.hub.store.local.WriterCommand.Write;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of one shard: a thread fed by a bounded queue that appends with group commit. Each round it
 * drains everything queued (up to {@code maxGroupBatches}), writes the batches with one gathering write, forces the
 * segment once ({@link Durability#FSYNC}), publishes the new high-water mark and only then completes the futures.
 * Producer lookups and retention go through the same queue so they see exactly the durable state and never race the
 * writer. Any I/O error takes this shard OFFLINE and fails its pending and later calls.
 *
 * <p>Replicated batches ({@link ReplicaAppend}) are written by the same path and group commit as appends, keeping the
 * home's base sequence, append time (raised to keep the shard's append times non-decreasing) and producer run, so the
 * entry bytes are the home's. Cuts ({@link Cut}: truncate, reset) run between groups, on this thread, as a {@link
 * ShardCut}: crash-safe through a marker file, with readers moved to the new segments before any file shrinks, and
 * the producer state rebuilt from the headers that remain. They are rare (a region failover), so blocking this shard's
 * appends for the scan is acceptable.
 *
 * <p>Threads: {@link #submit} from any thread; everything else runs on the writer thread.
 */
final class ShardWriter implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ShardWriter.class);
    private static final int HEADER_BUFFER_BYTES = 256 * 1024;

    private final ShardLog log;
    private final Path dir;
    private final LocalStoreConfig config;
    private final FileChannelFactory files;
    private final Clock clock;
    private final ShardMetrics metrics;
    private ProducerStateTable producers;
    private final SegmentRetention retention;
    private final BlockingQueue<WriterCommand> queue;
    private final ByteBuffer headers = ByteBuffer.allocateDirect(HEADER_BUFFER_BYTES);
    private final ByteBuffer[] gather;
    private final AppendResult[] results;
    private final CRC32C crc = new CRC32C();
    private int gathered;
    private long nextSequence;
    private long lastAppendTimeMs;
    /** The active segment was fsync'd since the last batch was encoded: the next one gets COMMIT_START. */
    private boolean synced;

    private volatile boolean stopped;

    ShardWriter(
            ShardLog log,
            Path dir,
            LocalStoreConfig config,
            FileChannelFactory files,
            Clock clock,
            ShardMetrics metrics,
            ShardRecovery.Recovered recovered) {
        this.log = log;
        this.dir = dir;
        this.config = config;
        this.files = files;
        this.clock = clock;
        this.metrics = metrics;
        this.producers = recovered.producers();
        this.nextSequence = recovered.nextSequence();
        this.lastAppendTimeMs = recovered.lastAppendTimeMs();
        this.retention = new SegmentRetention(log, clock);
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
        this.gather = new ByteBuffer[2 * config.maxGroupBatches()];
        this.results = new AppendResult[config.maxGroupBatches()];
    }

    /** Queues a command; a full queue fails it with {@link StoreBusyException}, a stopped writer as unavailable. */
    <T extends WriterCommand> T submit(T command) {
        if (command instanceof Stop) {
            // Even an OFFLINE shard's writer must be stopped, so its channels close and it can be reopened.
            try {
                queue.put(command);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                command.future().completeExceptionally(e);
            }
        } else if (stopped || !log.online()) {
            command.future().completeExceptionally(stopped ? closedError() : log.unavailable());
        } else if (!queue.offer(command)) {
            metrics.busyRejections.increment();
            command.future().completeExceptionally(new StoreBusyException(log.key(), config.queueCapacity()));
        }
        if (stopped) {
            failQueued(); // the writer may have exited between the check and the offer
        }
        return command;
    }

    @Override
    public void run() {
        List<WriterCommand> group = new ArrayList<>(config.maxGroupBatches());
        Stop stop = null;
        while (stop == null) {
            try {
                group.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(group, config.maxGroupBatches() - 1);
            processGroup(group);
            for (WriterCommand c : group) {
                stop = c instanceof Stop s ? s : stop;
            }
            group.clear();
        }
        boolean healthy = log.online();
        log.markClosed(); // before closing channels, so readers see "closed" rather than a broken channel
        closeSegments(healthy);
        stopped = true;
        failQueued();
        if (stop != null) {
            stop.future().complete(null);
        }
    }

    /** Processes a drained group in order, committing the writes before each cut and the rest at the end. */
    private void processGroup(List<WriterCommand> group) {
        int start = 0;
        for (int i = 0; i < group.size(); i++) {
            if (group.get(i) instanceof Cut cut) {
                processWrites(group.subList(start, i));
                processCut(cut);
                start = i + 1;
            }
        }
        processWrites(group.subList(start, group.size()));
    }

    private void processWrites(List<WriterCommand> group) {
        try {
            log.checkOnline();
            boolean wrote = false;
            for (int i = 0; i < group.size(); i++) {
                WriterCommand c = group.get(i);
                if (c instanceof Append a) {
                    results[i] = append(a);
                } else if (c instanceof ReplicaAppend r) {
                    results[i] = appendReplica(r);
                }
                wrote |= results[i] != null && !results[i].duplicate();
            }
            flush();
            if (wrote) {
                commit();
            }
            for (int i = 0; i < group.size(); i++) {
                WriterCommand c = group.get(i);
                if (c instanceof Write w && results[i] != null) {
                    w.future().complete(results[i]);
                } else if (c instanceof Lookup l) {
                    l.future().complete(producers.lookup(l.producer(), l.first(), l.last()));
                } else if (c instanceof Retention r) {
                    RetentionResult trimmed = retention.enforce(r.policy());
                    if (trimmed.segmentsDeleted() > 0) {
                        // Deleted segments must not come back after a power cut (a gap would take the shard offline).
                        ShardRecovery.syncDirectory(dir, files);
                    }
                    r.future().complete(trimmed);
                }
            }
        } catch (ShardUnavailableException e) {
            failAll(group, e);
        } catch (IOException | RuntimeException e) {
            log.goOffline("write failed: " + e, e);
            failAll(group, log.unavailable());
        } finally {
            Arrays.fill(results, null);
        }
    }

    /** Encodes one batch into the pending gather list; returns its result, or null when it was failed already. */
    private AppendResult append(Append a) throws IOException {
        BatchToAppend b = a.batch();
        ProducerLookup seen = producers.lookup(b.producer(), b.producerFirstSeq(), b.producerLastSeq());
        switch (seen.outcome()) {
            case DUPLICATE, ALREADY_COVERED -> {
                metrics.duplicateBatches.increment();
                long base = seen.outcome() == ProducerLookup.Outcome.DUPLICATE ? seen.baseSequence() : -1;
                int count = seen.outcome() == ProducerLookup.Outcome.DUPLICATE ? seen.recordCount() : b.recordCount();
                return new AppendResult(base, count, AppendResult.Status.DUPLICATE);
            }
            case OVERLAP -> {
                a.future()
                        .completeExceptionally(new ProducerSequenceException(
                                log.key(),
                                b.producer(),
                                b.producerFirstSeq(),
                                b.producerLastSeq(),
                                seen.highestStoredSeq()));
                return null;
            }
            case GAP -> {
                if (b.allowGap()) {
                    break;
                }
                a.future()
                        .completeExceptionally(new ProducerGapException(
                                log.key(), b.producer(), b.producerFirstSeq(), seen.highestStoredSeq()));
                return null;
            }
            default -> {}
        }
        return write(b, clock.millis());
    }

    /**
     * Stores a replicated batch at its base sequence when that is the high-water mark; answers a resend of the stored
     * batch that starts there with the same record count as a duplicate; refuses anything else, writing nothing.
     */
    private AppendResult appendReplica(ReplicaAppend r) throws IOException {
        BatchToAppend b = r.batch();
        long base = r.baseSequence();
        if (base == nextSequence) {
            metrics.replicaAppendBatches.increment();
            return write(b, r.appendTimeMs());
        }
        if (base < nextSequence && base + b.recordCount() <= nextSequence && isStored(base, b.recordCount())) {
            metrics.duplicateBatches.increment();
            return new AppendResult(base, b.recordCount(), AppendResult.Status.DUPLICATE);
        }
        r.future().completeExceptionally(new ReplicaSequenceException(log.key(), base, nextSequence));
        return null;
    }

    /** Whether a batch of {@code recordCount} records starting at {@code base} (below the high-water mark) is stored. */
    private boolean isStored(long base, int recordCount) throws IOException {
        Segment[] segments = log.segments();
        if (base < segments[0].baseSequence()) {
            return false; // retained away: cannot tell, and the follower must not skip ahead on a guess
        }
        flush(); // the batch may be in this group, not yet written
        Segment segment = segments[ShardLog.floorIndex(segments, base)];
        Segment.Located found = segment.locate(base, segment.size());
        return found != null && found.header().recordCount() == recordCount;
    }

    /**
     * Encodes one batch at the high-water mark into the pending gather list, with the append time {@code
     * appendTimeMs} raised to the shard's last one (append times never decrease).
     */
    private AppendResult write(BatchToAppend b, long appendTimeMs) throws IOException {
        ProducerNames names = producers.names(b.producer());
        int headerLength = BatchHeader.headerLength(names.agentId(), names.lane());
        int entryLength = headerLength + b.payloadSize();
        long appendTime = Math.max(lastAppendTimeMs, appendTimeMs);
        // Segment age by append time: a replica catching up on old batches rolls where its home did, not per batch.
        rollIfNeeded(entryLength, appendTime);
        if (headers.remaining() < headerLength || gathered + 2 > gather.length) {
            flush();
        }
        long base = nextSequence;
        lastAppendTimeMs = appendTime;
        ByteBuffer header = headers.slice(headers.position(), headerLength);
        BatchHeader.write(header, b, base, lastAppendTimeMs, names, crc);
        if (synced) {
            header.put(BatchHeader.ATTRIBUTES_OFFSET, BatchHeader.COMMIT_START);
            synced = false;
        }
        headers.position(headers.position() + headerLength);
        gather[gathered++] = header.flip();
        gather[gathered++] = b.payload().duplicate();
        log.active().onBatch(base, b.recordCount(), lastAppendTimeMs, entryLength);
        producers.record(b.producer(), b.producerFirstSeq(), b.producerLastSeq(), base, b.recordCount());
        nextSequence = base + b.recordCount();
        metrics.appendBatches.increment();
        metrics.appendRecords.increment(b.recordCount());
        metrics.appendBytes.increment(b.payloadSize());
        return new AppendResult(base, b.recordCount(), AppendResult.Status.APPENDED);
    }

    private void processCut(Cut c) {
        CutPlan plan;
        try {
            log.checkOnline();
            plan = c.reset()
                    ? CutPlan.reset(log, nextSequence, c.sequence())
                    : CutPlan.truncate(log, nextSequence, c.sequence());
        } catch (IOException e) {
            log.goOffline("reading for a cut failed: " + e, e);
            c.future().completeExceptionally(log.unavailable());
            return;
        } catch (RuntimeException e) {
            c.future().completeExceptionally(e); // refused, or unavailable: nothing changed
            return;
        }
        if (plan == null) {
            c.future().complete(0L);
            return;
        }
        long highWaterMark = nextSequence;
        try {
            CutPlan.Done done = plan.perform(log, dir, config, files);
            producers = done.producers();
            nextSequence = done.nextSequence();
            lastAppendTimeMs = done.lastAppendTimeMs();
            synced = true; // the cut forced what it kept
        } catch (IOException | RuntimeException e) {
            // Past ShardCut.begin, reopening the shard completes the cut; before it, nothing changed.
            log.goOffline("cut failed: " + e, e);
            c.future().completeExceptionally(log.unavailable());
            return;
        }
        LOG.info(
                "{}: {} {}: removed {} records (high-water mark was {})",
                log.key(),
                c.reset() ? "reset to" : "truncated from",
                c.sequence(),
                plan.removed(),
                highWaterMark);
        c.future().complete(plan.removed());
    }

    private void rollIfNeeded(int entryLength, long now) throws IOException {
        Segment active = log.active();
        if (active.size() == 0) {
            return;
        }
        boolean full = (long) active.size() + entryLength > config.segmentMaxBytes();
        boolean old = now - active.firstAppendTimeMs() >= config.segmentMaxAgeMs();
        if (!full && !old) {
            return;
        }
        flush();
        active.force();
        synced = true;
        active.publish();
        active.seal(files);
        log.addSegment(Segment.open(dir, nextSequence, config, files));
        ShardRecovery.syncDirectory(dir, files);
    }

    private void flush() throws IOException {
        if (gathered > 0) {
            log.active().write(gather, gathered);
            Arrays.fill(gather, 0, gathered, null);
            gathered = 0;
        }
        headers.clear();
    }

    private void commit() throws IOException {
        Segment active = log.active();
        if (config.durability() == Durability.FSYNC) {
            long start = System.nanoTime();
            active.force();
            synced = true;
            metrics.recordFsync(System.nanoTime() - start);
        }
        active.publish();
        log.publish(nextSequence);
        metrics.groupCommits.increment();
    }

    private void closeSegments(boolean healthy) {
        for (Segment s : log.segments()) {
            try {
                if (healthy && s == log.active()) {
                    s.force();
                }
                s.close();
            } catch (IOException e) {
                LOG.warn("{}: closing {} failed", log.key(), s, e);
            }
        }
    }

    private void failQueued() {
        for (WriterCommand c = queue.poll(); c != null; c = queue.poll()) {
            if (c instanceof Stop s) {
                s.future().complete(null);
            } else {
                c.future().completeExceptionally(closedError());
            }
        }
    }

    private void failAll(List<WriterCommand> group, ShardUnavailableException e) {
        for (WriterCommand c : group) {
            if (!(c instanceof Stop)) {
                c.future().completeExceptionally(e);
            }
        }
    }

    private ShardUnavailableException closedError() {
        return new ShardUnavailableException(log.key(), "shard closed", null);
    }
}
