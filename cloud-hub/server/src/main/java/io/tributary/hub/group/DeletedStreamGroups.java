package io.tributary.hub.group;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stream deleted on this hub takes its consumer groups' progress with it. Each group of the stream is {@link
 * GroupStore#reset}: every checkpoint row committed again as "nothing processed" (checkpoint -1, not ended: a member
 * starts where a new group would, at its initial position) with its fencing token raised by one. A stream created
 * again under the same name numbers its records anew, and its groups must not skip what the old stream's checkpoints
 * cover. Runs inside the registry's delete, under its lock (as the shards' deletion does), within {@link #WAIT} in all,
 * so the name cannot be taken again on this hub before the rows are reset.
 *
 * <p>Only where this hub runs the stream's groups (its home region): a replica's rows are the home's (replicated). On a
 * store several hubs share (Pulsar) the deleting hub resets every group of the stream, also those another hub
 * coordinates: that coordinator lets go when it hears of the deletion ({@link #onDeletedElsewhere}), or the store
 * fences it, so none of its old rows lands after the reset. A delete made by another hub sharing the catalog resets
 * nothing here (that hub did). A group not reset (the store unreachable, the wait over) is logged at ERROR and counted
 * in {@code tributary_hub_group_reset_failures_total}: a stream created again under the name would resume its old
 * checkpoints.
 *
 * <p>Threads: runs on the registry's mutating thread and blocks it (bounded); the coordinator's cached groups are
 * dropped on its group thread first.
 */
final class DeletedStreamGroups implements StreamRegistry.Listener {

    private static final Logger log = LoggerFactory.getLogger(DeletedStreamGroups.class);
    static final Duration WAIT = Duration.ofSeconds(30);

    private final GroupStore store;
    private final Predicate<StreamDefinition> home;
    /** Drops the coordinator's cached groups and lag gauges of a stream; on its group thread. */
    private final Consumer<String> forget;

    private final Executor groupThread;
    private final Counter failures;

    DeletedStreamGroups(
            GroupStore store,
            Predicate<StreamDefinition> home,
            Consumer<String> forget,
            Executor groupThread,
            MeterRegistry registry) {
        this.store = store;
        this.home = home;
        this.forget = forget;
        this.groupThread = groupThread;
        this.failures = Counter.builder("tributary.hub.group.reset.failures")
                .description("Consumer groups of a stream deleted on this hub whose checkpoints could not be reset (a"
                        + " stream created again under the name would resume them)")
                .register(registry);
    }

    /**
     * The deleting hub resets the rows of a shared store; nothing of them is this hub's to change. It lets go of the
     * stream's groups it coordinates, at once, so that the reset takes them over without fencing this hub.
     */
    @Override
    public void onDeletedElsewhere(StreamDefinition stream) {
        if (home.test(stream)) {
            try {
                groupThread.execute(() -> forget.accept(stream.name()));
            } catch (RejectedExecutionException e) {
                // stopping: this hub lets go of every group anyway
            }
        }
    }

    @Override
    public void onDeleted(StreamDefinition stream) {
        String name = stream.name();
        if (!home.test(stream)) {
            return;
        }
        List<String> groups;
        try {
            groups = store.listGroups(name);
        } catch (IOException | RuntimeException e) {
            failed(name, List.of("(not listed)"), e);
            return;
        }
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
        Map<String, CompletableFuture<Void>> resets = new LinkedHashMap<>();
        for (String group : groups) {
            GroupKey key = new GroupKey(name, group);
            try {
                resets.put(group, store.reset(key));
            } catch (RuntimeException e) {
                resets.put(group, CompletableFuture.failedFuture(e));
            }
        }
        List<String> reset = new ArrayList<>();
        for (Map.Entry<String, CompletableFuture<Void>> r : resets.entrySet()) {
            try {
                r.getValue().get(left(deadline), TimeUnit.NANOSECONDS);
                reset.add(r.getKey());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                resets.values().forEach(f -> f.cancel(false));
                return;
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                // a reset not begun by now must not begin later, when the name may be a new stream's
                r.getValue().cancel(false);
                failed(name, List.of(r.getKey()), e); // the others are still reset
            }
        }
        log.info("stream {} deleted: the checkpoints of its groups {} reset to nothing processed", name, reset);
    }

    private static long left(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    private void failed(String stream, List<String> groups, Exception e) {
        failures.increment(groups.size());
        log.error(
                "stream {} deleted: the checkpoints of its groups {} could not be reset ({}); a stream created again"
                        + " under this name would resume them",
                stream,
                groups,
                e.toString());
    }
}
