package io.tributary.hub.group;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The group state of a hub on its own data dir: the {@link CheckpointStore} (file format unchanged). This hub
 * coordinates every group, a claim is a read of memory, nothing is ever lost to another hub. Thread-safe.
 */
public final class LocalGroupStore implements GroupStore {
    private final Checkpoints checkpoints;
    private final CheckpointStore store;

    /** Over the hub's checkpoint store, which the caller closes (after this). */
    public LocalGroupStore(CheckpointStore checkpoints) {
        this.checkpoints = checkpoints;
        this.store = checkpoints;
    }

    /** Over any {@link Checkpoints} (tests). */
    LocalGroupStore(Checkpoints checkpoints) {
        this.checkpoints = checkpoints;
        this.store = null;
    }

    @Override
    public boolean shared() {
        return false;
    }

    @Override
    public CompletableFuture<Claim> claim(GroupKey group) {
        try {
            return CompletableFuture.completedFuture(new Coordinating(checkpoints.rows(group)));
        } catch (IOException e) {
            return CompletableFuture.completedFuture(
                    new Unavailable("checkpoints of group " + group + " are unreadable: " + e.getMessage()));
        }
    }

    @Override
    public CompletableFuture<Void> commit(GroupKey group, List<CheckpointStore.Row> rows) {
        return checkpoints.commit(rows);
    }

    @Override
    public CompletableFuture<Void> sync(GroupKey group) {
        return checkpoints.sync();
    }

    @Override
    public void release(GroupKey group) {}

    @Override
    public void onLost(BiConsumer<GroupKey, String> listener) {}

    @Override
    public CompletableFuture<Map<String, CheckpointStore.Row>> read(GroupKey group) {
        try {
            return CompletableFuture.completedFuture(checkpoints.rows(group));
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public List<String> groupsOf(String stream) {
        if (store == null) {
            return List.of();
        }
        return List.copyOf(new TreeSet<>(
                store.rowsOf(stream).stream().map(CheckpointStore.Row::group).toList()));
    }

    @Override
    public List<String> problems() {
        return List.of();
    }

    @Override
    public void close() {}
}
