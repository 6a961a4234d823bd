package io.tributary.hub.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.group.CheckpointStore.Row;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
    private static final GroupKey G1 = new GroupKey("s", "g1");
    private static final GroupKey G2 = new GroupKey("s", "g2");

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private CheckpointStore open() throws IOException {
        return CheckpointStore.open(dir, registry);
    }

    private static Row row(GroupKey g, String shard, long checkpoint, long token, boolean ended) {
        return new Row(g.shard(shard), checkpoint, token, ended);
    }

    private static void commit(CheckpointStore store, Row... rows) throws Exception {
        store.commit(List.of(rows)).get(10, TimeUnit.SECONDS);
    }

    @Test
    void commit_reopen_keepsTheLastRowOfEveryGroupShard() throws Exception {
        try (CheckpointStore store = open()) {
            assertThat(store.rows(G1)).isEmpty();
            commit(store, row(G1, "shard-0", 10, 1, false), row(G2, "shard-0", 5, 3, false));
            commit(store, row(G1, "shard-0", 20, 2, true));
            assertThat(store.rows(G1)).containsOnlyKeys("shard-0");
        }
        try (CheckpointStore store = open()) {
            assertThat(store.rows(G1)).containsExactly(Map.entry("shard-0", row(G1, "shard-0", 20, 2, true)));
            assertThat(store.rows(G2)).containsExactly(Map.entry("shard-0", row(G2, "shard-0", 5, 3, false)));
            assertThat(store.rows(new GroupKey("other", "g1"))).isEmpty();
        }
    }

    @Test
    void commits_queuedWhileOneIsWritten_shareGroupCommits() throws Exception {
        int n = 500;
        try (CheckpointStore store = open()) {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                GroupKey g = new GroupKey("s", "g" + i % 20);
                all.add(store.commit(List.of(row(g, "shard-0", i, 1, false))));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            long commits =
                    registry.get("tributary.group.checkpoint.commit").timer().count();
            assertThat(commits).as("fsync'd commits for %d checkpoints", n).isBetween(1L, n - 1L);
        }
        try (CheckpointStore store = open()) {
            assertThat(store.rows(new GroupKey("s", "g19")).get("shard-0").checkpoint())
                    .isEqualTo(n - 1);
        }
    }

    @Test
    void reopen_afterATornLastCommit_keepsTheWholeOnesAndCutsTheTail() throws Exception {
        Path file = dir.resolve("groups").resolve(CheckpointStore.FILE_NAME);
        long afterFirst;
        try (CheckpointStore store = open()) {
            commit(store, row(G1, "shard-0", 10, 1, false));
            afterFirst = Files.size(file);
            commit(store, row(G1, "shard-0", 20, 2, false), row(G2, "shard-1", 7, 4, true));
        }
        byte[] whole = Files.readAllBytes(file);
        for (int length = (int) afterFirst; length < whole.length; length++) {
            Files.write(file, Arrays.copyOf(whole, length));
            try (CheckpointStore store = open()) {
                Row g1 = store.rows(G1).get("shard-0");
                assertThat(g1.checkpoint()).as("torn at %d", length).isIn(10L, 20L);
                if (length
                        < whole.length
                                - CheckpointRows.entry(row(G2, "shard-1", 7, 4, true))
                                        .remaining()) {
                    assertThat(g1).as("torn at %d", length).isEqualTo(row(G1, "shard-0", 10, 1, false));
                }
                assertThat(store.rows(G2)).as("torn at %d", length).isEmpty();
                long kept = Files.size(file);
                assertThat(kept).as("the torn tail is cut").isLessThanOrEqualTo(length);
                // The log stays appendable after the cut.
                commit(store, row(G2, "shard-1", 8, 5, false));
            }
            try (CheckpointStore store = open()) {
                assertThat(store.rows(G2).get("shard-1").checkpoint())
                        .as("torn at %d", length)
                        .isEqualTo(8);
            }
        }
    }

    @Test
    void reopen_afterAFlippedBit_stopsAtTheDamagedEntry() throws Exception {
        Path file = dir.resolve("groups").resolve(CheckpointStore.FILE_NAME);
        try (CheckpointStore store = open()) {
            commit(store, row(G1, "shard-0", 10, 1, false));
            commit(store, row(G1, "shard-0", 20, 2, false));
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] ^= 0x10;
        Files.write(file, bytes);
        try (CheckpointStore store = open()) {
            assertThat(store.rows(G1).get("shard-0")).isEqualTo(row(G1, "shard-0", 10, 1, false));
        }
    }

    @Test
    void open_growingLog_isCompactedAndKeepsTheLatestRows() throws Exception {
        Path file = dir.resolve("groups").resolve(CheckpointStore.FILE_NAME);
        long entry = CheckpointRows.entry(row(G1, "shard-0", 0, 1, false)).remaining();
        int commits = (int) (CheckpointStore.COMPACT_MIN_BYTES / entry / 100 + 2) * 100;
        try (CheckpointStore store = open()) {
            for (int i = 0; i < commits; i += 100) {
                List<CompletableFuture<Void>> batch = new ArrayList<>();
                for (int j = i; j < i + 100; j++) {
                    batch.add(store.commit(List.of(row(G1, "shard-" + j % 2, j, 1, false))));
                }
                CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            }
            assertThat(Files.size(file)).as("compacted while running").isLessThan(CheckpointStore.COMPACT_MIN_BYTES);
            commit(store, row(G2, "shard-9", 1, 1, false));
        }
        try (CheckpointStore store = open()) {
            assertThat(store.rows(G1).get("shard-1").checkpoint()).isEqualTo(commits - 1);
            assertThat(store.rows(G1).get("shard-0").checkpoint()).isEqualTo(commits - 2);
            assertThat(store.rows(G2).get("shard-9").checkpoint()).isEqualTo(1);
        }
    }

    @Test
    void open_perGroupFilesOfOlderHubs_areMigratedOnceAndDeleted() throws Exception {
        Path old = legacy("s", "g1", "shard-000000 42 7 0\nshard-000001 -1 3 1\n");
        Path tmp = Files.writeString(old.resolveSibling("g1.checkpoints.tmp"), "half written");
        try (CheckpointStore store = open()) {
            assertThat(store.rows(G1))
                    .containsExactly(
                            Map.entry("shard-000000", row(G1, "shard-000000", 42, 7, false)),
                            Map.entry("shard-000001", row(G1, "shard-000001", -1, 3, true)));
            commit(store, row(G1, "shard-000000", 50, 7, false));
        }
        assertThat(old).doesNotExist();
        assertThat(tmp).doesNotExist();
        // A crash between the first log's rename and the deletes leaves old files: they are not read again.
        legacy("s", "g1", "shard-000000 42 7 0\n");
        try (CheckpointStore store = open()) {
            assertThat(store.rows(G1).get("shard-000000").checkpoint()).isEqualTo(50);
        }
        assertThat(old).doesNotExist();
    }

    @Test
    void open_unreadablePerGroupFile_isKeptAsideAndItsGroupRefused() throws Exception {
        Path old = legacy("s", "g1", "shard-000000 42 7 0\n");
        Files.writeString(old, "tributary-group-checkpoints 1\nshard-000000 43 7 0\ncrc32c 0\n"); // bad CRC
        legacy("s", "g2", "shard-000000 1 1 0\n");
        try (CheckpointStore store = open()) {
            assertThatThrownBy(() -> store.rows(G1)).isInstanceOf(IOException.class);
            assertThat(store.rows(G2)).containsOnlyKeys("shard-000000");
        }
        assertThat(old.resolveSibling("g1.checkpoints.unreadable")).exists();
    }

    @Test
    void open_notACheckpointLog_fails() throws Exception {
        Files.createDirectories(dir.resolve("groups"));
        Files.writeString(dir.resolve("groups").resolve(CheckpointStore.FILE_NAME), "something else entirely");
        assertThatThrownBy(this::open).isInstanceOf(IOException.class).hasMessageContaining("wrong magic");
    }

    /** A per-group file as hubs before the store wrote it ({@link CheckpointFile}). */
    private Path legacy(String stream, String group, String lines) throws IOException {
        String text = "tributary-group-checkpoints 1\n" + lines;
        CRC32C crc = new CRC32C();
        crc.update(text.getBytes(StandardCharsets.UTF_8));
        Path file = dir.resolve("groups").resolve(stream).resolve(group + ".checkpoints");
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text + "crc32c " + Long.toHexString(crc.getValue()) + "\n");
    }
}
