package io.tributary.edge.mqtt;

/** Outcome of {@link PublishSink#accept}; see {@link PublishAcks} for the MQTT answer to each. */
public enum SinkResult {
    /** Durable on the edge: the publish may be acknowledged. */
    STORED,
    /** The buffer's disk quota is reached and the policy rejects new records. */
    QUOTA_EXCEEDED,
    /** Transiently overloaded (writer queue full); the client should retry later. */
    BUSY,
    /** The buffer's file system is full; retriable: it accepts again on its own once space returns. */
    DISK_FULL,
    /** The buffer's log failed a write and is recovering; retriable. */
    IO_ERROR,
    /** Could not be stored (I/O error, sink closed). */
    FAILED
}
