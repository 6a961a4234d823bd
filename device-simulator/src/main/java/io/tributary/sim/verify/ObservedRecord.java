package io.tributary.sim.verify;

import java.util.Objects;

/**
 * One record seen downstream of the edge (in a test sink, or read back from the hub), reduced to what the
 * verifier needs. Immutable.
 *
 * @param deviceId device id carried by the payload, e.g. {@code d-17}
 * @param seq per-device sequence carried by the payload
 * @param sendTimeMicros send time carried by the payload, epoch microseconds
 * @param observeTimeMicros when the observer saw it, epoch microseconds (same clock domain as the sender)
 */
public record ObservedRecord(String deviceId, long seq, long sendTimeMicros, long observeTimeMicros) {

    public ObservedRecord {
        Objects.requireNonNull(deviceId, "deviceId");
    }
}
