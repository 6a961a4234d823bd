package io.tributary.hub.subscribe;

import java.util.concurrent.CompletableFuture;

/**
 * Whether a group member's subscription is backed by the current lease of its shard. The answer may take a read of
 * shared state (a group another hub coordinates), so it is a future; it must not block the caller. Thread-safe.
 */
@FunctionalInterface
public interface LeaseCheck {
    /** Accepts everything: for hubs without consumer groups. */
    LeaseCheck NONE = (stream, group, shardId, token) -> CompletableFuture.completedFuture(true);

    /** Completes with whether {@code token} is the current lease token of the shard in the group; fails when unknown. */
    CompletableFuture<Boolean> holds(String stream, String group, String shardId, long token);
}
