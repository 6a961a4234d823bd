package io.tributary.hub.subscribe;

/** Whether a group member's subscription is backed by the current lease of its shard. Thread-safe. */
@FunctionalInterface
public interface LeaseCheck {
    /** Accepts everything: for hubs without consumer groups. */
    LeaseCheck NONE = (stream, group, shardId, token) -> true;

    boolean holds(String stream, String group, String shardId, long token);
}
