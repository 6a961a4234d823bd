package io.tributary.edge.forward;

import io.tributary.edge.buffer.LanePosition;
import io.tributary.hub.client.spi.Backoff;
import java.util.ArrayDeque;

/**
 * The forwarder's view of one lane: how far it was read (sent) and acknowledged, and its batches in flight in send
 * order.
 *
 * <p>Thread rules: forwarder thread only.
 */
final class LaneState {
    final String name;
    final ArrayDeque<OutboundBatch> inFlight = new ArrayDeque<>();
    final Backoff backoff;
    /** Last position sent on the current connection. */
    LanePosition cursor;
    /** Last position the hub acknowledged (release requested up to here). */
    LanePosition acked;
    /**
     * Highest position sent on any connection. Records after {@link #acked} up to here may be at the hub although no
     * answer came (a lost connection, an abandoned batch), so the buffer holds them (see
     * {@link io.tributary.edge.buffer.DurableBuffer#readForDelivery}); not reset by a rewind or a reconnect.
     */
    LanePosition sentUpTo;

    long partialSinceNanos;
    long retryAtNanos;
    boolean hadBacklog;

    LaneState(String name, LanePosition released, ForwarderConfig config) {
        this.name = name;
        this.cursor = released;
        this.acked = released;
        this.sentUpTo = released;
        this.backoff = new Backoff(config.backoffInitial(), config.backoffMax());
    }

    /** Forgets what is in flight and continues after {@code position}. */
    void resetTo(LanePosition position) {
        inFlight.clear();
        cursor = position;
        acked = position;
        partialSinceNanos = 0;
    }
}
