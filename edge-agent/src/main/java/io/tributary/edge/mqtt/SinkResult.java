package io.tributary.edge.mqtt;

/** Outcome of {@link PublishSink#accept}; see {@link PublishAcks} for the MQTT answer to each. */
public enum SinkResult {
    /** Durable on the edge: the publish may be acknowledged. */
    STORED,
    /** The buffer's disk quota is reached and the policy rejects new records. */
    QUOTA_EXCEEDED,
    /** Transiently overloaded (writer queue full); the client should retry later. */
    BUSY,
    /** Could not be stored (I/O error, sink closed). */
    FAILED
}
