package io.tributary.hub.client;

import io.tributary.protocol.v1.Record;

/**
 * A record read from a shard.
 *
 * @param shardId the shard it was read from
 * @param sequence its sequence in the shard
 * @param partitionKey the record's partition key: its explicit key, else its lane (producers and edge agents keep one
 *     lane per partition key), else its device group
 * @param appendTimeMs when the hub appended its batch
 * @param record the record as the producer sent it (id, device, times, payload, attributes)
 */
public record ConsumerRecord(String shardId, long sequence, String partitionKey, long appendTimeMs, Record record) {

    static String partitionKeyOf(Record r) {
        if (!r.getPartitionKey().isEmpty()) {
            return r.getPartitionKey();
        }
        if (!r.getId().getLane().isEmpty()) {
            return r.getId().getLane();
        }
        return r.getDeviceGroup();
    }

    /** {@code agent:epoch:lane:sequence}. */
    public String recordId() {
        return record.getId().getAgentId() + ":" + record.getId().getAgentEpoch() + ":"
                + record.getId().getLane() + ":" + record.getId().getSequence();
    }
}
