package io.tributary.edge.buffer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Lock;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the buffer gets back from a storage error on its own, run by the writer when {@link StorageHealth} says an
 * attempt is due:
 *
 * <ol>
 *   <li>After a failed write or sync the log is <em>broken</em>: nothing more is written to it. On a full disk the
 *       {@link DiskReserve} is deleted first, to make room.
 *   <li>The log is reopened with full recovery, as a restart would ({@link BufferStore#reopen()}), and the in-memory
 *       state (chunk index, released watermarks, markers, loss ledger) is reloaded from what is durable: a failed
 *       commit's changes are gone from memory too. Releases that arrived meanwhile are applied and committed.
 *   <li>From then on the buffer forwards and releases (which deletes segments, so space comes back) while it still
 *       refuses new records; it accepts them again once the reserve is written back with as much space left free.
 * </ol>
 *
 * A failure at any step is retried with backoff. An I/O error that persists keeps the buffer refusing (and, if the
 * log cannot be reopened, not even draining), visible in health and metrics; one that went away (a re-seated cable, a
 * remount) is recovered from like a full disk.
 *
 * <p>Thread rules: the writer thread only.
 */
final class StorageRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(StorageRecovery.class);

    private final BufferStore store;
    private final ChunkIndex index;
    private final Map<String, LanePosition> released;
    private final Map<String, LanePosition> markers;
    private final LossLedger ledger;
    private final DiskReserve reserve;
    private final StorageHealth health;
    private final Lock publishLock;
    private final Runnable onReloaded;
    /** Releases that came while the log was broken: lane → furthest position, and the callers waiting for it. */
    private final Map<String, Deferred> deferred = new LinkedHashMap<>();

    private boolean broken;

    private record Deferred(LanePosition upTo, List<CompletableFuture<Void>> futures) {}

    StorageRecovery(
            BufferStore store,
            ChunkIndex index,
            Map<String, LanePosition> released,
            Map<String, LanePosition> markers,
            LossLedger ledger,
            DiskReserve reserve,
            StorageHealth health,
            Lock publishLock,
            Runnable onReloaded) {
        this.store = store;
        this.index = index;
        this.released = released;
        this.markers = markers;
        this.ledger = ledger;
        this.reserve = reserve;
        this.health = health;
        this.publishLock = publishLock;
        this.onReloaded = onReloaded;
    }

    /** At open: puts the reserve in place, or starts refusing (for want of space) until it can. */
    void start() {
        try {
            if (!reserve.restore()) {
                health.failed(new IOException(noSpace()), true);
            }
        } catch (IOException | RuntimeException e) {
            health.failed(e, true);
        }
    }

    /** True from a failed write until the log reopened: nothing may be written, appends and grants are refused. */
    boolean broken() {
        return broken;
    }

    /** A write or sync failed: the log is broken and the buffer refuses until an attempt succeeds. */
    void failed(Throwable error) {
        broken = true;
        health.failed(error, false);
    }

    /** Keeps a release that cannot be committed now for the next successful reopen (it then completes). */
    void defer(BufferWriter.Release r) {
        Deferred d = deferred.get(r.lane());
        LanePosition upTo = d == null ? r.upTo() : d.upTo().max(r.upTo());
        List<CompletableFuture<Void>> futures = d == null ? new ArrayList<>() : d.futures();
        futures.add(r.future());
        deferred.put(r.lane(), new Deferred(upTo, futures));
    }

    /** One recovery attempt (see the class comment); {@code release} stages a release in the writer. */
    void attempt(BiConsumer<String, LanePosition> release) {
        if (broken) {
            try {
                if (health.status().fault() == StorageFault.DISK_FULL) {
                    long freed = reserve.release();
                    if (freed > 0) {
                        LOG.warn("Freed the {}-byte disk reserve of the edge buffer to reopen it and drain", freed);
                    }
                }
                publishLock.lock();
                try {
                    store.reopen();
                    reload();
                } finally {
                    publishLock.unlock();
                }
                broken = false;
                health.reopened(index.records());
                releaseDeferred(release);
            } catch (IOException | RuntimeException | AssertionError e) {
                failed(e);
                return;
            }
        }
        try {
            if (reserve.restore()) {
                health.recovered();
            } else {
                health.waitingForSpace(reserve.freeBytes(), 2 * reserve.bytes());
            }
        } catch (IOException | RuntimeException e) {
            // the log is fine; only the reserve could not be written (the disk filled meanwhile): wait for space
            LOG.debug("Edge buffer disk reserve not written back: {}", e.toString());
            health.waitingForSpace(0, 2 * reserve.bytes());
        }
    }

    /**
     * While offline: refuses the batch's appends with the fault's outcome, keeps its releases for after the reopen
     * when the log cannot be written now, and fails its epoch grants then (the forwarder asks again). Leaves in the
     * batch what can still be written. Ops a failed batch completed already (its commit was durable) are dropped.
     */
    void refuse(List<BufferWriter.Op> batch) {
        batch.removeIf(op -> {
            if (op instanceof BufferWriter.Append a) {
                if (!a.future().isDone()) {
                    a.future().complete(Appended.refused(health.refuse()));
                }
            } else if (op instanceof BufferWriter.AppendAll a) {
                if (!a.future().isDone()) {
                    a.future().complete(AppendedAll.refused(health.refuse()));
                }
            } else if (op instanceof BufferWriter.Release r
                    && (broken || r.future().isDone())) {
                if (!r.future().isDone()) {
                    defer(r);
                }
            } else if (op instanceof BufferWriter.GrantEpoch g
                    && (broken || g.future().isDone())) {
                g.future().completeExceptionally(new IllegalStateException("edge buffer storage is offline; retry"));
            } else {
                return false;
            }
            return true;
        });
    }

    /**
     * The buffer closes: refuses what is left in the queue and fails the releases still waiting (their records are
     * read and sent again after a restart; the hub de-duplicates them).
     */
    void close(List<BufferWriter.Op> leftInQueue) {
        failClosed(leftInQueue);
        deferred.values()
                .forEach(d -> d.futures()
                        .forEach(f -> f.completeExceptionally(new IllegalStateException("edge buffer is closed"))));
        deferred.clear();
    }

    private void reload() {
        index.clear();
        store.loadIndex().values().forEach(index::put);
        replaceAll(released, store.loadReleased());
        replaceAll(markers, store.loadMarkers());
        ledger.reload();
        onReloaded.run();
    }

    /** Replaces the map's content without ever emptying it (lock-free readers look at released watermarks). */
    private static void replaceAll(Map<String, LanePosition> target, Map<String, LanePosition> durable) {
        target.putAll(durable);
        target.keySet().retainAll(durable.keySet());
    }

    private void releaseDeferred(BiConsumer<String, LanePosition> release) {
        if (deferred.isEmpty()) {
            return;
        }
        deferred.forEach((lane, d) -> release.accept(lane, d.upTo()));
        store.commit();
        deferred.values().forEach(d -> d.futures().forEach(f -> f.complete(null)));
        deferred.clear();
    }

    private String noSpace() throws IOException {
        return "No space left on device for the edge buffer's disk reserve: " + reserve.freeBytes() + " bytes free, "
                + 2 * reserve.bytes() + " needed";
    }

    private static void failClosed(List<BufferWriter.Op> ops) {
        for (BufferWriter.Op op : ops) {
            if (op instanceof BufferWriter.Append a) {
                a.future().complete(Appended.refused(AppendOutcome.UNAVAILABLE));
            } else if (op instanceof BufferWriter.AppendAll a) {
                a.future().complete(AppendedAll.refused(AppendOutcome.UNAVAILABLE));
            } else if (op instanceof BufferWriter.Release r) {
                r.future().completeExceptionally(new IllegalStateException("edge buffer is closed"));
            } else if (op instanceof BufferWriter.GrantEpoch g) {
                g.future().completeExceptionally(new IllegalStateException("edge buffer is closed"));
            }
        }
    }
}
