package io.tributary.edge.forward;

import io.tributary.edge.buffer.LanePosition;
import java.util.HashMap;
import java.util.Map;

/**
 * The batches sent on the current connection and not yet answered, by batch id and, through each
 * {@link LaneState#inFlight}, per lane in send order. Keeps the {@code in.flight} gauge current.
 *
 * <p>Only a lane's acknowledged <em>prefix</em> counts as delivered: a later batch's ack does not cover an earlier
 * one still unanswered, which may yet be refused and resent.
 *
 * <p>Thread rules: forwarder thread only.
 */
final class InFlightWindow {
    private final Map<Long, OutboundBatch> byId = new HashMap<>();
    private final ForwarderMetrics metrics;
    private long bytes;

    InFlightWindow(ForwarderMetrics metrics) {
        this.metrics = metrics;
    }

    /** Batches in flight on the connection. */
    int size() {
        return byId.size();
    }

    /** Record bytes of the batches in flight. */
    long bytes() {
        return bytes;
    }

    /** A batch was just sent for {@code lane}. */
    void add(LaneState lane, OutboundBatch b) {
        lane.inFlight.addLast(b);
        byId.put(b.batchId, b);
        bytes += b.bytes;
        metrics.inFlight.set(byId.size());
    }

    /**
     * Takes the batch answered by a frame out of the window; null when it is not in it (abandoned by a rewind or a
     * reconnect: it is, or was, resent under another id). It stays in its lane's queue until the lane is rewound or
     * its prefix acknowledged.
     */
    OutboundBatch remove(long batchId) {
        OutboundBatch b = byId.remove(batchId);
        if (b != null) {
            bytes -= b.bytes;
            metrics.inFlight.set(byId.size());
        }
        return b;
    }

    /**
     * Marks {@code b} (already {@linkplain #remove removed}) acknowledged and drops the lane's acknowledged prefix,
     * counting its records and batches; returns the last position of that prefix, or null when an earlier batch of
     * the lane is still unanswered.
     */
    LanePosition acknowledge(LaneState lane, OutboundBatch b) {
        b.acked = true;
        LanePosition releaseTo = null;
        while (!lane.inFlight.isEmpty() && lane.inFlight.peekFirst().acked) {
            OutboundBatch done = lane.inFlight.pollFirst();
            metrics.records.increment(done.records);
            metrics.batches.increment();
            releaseTo = done.last;
        }
        return releaseTo;
    }

    /** Forgets every batch of the lane: their answers, if any come, are ignored. */
    void abandon(LaneState lane) {
        for (OutboundBatch b : lane.inFlight) {
            if (byId.remove(b.batchId) != null) {
                bytes -= b.bytes;
            }
        }
        lane.inFlight.clear();
        metrics.inFlight.set(byId.size());
    }

    /** Forgets everything (the connection is gone or new); lanes are reset by their owner. */
    void clear() {
        byId.clear();
        bytes = 0;
        metrics.inFlight.set(0);
    }
}
