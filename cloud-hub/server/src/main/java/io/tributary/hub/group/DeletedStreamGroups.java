package io.tributary.hub.group;

import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stream deleted on this hub takes its consumer groups' progress with it. Each checkpoint row of the stream is
 * committed again as "nothing processed" (checkpoint -1, not ended: a member starts where a new group would, at its
 * initial position) with its fencing token raised by one: a stream created again under the same name numbers its
 * records anew, and its groups must not skip what the old stream's checkpoints cover. Runs inside the registry's
 * delete, under its lock (as the shards' deletion does), within {@link #WAIT} in all, so the name cannot be taken
 * again before the rows are reset.
 *
 * <p>Only where this hub runs the stream's groups (its home region) and on a group store it alone uses: a replica's
 * rows are the home's (replicated), and on a store several hubs share (Pulsar) the rows are kept and a WARN says so (a
 * limitation, docs/architecture.md). A delete made by another hub sharing the catalog resets nothing here.
 */
final class DeletedStreamGroups implements StreamRegistry.Listener {

    private static final Logger log = LoggerFactory.getLogger(DeletedStreamGroups.class);
    static final Duration WAIT = Duration.ofSeconds(30);

    private final GroupStore store;
    private final Predicate<StreamDefinition> home;
    /** Drops the coordinator's cached groups and lag gauges of a stream; on its group thread. */
    private final Consumer<String> forget;

    private final Executor groupThread;

    DeletedStreamGroups(
            GroupStore store, Predicate<StreamDefinition> home, Consumer<String> forget, Executor groupThread) {
        this.store = store;
        this.home = home;
        this.forget = forget;
        this.groupThread = groupThread;
    }

    @Override
    public void onDeletedElsewhere(StreamDefinition stream) {
        // the deleting hub resets (or keeps) the rows of a shared store; nothing of them is this hub's to change
    }

    @Override
    public void onDeleted(StreamDefinition stream) {
        String name = stream.name();
        if (!home.test(stream)) {
            return;
        }
        if (store.shared()) {
            log.warn(
                    "stream {} deleted: the checkpoints of its groups are kept in the shared group store; a stream"
                            + " created again under this name would resume them",
                    name);
            return;
        }
        List<String> groups = store.groupsOf(name);
        if (groups.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        try {
            // first: no cached group may commit an old checkpoint after the reset
            CompletableFuture.runAsync(() -> forget.accept(name), groupThread)
                    .get(left(deadline), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            failed(name, groups, e); // stopping (the group thread refused the task), or it is stuck
            return;
        }
        List<String> reset = new ArrayList<>();
        for (String group : groups) {
            GroupKey key = new GroupKey(name, group);
            try {
                List<CheckpointStore.Row> rows =
                        store.read(key).get(left(deadline), TimeUnit.NANOSECONDS).values().stream()
                                .map(r -> new CheckpointStore.Row(r.key(), -1, r.token() + 1, false))
                                .toList();
                store.commit(key, rows).get(left(deadline), TimeUnit.NANOSECONDS);
                reset.add(group);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                failed(name, List.of(group), e); // the others are still reset
            }
        }
        log.info("stream {} deleted: the checkpoints of its groups {} reset to nothing processed", name, reset);
    }

    private static long left(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    private static void failed(String stream, List<String> groups, Exception e) {
        log.error(
                "stream {} deleted: the checkpoints of its groups {} could not be reset ({}); a stream created again"
                        + " under this name would resume them",
                stream,
                groups,
                e.toString());
    }
}
