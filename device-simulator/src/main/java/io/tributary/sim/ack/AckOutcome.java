package io.tributary.sim.ack;

/** What became of one publish, as far as the edge told the simulator. */
public enum AckOutcome {
    /** QoS 1/2 publish still waiting for its acknowledgement (at the end of a run: unacknowledged). */
    PENDING,
    /** QoS 1 PUBACK / QoS 2 PUBCOMP with a success reason: the edge promised it is durable. */
    ACKED,
    /** MQTT 5 negative acknowledgement (reason code 0x80 or above). */
    REFUSED,
    /** The client reported an error (connection lost, session gone, timeout) before any acknowledgement. */
    FAILED,
    /** QoS 0: nobody acknowledges it. */
    NO_ACK_EXPECTED;

    static final AckOutcome[] VALUES = values();
}
