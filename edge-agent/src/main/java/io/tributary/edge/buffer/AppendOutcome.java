package io.tributary.edge.buffer;

/** How an append ended. Never an exception for these: the MQTT endpoint maps each to a PUBACK reason. */
public enum AppendOutcome {
    /** Committed (fsync'd): acknowledge the publish. */
    STORED,
    /** Refused by the disk quota under {@link OverflowPolicy#REJECT_NEW} (MQTT 5 reason 0x97). */
    QUOTA_EXCEEDED,
    /** The append queue was full: retriable backpressure; withhold the ack or answer 0x97 and let the client retry. */
    BUSY,
    /** The buffer is closed or its storage failed: nothing was stored. */
    UNAVAILABLE
}
