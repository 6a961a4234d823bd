package io.tributary.hub.group;

import io.tributary.hub.store.ShardKey;

/** One shard of a stream as a consumer group sees it: the unit of leases, fencing tokens and checkpoints. */
record GroupShard(String stream, String group, String shardId) {
    GroupKey groupKey() {
        return new GroupKey(stream, group);
    }

    ShardKey shardKey() {
        return new ShardKey(stream, shardId);
    }

    @Override
    public String toString() {
        return group + " on " + stream + "/" + shardId;
    }
}
