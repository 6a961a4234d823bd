package io.tributary.hub.client;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;

/**
 * A {@link Producer}'s sealed batches: those waiting to be sent, in batch-id (so per-lane) order, and those sent and
 * not answered yet. Answers move a batch out (ack, non-retriable refusal) or back to the waiting ones (retriable
 * refusal, throttle, lost connection), where it keeps its place.
 *
 * <p>Thread rules: the producer's event loop only.
 */
final class BatchQueue {
    private final TreeMap<Long, SealedBatch> toSend = new TreeMap<>();
    private final TreeMap<Long, SealedBatch> inFlight = new TreeMap<>();

    void add(SealedBatch b) {
        toSend.put(b.batchId, b);
    }

    /** The next batch to send, now counted in flight; null when none waits or {@code maxInFlight} are out. */
    SealedBatch nextToSend(int maxInFlight) {
        if (toSend.isEmpty() || inFlight.size() >= maxInFlight) {
            return null;
        }
        SealedBatch b = toSend.pollFirstEntry().getValue();
        b.attempts++;
        inFlight.put(b.batchId, b);
        return b;
    }

    /** The batch in flight with {@code batchId}, no longer in flight; null when it is not (answered already). */
    SealedBatch answered(long batchId) {
        return inFlight.remove(batchId);
    }

    /** Sends {@code b} again later, in its place. */
    void retry(SealedBatch b) {
        toSend.put(b.batchId, b);
    }

    /** The connection is gone: everything in flight is sent again; returns how many batches were. */
    int resendAll() {
        int n = inFlight.size();
        toSend.putAll(inFlight);
        inFlight.clear();
        return n;
    }

    /** Takes out every batch created before {@code limitNanos} ({@link System#nanoTime()}), waiting or in flight. */
    List<SealedBatch> takeCreatedBefore(long limitNanos) {
        List<SealedBatch> out = new ArrayList<>();
        for (TreeMap<Long, SealedBatch> map : List.of(toSend, inFlight)) {
            Iterator<SealedBatch> it = map.values().iterator();
            while (it.hasNext()) {
                SealedBatch b = it.next();
                if (b.createdNanos < limitNanos) {
                    it.remove();
                    out.add(b);
                }
            }
        }
        return out;
    }

    /**
     * Every batch of {@code lane} after {@code lastSequence} declares a gap before it (records of the lane up to there
     * were given up); false when there is no such batch.
     */
    boolean declareGapAfter(String lane, long lastSequence) {
        boolean any = false;
        for (TreeMap<Long, SealedBatch> map : List.of(toSend, inFlight)) {
            for (SealedBatch x : map.values()) {
                if (x.lane.equals(lane) && x.firstSequence > lastSequence) {
                    x.declareGapBefore();
                    any = true;
                }
            }
        }
        return any;
    }

    /** Takes out every batch, waiting or in flight. */
    List<SealedBatch> takeAll() {
        List<SealedBatch> out = new ArrayList<>(toSend.values());
        out.addAll(inFlight.values());
        toSend.clear();
        inFlight.clear();
        return out;
    }

    boolean hasToSend() {
        return !toSend.isEmpty();
    }

    boolean isEmpty() {
        return toSend.isEmpty() && inFlight.isEmpty();
    }
}
