package io.tributary.edge.forward;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The forwarder's {@link ForwarderStatus} and link-state gauge. The link reports its state, endpoint and last
 * connection problem; the sender reports lanes the hub refuses as not retriable and when it accepts them again.
 *
 * <p>Thread rules: the update methods run on the forwarder thread only; {@link #current()} may be called from any
 * thread (the snapshot is immutable and published through a volatile field).
 */
final class StatusBoard {
    private final ForwarderMetrics metrics;
    private final Set<String> lanesRefused = new HashSet<>();
    private volatile ForwarderStatus status = new ForwarderStatus(LinkState.DOWN, "", "", List.of());

    StatusBoard(ForwarderMetrics metrics) {
        this.metrics = metrics;
    }

    /** The latest snapshot. Any thread. */
    ForwarderStatus current() {
        return status;
    }

    /** The link changed state; {@code lastError} is empty when there is no problem to report. */
    void link(LinkState state, String endpoint, String lastError) {
        metrics.linkState.set(state.gaugeValue());
        status = new ForwarderStatus(state, endpoint, lastError, List.copyOf(lanesRefused));
    }

    /** The same link state with another last problem. */
    void problem(String lastError) {
        link(status.state(), status.endpoint(), lastError);
    }

    /** The hub refused a batch of {@code lane} as not retriable, for the reason {@code why}. */
    void laneRefused(String lane, String why) {
        lanesRefused.add(lane);
        problem(why);
    }

    /**
     * The hub acknowledged a batch of {@code lane}; true when that lane was the last one refused, so the refusal is
     * over (the caller clears the last problem then).
     */
    boolean laneAccepted(String lane) {
        return lanesRefused.remove(lane) && lanesRefused.isEmpty();
    }
}
