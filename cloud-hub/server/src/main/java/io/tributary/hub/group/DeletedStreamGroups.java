package io.tributary.hub.group;

import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stream deleted on this hub takes its consumer groups' progress with it. Each checkpoint row of the stream is
 * committed again as "nothing processed" (checkpoint -1, not ended) with its fencing token raised by one: a stream
 * created again under the same name numbers its records anew, and its groups must start at its beginning rather than
 * skip what the old stream's checkpoints cover; a member of the old stream cannot commit into the new one with the
 * token it held. Runs inside the registry's delete, under its lock (as the shards' deletion does), bounded by
 * {@link #WAIT}, so the name cannot be taken again before the rows are reset.
 *
 * <p>Only for a group store this hub alone uses; on one that several hubs share (Pulsar) the rows are kept and a WARN
 * says so (a limitation, docs/architecture.md).
 */
final class DeletedStreamGroups implements StreamRegistry.Listener {

    private static final Logger log = LoggerFactory.getLogger(DeletedStreamGroups.class);
    static final Duration WAIT = Duration.ofSeconds(30);

    private final GroupStore store;
    /** Drops the coordinator's cached groups of a stream; on its group thread. */
    private final Consumer<String> forget;

    private final Executor groupThread;

    DeletedStreamGroups(GroupStore store, Consumer<String> forget, Executor groupThread) {
        this.store = store;
        this.forget = forget;
        this.groupThread = groupThread;
    }

    @Override
    public void onDeleted(StreamDefinition stream) {
        String name = stream.name();
        List<String> groups = store.groupsOf(name);
        if (groups.isEmpty()) {
            return;
        }
        if (store.shared()) {
            log.warn(
                    "stream {} deleted: the checkpoints of its groups {} are kept in the shared group store; a stream"
                            + " created again under this name would resume them",
                    name,
                    groups);
            return;
        }
        try {
            // first: no cached group may commit an old checkpoint after the reset
            CompletableFuture.runAsync(() -> forget.accept(name), groupThread)
                    .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            List<CompletableFuture<Void>> commits = new ArrayList<>();
            int rows = 0;
            for (String group : groups) {
                GroupKey key = new GroupKey(name, group);
                Map<String, CheckpointStore.Row> current = store.read(key).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                List<CheckpointStore.Row> reset = current.values().stream()
                        .map(r -> new CheckpointStore.Row(r.key(), -1, r.token() + 1, false))
                        .toList();
                rows += reset.size();
                commits.add(store.commit(key, reset));
            }
            CompletableFuture.allOf(commits.toArray(CompletableFuture[]::new))
                    .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            log.info(
                    "stream {} deleted: {} checkpoints of its groups {} reset to nothing processed",
                    name,
                    rows,
                    groups);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.error(
                    "stream {} deleted: the checkpoints of its groups {} could not be reset ({}); a stream created"
                            + " again under this name would resume them",
                    name,
                    groups,
                    e.toString());
        }
    }
}
