package io.tributary.hub.group;

/** A consumer group of a stream: groups of the same name on two streams are unrelated. */
public record GroupKey(String stream, String group) {
    public GroupShard shard(String shardId) {
        return new GroupShard(stream, group, shardId);
    }

    @Override
    public String toString() {
        return group + " on " + stream;
    }
}
