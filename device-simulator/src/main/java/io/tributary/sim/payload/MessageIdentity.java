package io.tributary.sim.payload;

import java.util.Objects;

/**
 * What identifies one simulated message end to end: the device, its per-device sequence (from 0, gap-free) and
 * the send time. Immutable.
 *
 * @param deviceId device id as in the topic, e.g. {@code d-17}
 * @param seq per-device sequence number, from 0
 * @param sendTimeMicros wall-clock send time, epoch microseconds
 */
public record MessageIdentity(String deviceId, long seq, long sendTimeMicros) {

    public MessageIdentity {
        Objects.requireNonNull(deviceId, "deviceId");
        if (seq < 0) {
            throw new IllegalArgumentException("seq must not be negative: " + seq);
        }
    }

    /** The device id the simulator gives device number {@code index}: {@code d-<index>}. */
    public static String deviceId(int index) {
        return "d-" + index;
    }

    /** Inverse of {@link #deviceId(int)}; -1 when {@code id} is not of that form. */
    public static int deviceIndex(String id) {
        if (!id.startsWith("d-") || id.length() < 3 || id.length() > 12) {
            return -1;
        }
        long value = 0;
        for (int i = 2; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value > Integer.MAX_VALUE ? -1 : (int) value;
    }
}
