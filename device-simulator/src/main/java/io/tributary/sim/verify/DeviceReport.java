package io.tributary.sim.verify;

import java.util.List;

/**
 * The verdict for one device. Immutable.
 *
 * @param sent publishes the simulator made
 * @param acked publishes the edge acknowledged (the promise)
 * @param observed distinct sequences seen downstream
 * @param lost acknowledged but never observed
 * @param duplicated observations of a sequence already seen
 * @param outOfOrder first observations of a sequence lower than one already seen
 * @param refused negatively acknowledged (MQTT 5)
 * @param failed given up by the client before an acknowledgement
 * @param unacknowledged still waiting for an acknowledgement when the run ended
 * @param firstLost up to ten lost sequences, for a human to chase
 */
public record DeviceReport(
        String deviceId,
        long sent,
        long acked,
        long observed,
        long lost,
        long duplicated,
        long outOfOrder,
        long refused,
        long failed,
        long unacknowledged,
        List<Long> firstLost) {

    public DeviceReport {
        firstLost = List.copyOf(firstLost);
    }

    /** True when nothing acknowledged is lost, nothing is duplicated and the order held. */
    public boolean clean() {
        return lost == 0 && duplicated == 0 && outOfOrder == 0;
    }
}
