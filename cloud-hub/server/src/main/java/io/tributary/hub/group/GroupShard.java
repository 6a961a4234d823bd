package io.tributary.hub.group;

import io.tributary.hub.store.ShardKey;

/** One shard of a stream as a consumer group sees it: the unit of leases, fencing tokens and checkpoints. */
public record GroupShard(String stream, String group, String shardId) {
    public GroupKey groupKey() {
        return new GroupKey(stream, group);
    }

    public ShardKey shardKey() {
        return new ShardKey(stream, shardId);
    }

    @Override
    public String toString() {
        return group + " on " + stream + "/" + shardId;
    }
}
