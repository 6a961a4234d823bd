package io.tributary.sim.device;

/**
 * How the broker answered one QoS 1/2 publish. A publish the client gave up on completes its future exceptionally
 * instead. Immutable.
 *
 * @param success true for a success acknowledgement (MQTT 3.1.1 acknowledgements are always successes)
 * @param reasonCode the MQTT 5 reason code (0 for 3.1.1 and for QoS 0)
 */
public record PublishAck(boolean success, int reasonCode) {

    public static final PublishAck OK = new PublishAck(true, 0);

    /** An MQTT 5 acknowledgement: a success when the reason code is below 0x80. */
    public static PublishAck ofReason(int reasonCode) {
        return reasonCode < 0x80 ? OK : new PublishAck(false, reasonCode);
    }
}
