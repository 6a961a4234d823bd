package io.tributary.hub.store.local;

import io.tributary.hub.store.ReplicaSequenceException;
import io.tributary.hub.store.TrimmedException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a cut of a shard (truncate, reset) will do, decided — and refused — before anything changes, and the cut
 * itself. Used only by the shard's {@link ShardWriter}, on its thread, between group commits.
 *
 * @param cut the crash-safe marker and file changes
 * @param keptSegments how many of the current segments stay whole
 * @param cutPosition where the first changed segment is cut ({@code -1}: none is cut, a new one starts)
 * @param removed how many records the cut removes
 */
record CutPlan(ShardCut cut, int keptSegments, long cutPosition, long removed) {

    /** The shard's state after a cut: what the writer continues from. */
    record Done(ProducerStateTable producers, long nextSequence, long lastAppendTimeMs) {}

    /** Truncate from {@code from}: null when it removes nothing; throws when refused. */
    static CutPlan truncate(ShardLog log, long nextSequence, long from) throws IOException {
        Segment[] segments = log.segments();
        long oldest = segments[0].baseSequence();
        if (from > nextSequence) {
            throw new ReplicaSequenceException(
                    log.key(),
                    "cannot truncate from " + from + ": above the high-water mark " + nextSequence,
                    nextSequence);
        }
        if (from < oldest) {
            throw new TrimmedException(log.key(), from, oldest);
        }
        if (from == nextSequence) {
            return null;
        }
        int i = ShardLog.floorIndex(segments, from);
        Segment.Located at = segments[i].locate(from, segments[i].size());
        if (at == null) {
            throw new ReplicaSequenceException(
                    log.key(), "cannot truncate from " + from + ": not the start of a stored batch", nextSequence);
        }
        return new CutPlan(new ShardCut(from, from), i, at.position(), nextSequence - from);
    }

    /** Reset to {@code next}: null when the shard is already empty there; throws when refused. */
    static CutPlan reset(ShardLog log, long nextSequence, long next) {
        long oldest = log.segments()[0].baseSequence();
        if (next < nextSequence) {
            throw new IllegalArgumentException(log.key() + ": cannot reset to " + next + ": below the high-water mark "
                    + nextSequence + " (sequences are never reused)");
        }
        if (oldest == nextSequence && next == nextSequence) {
            return null;
        }
        return new CutPlan(new ShardCut(0, next), 0, -1, nextSequence - oldest);
    }

    /**
     * Performs this cut. Order: the marker (from then on recovery finishes the cut); the new active segment, opened
     * afresh and replayed up to the cut; readers switched to the new segments; the replaced segments closed (a reader
     * still on them retries); only then the files changed; the marker removed; the producer state rebuilt from the
     * headers that remain. Everything kept is forced.
     */
    Done perform(ShardLog log, Path dir, LocalStoreConfig config, FileChannelFactory files) throws IOException {
        Segment[] old = log.segments();
        long next = cut.next();
        cut.begin(dir, files);
        ProducerStateTable rebuilt = new ProducerStateTable(config.producerWindow());
        List<Segment> kept = new ArrayList<>();
        long lastTime = -1;
        for (int i = 0; i < keptSegments; i++) {
            ShardRecovery.replay(old[i], old[i].size(), false, false, rebuilt, config.maxBatchBytes());
            kept.add(old[i]);
            lastTime = Math.max(lastTime, old[i].lastAppendTimeMs());
        }
        long activeBase = cutPosition > 0 ? old[keptSegments].baseSequence() : next;
        Segment active = Segment.open(dir, activeBase, config, files);
        try {
            ShardRecovery.replay(active, Math.max(0, cutPosition), false, true, rebuilt, config.maxBatchBytes());
            if (active.nextSequence() != next) {
                throw new IOException(active + " ends at " + active.nextSequence() + " after replay, not at " + next);
            }
            active.positionAtEnd();
        } catch (IOException | RuntimeException e) {
            active.close();
            throw e;
        }
        kept.add(active);
        log.replace(kept, next);
        for (int i = keptSegments; i < old.length; i++) {
            old[i].close();
        }
        cut.apply(dir, cutPosition, config, files);
        ShardCut.finish(dir, files);
        return new Done(rebuilt, next, Math.max(lastTime, active.lastAppendTimeMs()));
    }
}
