package io.tributary.hub.store;

import java.nio.ByteBuffer;

/**
 * A batch as stored in a shard, returned by {@link ShardStore#read}. Holds the producer's bytes unchanged.
 *
 * @param baseSequence shard sequence of the first record
 * @param recordCount number of records
 * @param codec codec id given at append
 * @param appendTimeMs hub clock when the batch was appended (non-decreasing within a shard)
 * @param firstEventTimeMs event time of the first record
 * @param lastEventTimeMs event time of the last record
 * @param producer producer identity given at append
 * @param producerFirstSeq producer sequence of the first record
 * @param producerLastSeq producer sequence of the last record
 * @param payload read-only view of the stored payload bytes
 */
public record StoredBatch(
        long baseSequence,
        int recordCount,
        int codec,
        long appendTimeMs,
        long firstEventTimeMs,
        long lastEventTimeMs,
        ProducerKey producer,
        long producerFirstSeq,
        long producerLastSeq,
        ByteBuffer payload) {

    /** Sequence after the last record of this batch. */
    public long nextSequence() {
        return baseSequence + recordCount;
    }

    /** A copy of the payload bytes (convenience for tests and tools; the hot path uses {@link #payload()}). */
    public byte[] payloadBytes() {
        ByteBuffer view = payload.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }
}
