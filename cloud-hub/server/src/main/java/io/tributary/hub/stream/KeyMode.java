package io.tributary.hub.stream;

import io.tributary.protocol.v1.PartitionKeyMode;

/** What a stream's partition key is made of. Maps to and from the wire enum {@link PartitionKeyMode}. */
public enum KeyMode {
    /** The device group: all devices of a group land in one shard. The default. */
    GROUP,
    /**
     * {@code group + "/" + device}: one hot group spreads over many shards while each device still keeps its order.
     */
    GROUP_AND_DEVICE;

    /** The partition key of a record from {@code device} in {@code group} under this mode. */
    public String partitionKey(String group, String device) {
        return this == GROUP ? group : group + "/" + device;
    }

    public PartitionKeyMode toProto() {
        return this == GROUP
                ? PartitionKeyMode.PARTITION_KEY_MODE_GROUP
                : PartitionKeyMode.PARTITION_KEY_MODE_GROUP_AND_DEVICE;
    }

    /** The mode for a wire value; UNSPECIFIED means the default, {@link #GROUP}. */
    public static KeyMode fromProto(PartitionKeyMode mode) {
        switch (mode) {
            case PARTITION_KEY_MODE_UNSPECIFIED:
            case PARTITION_KEY_MODE_GROUP:
                return GROUP;
            case PARTITION_KEY_MODE_GROUP_AND_DEVICE:
                return GROUP_AND_DEVICE;
            default:
                throw new StreamException(StreamException.Reason.INVALID, "unknown partition key mode " + mode);
        }
    }
}
