package io.tributary.edge.buffer;

/** How an append ended. Never an exception for these: the MQTT endpoint maps each to a PUBACK reason. */
public enum AppendOutcome {
    /** Committed (fsync'd): acknowledge the publish. */
    STORED,
    /** Refused by the disk quota under {@link OverflowPolicy#REJECT_NEW} (MQTT 5 reason 0x97). */
    QUOTA_EXCEEDED,
    /** The append queue was full: retriable backpressure; withhold the ack or answer 0x97 and let the client retry. */
    BUSY,
    /**
     * The buffer's file system is full ({@link StorageFault#DISK_FULL}): nothing was stored; retriable, the buffer
     * accepts again on its own once space returns (MQTT 5 reason 0x97, like the quota).
     */
    DISK_FULL,
    /**
     * The buffer's log failed a write or sync ({@link StorageFault#IO_ERROR}) and is being reopened: nothing was
     * stored; retriable (MQTT 5 reason 0x97).
     */
    IO_ERROR,
    /** The buffer is closed: nothing was stored. */
    UNAVAILABLE
}
