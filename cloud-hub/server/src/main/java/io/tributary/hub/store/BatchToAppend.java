package io.tributary.hub.store;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One batch of records to append to a shard. The payload is opaque to the store: it is written and served back
 * byte for byte, never re-encoded.
 *
 * <p>The store reads the payload between its position and limit through a duplicate, so the caller's buffer
 * position is not changed; the caller must not modify the bytes until the append future completes.
 *
 * @param payload the encoded records, between position and limit
 * @param codec the id of the codec that encoded {@code payload} (meaning owned by the protocol module)
 * @param recordCount number of records in the payload, at least 1
 * @param firstEventTimeMs event time of the first record (producer clock, epoch millis)
 * @param lastEventTimeMs event time of the last record
 * @param producer who produced the records
 * @param producerFirstSeq producer sequence of the first record
 * @param producerLastSeq producer sequence of the last record; the run {@code first..last} is contiguous
 * @param allowGap the producer declares that the records before {@code producerFirstSeq} it has not stored were
 *     dropped at the source: store the run even if it does not continue the producer's highest stored sequence
 */
public record BatchToAppend(
        ByteBuffer payload,
        int codec,
        int recordCount,
        long firstEventTimeMs,
        long lastEventTimeMs,
        ProducerKey producer,
        long producerFirstSeq,
        long producerLastSeq,
        boolean allowGap) {

    /** A run that must continue the producer's stored sequence. */
    public BatchToAppend(
            ByteBuffer payload,
            int codec,
            int recordCount,
            long firstEventTimeMs,
            long lastEventTimeMs,
            ProducerKey producer,
            long producerFirstSeq,
            long producerLastSeq) {
        this(
                payload,
                codec,
                recordCount,
                firstEventTimeMs,
                lastEventTimeMs,
                producer,
                producerFirstSeq,
                producerLastSeq,
                false);
    }

    public BatchToAppend {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(producer, "producer");
        if (recordCount < 1) {
            throw new IllegalArgumentException("recordCount must be at least 1: " + recordCount);
        }
        if (producerFirstSeq < 0 || producerLastSeq < producerFirstSeq) {
            throw new IllegalArgumentException(
                    "producer run must satisfy 0 <= first <= last: " + producerFirstSeq + ".." + producerLastSeq);
        }
    }

    /** Payload size in bytes. */
    public int payloadSize() {
        return payload.remaining();
    }
}
