package io.tributary.edge.forward;

import java.util.List;

/**
 * A snapshot of the forwarder for the health endpoint.
 *
 * @param state the link state
 * @param endpoint the hub connected to (or being connected to), empty when down
 * @param lastError the last connection problem or hub refusal, empty when none
 * @param lanesRefused lanes whose last batch the hub refused as not retriable; they are retried with backoff, never
 *     dropped, and leave this list at their next acknowledgement
 */
public record ForwarderStatus(LinkState state, String endpoint, String lastError, List<String> lanesRefused) {

    public ForwarderStatus {
        lanesRefused = List.copyOf(lanesRefused);
    }

    /** Healthy: connected and no lane stuck on a non-retriable refusal. */
    public boolean healthy() {
        return state == LinkState.UP && lanesRefused.isEmpty();
    }

    /**
     * The health status word, the hub's vocabulary: {@code ok} when healthy, {@code down} when fenced (forwarding has
     * stopped for good: never green), else {@code degraded} (not connected yet, reconnecting, a lane refused).
     */
    public String summary() {
        return healthy() ? "ok" : state == LinkState.FENCED ? "down" : "degraded";
    }
}
