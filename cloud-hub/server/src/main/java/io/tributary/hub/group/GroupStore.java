package io.tributary.hub.group;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * Where a hub keeps its consumer groups' durable state — per group shard the checkpoint, the last fencing token
 * granted and whether the shard is finished ({@link CheckpointStore.Row}) — and which hub coordinates each group.
 * The store provider chooses it ({@code ShardStoreProvider.groups}): the local store's is the data dir's {@link
 * CheckpointStore}, where this hub coordinates every group; a store several hubs share gives one coordinator per group
 * among them, fenced by the shared storage, and state that any hub can read.
 *
 * <p>Contract the {@link GroupCoordinator} relies on:
 *
 * <ul>
 *   <li>{@link #claim} makes this hub the group's coordinator (or finds who is) and, when it is, returns every row
 *       ever made durable by any coordinator of the group, so tokens granted here are above every token granted
 *       before.
 *   <li>{@link #commit} completes only once the rows are durable, and fails once this hub is no longer the group's
 *       coordinator (fenced): no row of a former coordinator lands after a new one claimed.
 *   <li>When this hub loses a group it coordinated (fenced by another hub, its connection to the storage lost), the
 *       store tells {@link #onLost} listeners, and the coordinator drops the group at once.
 * </ul>
 *
 * <p>Threads: thread-safe; futures complete on the store's threads (callers hop to their own).
 */
public interface GroupStore extends AutoCloseable {
    /** What {@link #claim} found. */
    sealed interface Claim permits Coordinating, Elsewhere, Unavailable {}

    /**
     * This hub coordinates the group.
     *
     * @param rows the group's durable rows by shard id (empty for a new group)
     */
    record Coordinating(Map<String, CheckpointStore.Row> rows) implements Claim {}

    /**
     * Another hub coordinates the group.
     *
     * @param endpoint that hub's {@code HOST:PORT}, where members are sent
     * @param coordinator who it is, for logs
     */
    record Elsewhere(String endpoint, String coordinator) implements Claim {}

    /** The group cannot be coordinated here now, nor is another hub known to: retriable. */
    record Unavailable(String reason) implements Claim {}

    /** Whether several hubs share this state (then a hub may not coordinate a group). */
    boolean shared();

    /** Takes the coordination of {@code group} if nobody holds it, and loads its rows; see {@link Claim}. */
    CompletableFuture<Claim> claim(GroupKey group);

    /** Makes {@code rows} of {@code group} durable; fails when they are not (also when the group was lost). */
    CompletableFuture<Void> commit(GroupKey group, List<CheckpointStore.Row> rows);

    /** Completes when every commit of {@code group} queued so far has completed (successfully or not). */
    CompletableFuture<Void> sync(GroupKey group);

    /** Lets go of a group this hub coordinates (another hub may claim it at once). */
    void release(GroupKey group);

    /**
     * Whether this hub still coordinates {@code group} now: a claim that returned {@link Coordinating} may have been
     * lost again before the coordinator installs the group (its loss then fired {@link #onLost} too early to drop it).
     * True for a store only this hub uses.
     */
    default boolean coordinates(GroupKey group) {
        return true;
    }

    /** Called with a group this hub coordinated and no longer does, and why; must only hand off. */
    void onLost(BiConsumer<GroupKey, String> listener);

    /** The group's durable rows by shard id as stored now, without claiming it (read-only; e.g. another hub's group). */
    CompletableFuture<Map<String, CheckpointStore.Row>> read(GroupKey group);

    /** The names of the groups of {@code stream} that have durable state, sorted; none when they cannot be listed. */
    List<String> groupsOf(String stream);

    /**
     * As {@link #groupsOf}, but failing when the groups cannot be listed: for a stream's deletion, which must not take
     * "no groups" for an answer.
     */
    default List<String> listGroups(String stream) throws IOException {
        return groupsOf(stream);
    }

    /**
     * Resets a group of a deleted stream: each of its rows made durable again as {@link #nothingProcessed}. When it
     * completes, no coordinator of the group (on any hub) can make a row of it durable any more without claiming it
     * again, which loads the reset rows. Fails when the rows are not reset. By default a {@link #read} and a {@link
     * #commit}: for a store only this hub uses, whose coordinator already dropped the group.
     */
    default CompletableFuture<Void> reset(GroupKey group) {
        return read(group).thenCompose(rows -> commit(group, nothingProcessed(rows.values())));
    }

    /**
     * {@code rows} as a group of a stream created again under the same name must find them: checkpoint -1 (a member
     * starts at the group's initial position, as in a new group), not finished, the token raised by one (a member of
     * the old stream holds a stale one).
     */
    static List<CheckpointStore.Row> nothingProcessed(Collection<CheckpointStore.Row> rows) {
        return rows.stream()
                .map(r -> new CheckpointStore.Row(r.key(), -1, r.token() + 1, false))
                .toList();
    }

    /** What is wrong with the group state now (listed by {@code /health}, which is then degraded); empty: nothing. */
    List<String> problems();

    /** Lets go of every group (other hubs may claim them at once); does not close what the caller passed in. */
    @Override
    void close();
}
