package io.tributary.hub.store.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.StoredBatch;
import io.tributary.testsupport.ChildJvms;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM (SIGKILL, at seeded random moments) while it loops replicated appends, truncates and resets on one
 * shard, reopens the shard each time and checks that it is whole: contiguous sequences, every batch decoding to the
 * bytes written, and the high-water mark that of the state before or after the operation the child was doing (for a
 * run of replicated appends, anything between).
 */
class LocalShardStoreReplicaCrashIT {
    private static final int RUNS = 25;

    @TempDir
    Path dir;

    /** An operation the child started: {@code OP <kind> <before> <after> .}. */
    private record Op(String kind, long before, long after) {}

    @Test
    void replicaOperations_killedRepeatedly_reopenWholeBeforeOrAfterTheLastOperation() throws Exception {
        Random random = new Random(20261204L);
        Path data = dir.resolve("data");
        Path shardDir = data.resolve(CrashReplicaWorker.SHARD.stream()).resolve(CrashReplicaWorker.SHARD.shardId());
        long hwm = 0;
        int cutsInterrupted = 0;
        int ops = 0;
        for (int run = 0; run < RUNS; run++) {
            List<Op> started = runAndKill(data, run, 1 + random.nextInt(40));
            ops += started.size();
            cutsInterrupted += Files.exists(shardDir.resolve(ShardCut.MARKER)) ? 1 : 0;
            hwm = verify(data, shardDir, run, started.isEmpty() ? null : started.get(started.size() - 1), hwm);
        }
        System.out.printf(
                "LocalShardStoreReplicaCrashIT: %d kills, %d operations, %d kills interrupted a cut%n",
                RUNS, ops, cutsInterrupted);
        assertThat(ops).isGreaterThan(RUNS);
    }

    private List<Op> runAndKill(Path data, int run, int killAfterOps) throws Exception {
        // To a file, not a pipe: destroyForcibly() closes the pipe and drops what the test has not read yet.
        Path out = dir.resolve("child-" + run + ".out");
        Path err = dir.resolve("child-" + run + ".err");
        Process child = new ProcessBuilder(
                        ChildJvms.command("64m", CrashReplicaWorker.class, data.toString(), Integer.toString(run)))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        try {
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> started(out).size() >= killAfterOps || !child.isAlive());
            assertThat(child.isAlive())
                    .as("child %d alive until killed; see %s", run, err)
                    .isTrue();
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        return started(out);
    }

    /** The operations the child announced in complete lines. */
    private static List<Op> started(Path out) throws IOException {
        return Files.readAllLines(out).stream()
                .map(line -> line.split(" "))
                .filter(p -> p.length == 5 && p[0].equals("OP") && p[4].equals("."))
                .map(p -> new Op(p[1], Long.parseLong(p[2]), Long.parseLong(p[3])))
                .toList();
    }

    /** Reopens the shard, checks it, and returns its high-water mark. */
    private long verify(Path data, Path shardDir, int run, Op last, long previousHwm) {
        try (LocalShardStore store =
                new LocalShardStore(CrashReplicaWorker.config(data), Clock.systemUTC(), new SimpleMeterRegistry())) {
            ShardInfo info = store.open(CrashReplicaWorker.SHARD);
            assertThat(info.status()).as("after run %d", run).isEqualTo(ShardStatus.ONLINE);
            assertThat(shardDir.resolve(ShardCut.MARKER)).doesNotExist();
            long next = info.oldestSequence();
            for (StoredBatch b : ShardContents.readAll(store, CrashReplicaWorker.SHARD)) {
                assertThat(b.baseSequence()).as("contiguous after run %d", run).isEqualTo(next);
                assertThat(b.payloadBytes())
                        .as("batch at %d after run %d", next, run)
                        .isEqualTo(TestBatches.payload(TestBatches.idOf(b)));
                next = b.nextSequence();
            }
            long hwm = info.nextSequence();
            assertThat(next).as("read to the high-water mark after run %d", run).isEqualTo(hwm);
            if (last == null) {
                assertThat(hwm).as("run %d did nothing", run).isEqualTo(previousHwm);
            } else if (last.kind().equals("append")) {
                assertThat(hwm).as("after run %d, %s", run, last).isBetween(last.before(), last.after());
            } else {
                assertThat(hwm).as("after run %d, %s", run, last).isIn(last.before(), last.after());
            }
            if (last != null && last.kind().equals("reset") && hwm != last.before()) {
                assertThat(info.oldestSequence())
                        .as("after run %d, %s", run, last)
                        .isEqualTo(hwm);
            }
            return hwm;
        }
    }
}
