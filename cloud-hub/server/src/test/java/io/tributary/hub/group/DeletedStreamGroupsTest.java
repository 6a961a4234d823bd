package io.tributary.hub.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.stream.KeyMode;
import io.tributary.hub.stream.Retention;
import io.tributary.hub.stream.StreamDefinition;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deleted stream's group checkpoints are reset (nothing processed, token raised), so a stream created again under
 * its name is consumed from its start; the other streams' rows are untouched; a group not reset is counted.
 */
class DeletedStreamGroupsTest {
    private static final StreamDefinition S =
            StreamDefinition.create("s", KeyMode.GROUP, Retention.UNLIMITED, 2, Instant.now());

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private double failures() {
        return registry.get("tributary.hub.group.reset.failures").counter().count();
    }

    @Test
    void deletingAStream_resetsItsGroupsCheckpoints_andRaisesTheirTokens() throws Exception {
        try (CheckpointStore store = CheckpointStore.open(dir, new SimpleMeterRegistry())) {
            store.commit(List.of(
                            CheckpointStore.row("s", "g", "shard-0", 41, 5, false),
                            CheckpointStore.row("s", "g", "shard-1", 9, 3, true),
                            CheckpointStore.row("other", "g", "shard-0", 77, 2, false)))
                    .get(10, TimeUnit.SECONDS);
            List<String> forgotten = new ArrayList<>();
            DeletedStreamGroups listener = new DeletedStreamGroups(
                    new LocalGroupStore(store), s -> true, forgotten::add, Runnable::run, registry);

            listener.onDeleted(S);

            assertThat(forgotten).containsExactly("s");
            Map<String, CheckpointStore.Row> rows = store.rows(new GroupKey("s", "g"));
            assertThat(rows.get("shard-0")).isEqualTo(CheckpointStore.row("s", "g", "shard-0", -1, 6, false));
            assertThat(rows.get("shard-1")).isEqualTo(CheckpointStore.row("s", "g", "shard-1", -1, 4, false));
            assertThat(store.rows(new GroupKey("other", "g")).get("shard-0").checkpoint())
                    .isEqualTo(77);
            assertThat(failures()).isZero();

            // Deleted by another hub (a shared catalog): the cached groups let go, the rows left to that hub.
            listener.onDeletedElsewhere(S);
            assertThat(forgotten).containsExactly("s", "s");
            assertThat(store.rows(new GroupKey("s", "g")).get("shard-0").token())
                    .isEqualTo(6);
        }
        try (CheckpointStore reopened = CheckpointStore.open(dir, new SimpleMeterRegistry())) {
            assertThat(reopened.rows(new GroupKey("s", "g")).get("shard-0").checkpoint())
                    .isEqualTo(-1); // durable
        }
    }

    @Test
    void aGroupNotReset_isCounted_theOthersAreStillReset_andAStoreThatCannotListCountsToo() throws Exception {
        try (CheckpointStore store = CheckpointStore.open(dir, new SimpleMeterRegistry())) {
            store.commit(List.of(
                            CheckpointStore.row("s", "a", "shard-0", 41, 5, false),
                            CheckpointStore.row("s", "b", "shard-0", 9, 3, false)))
                    .get(10, TimeUnit.SECONDS);
            AtomicBoolean listing = new AtomicBoolean(true);
            DeletedStreamGroups listener = new DeletedStreamGroups(
                    failing(new LocalGroupStore(store), listing), s -> true, s -> {}, Runnable::run, registry);

            listener.onDeleted(S);

            assertThat(failures()).isEqualTo(1);
            assertThat(store.rows(new GroupKey("s", "a")).get("shard-0").checkpoint())
                    .isEqualTo(41);
            assertThat(store.rows(new GroupKey("s", "b")).get("shard-0").checkpoint())
                    .isEqualTo(-1);

            listing.set(false);
            listener.onDeleted(S);
            assertThat(failures()).isEqualTo(2);
        }
    }

    /** The local store, but group "a" is not reset and, once {@code listing} is false, no group is listed. */
    private static GroupStore failing(GroupStore local, AtomicBoolean listing) {
        return (GroupStore) Proxy.newProxyInstance(
                GroupStore.class.getClassLoader(), new Class<?>[] {GroupStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("reset")
                            && ((GroupKey) args[0]).group().equals("a")) {
                        return CompletableFuture.failedFuture(new IOException("store down"));
                    }
                    if (method.getName().equals("listGroups") && !listing.get()) {
                        throw new IOException("store down");
                    }
                    try {
                        return method.invoke(local, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
