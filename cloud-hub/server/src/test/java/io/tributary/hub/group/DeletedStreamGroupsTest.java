package io.tributary.hub.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.stream.KeyMode;
import io.tributary.hub.stream.Retention;
import io.tributary.hub.stream.StreamDefinition;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deleted stream's group checkpoints are reset (nothing processed, token raised), so a stream created again under
 * its name is consumed from its start; the other streams' rows are untouched.
 */
class DeletedStreamGroupsTest {

    @TempDir
    Path dir;

    @Test
    void deletingAStream_resetsItsGroupsCheckpoints_andRaisesTheirTokens() throws Exception {
        try (CheckpointStore store = CheckpointStore.open(dir, new SimpleMeterRegistry())) {
            store.commit(List.of(
                            CheckpointStore.row("s", "g", "shard-0", 41, 5, false),
                            CheckpointStore.row("s", "g", "shard-1", 9, 3, true),
                            CheckpointStore.row("other", "g", "shard-0", 77, 2, false)))
                    .get(10, TimeUnit.SECONDS);
            List<String> forgotten = new ArrayList<>();
            DeletedStreamGroups listener =
                    new DeletedStreamGroups(new LocalGroupStore(store), s -> true, forgotten::add, Runnable::run);

            listener.onDeleted(StreamDefinition.create("s", KeyMode.GROUP, Retention.UNLIMITED, 2, Instant.now()));

            assertThat(forgotten).containsExactly("s");
            Map<String, CheckpointStore.Row> rows = store.rows(new GroupKey("s", "g"));
            assertThat(rows.get("shard-0")).isEqualTo(CheckpointStore.row("s", "g", "shard-0", -1, 6, false));
            assertThat(rows.get("shard-1")).isEqualTo(CheckpointStore.row("s", "g", "shard-1", -1, 4, false));
            assertThat(store.rows(new GroupKey("other", "g")).get("shard-0").checkpoint())
                    .isEqualTo(77);
        }
        try (CheckpointStore reopened = CheckpointStore.open(dir, new SimpleMeterRegistry())) {
            assertThat(reopened.rows(new GroupKey("s", "g")).get("shard-0").checkpoint())
                    .isEqualTo(-1); // durable
        }
    }
}
