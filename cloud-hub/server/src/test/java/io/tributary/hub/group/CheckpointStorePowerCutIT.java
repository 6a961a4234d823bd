package io.tributary.hub.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.testsupport.faultfs.FaultFs;
import io.tributary.testsupport.faultfs.PowerCuts;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power cuts ({@link FaultFs}) while consumer groups commit checkpoints (group commit: one write and one fdatasync) and
 * the log is compacted (temp file, fsync, rename, directory fsync): after each, the store opens by itself and every
 * group shard holds its last acknowledged checkpoint or a later one that was written (never an older one, never one
 * nobody wrote).
 */
class CheckpointStorePowerCutIT implements PowerCuts.Scenario<CheckpointStore> {

    private static final int GROUPS = 5;
    private static final int SHARDS = 8;

    @TempDir
    Path tmp;

    /** "group/shard" → the highest checkpoint whose commit completed. */
    private final Map<String, Long> acked = new ConcurrentHashMap<>();
    /** "group/shard" → the highest checkpoint submitted. */
    private final Map<String, Long> submitted = new ConcurrentHashMap<>();

    private Random random;
    private long next = 1;
    private long checked;
    private long compactions;

    @Test
    void powerCuts_whileCheckpointing_keepEveryAcknowledgedCheckpoint() throws Exception {
        PowerCuts run = new PowerCuts("CheckpointStorePowerCutIT", 100);
        random = run.random();
        run.run(tmp.resolve("hub"), 200, this);
        System.out.println(
                run.summary(checked + " acknowledged checkpoints checked, " + compactions + " compactions seen"));
        assertThat(checked).isPositive();
        assertThat(compactions).as("compactions").isPositive();
        assertThat(run.total("pagesDropped")).as("unsynced pages dropped").isPositive();
    }

    @Override
    public CheckpointStore open(FaultFs fs) throws Exception {
        return CheckpointStore.open(fs.root().resolve("data"), new SimpleMeterRegistry());
    }

    @Override
    public void verify(CheckpointStore store, String when) {
        for (int g = 0; g < GROUPS; g++) {
            for (int s = 0; s < SHARDS; s++) {
                String key = g + "/" + s;
                Optional<CheckpointStore.Row> row = store.row("telemetry", "g" + g, "shard-" + s);
                Long ack = acked.get(key);
                if (ack == null) {
                    continue;
                }
                assertThat(row).as("%s: group shard %s", when, key).isPresent();
                long found = row.get().checkpoint();
                assertThat(found)
                        .as(
                                "%s: checkpoint of %s (acknowledged %d, submitted up to %d)",
                                when, key, ack, submitted.get(key))
                        .isBetween(ack, submitted.get(key));
                assertThat(row.get().token())
                        .as("%s: the row of %s is one that was written", when, key)
                        .isEqualTo(found);
                acked.put(key, found); // on the disk after the reboot: durable from now on
                checked++;
            }
        }
    }

    /** Commits rows for random group shards (four commits in flight), increasing per group shard. */
    @Override
    public void loadUntilPowerOff(CheckpointStore store, FaultFs fs) throws Exception {
        Semaphore inFlight = new Semaphore(4);
        long sizeBefore = fileSize(fs);
        while (!fs.isDown()) {
            if (!inFlight.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                continue;
            }
            List<CheckpointStore.Row> rows = new ArrayList<>();
            Map<String, Long> values = new java.util.HashMap<>();
            for (int i = 0, n = 1 + random.nextInt(120); i < n; i++) {
                int g = random.nextInt(GROUPS);
                int s = random.nextInt(SHARDS);
                long checkpoint = next++;
                rows.add(CheckpointStore.row("telemetry", "g" + g, "shard-" + s, checkpoint, checkpoint, false));
                values.put(g + "/" + s, checkpoint); // the last row of a group shard wins
            }
            values.forEach((k, v) -> submitted.merge(k, v, Math::max));
            store.commit(rows).whenComplete((v, e) -> {
                if (e == null) {
                    values.forEach((k, c) -> acked.merge(k, c, Math::max));
                }
                inFlight.release();
            });
            long size = fileSize(fs);
            if (size >= 0 && size < sizeBefore) {
                compactions++;
            }
            sizeBefore = size;
        }
        inFlight.acquire(4); // commits in flight complete (or fail) once the committer sees the power go
    }

    private static long fileSize(FaultFs fs) {
        try {
            return java.nio.file.Files.size(fs.realRoot().resolve("data/groups/checkpoints.log"));
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
