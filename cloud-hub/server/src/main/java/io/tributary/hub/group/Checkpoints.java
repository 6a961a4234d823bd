package io.tributary.hub.group;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** What {@link GroupCoordinator} needs of durable group state; {@link CheckpointStore} in a hub. */
interface Checkpoints {
    /**
     * The durable rows of a group, by shard id; empty for a new group.
     *
     * @throws IOException when the group's state could not be read (it must not be served)
     */
    Map<String, CheckpointStore.Row> rows(GroupKey group) throws IOException;

    /** Makes {@code rows} durable: the future completes once they are, or fails. */
    CompletableFuture<Void> commit(List<CheckpointStore.Row> rows);

    /** Completes when every commit queued so far has completed (successfully or not). */
    CompletableFuture<Void> sync();
}
