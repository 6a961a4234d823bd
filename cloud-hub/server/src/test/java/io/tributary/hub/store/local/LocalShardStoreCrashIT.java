package io.tributary.hub.store.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.StoredBatch;
import io.tributary.testsupport.ChildJvms;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM that appends with group commit (SIGKILL, at seeded random moments), reopens the store each time,
 * and checks that every acknowledged batch survived exactly once, intact, with contiguous sequences.
 */
class LocalShardStoreCrashIT {
    private static final int RUNS = 20;

    @TempDir
    Path dir;

    /** Acknowledged batches: id → base sequence. */
    private final Map<Long, Long> acknowledged = new HashMap<>();

    @Test
    void append_killedRepeatedly_keepsEveryAcknowledgedBatchExactlyOnce() throws Exception {
        Random random = new Random(20240611L);
        Path data = dir.resolve("data");
        for (int run = 0; run < RUNS; run++) {
            int killAfterAcks = 1 + random.nextInt(60);
            List<String> lines = runAndKill(data, run, killAfterAcks);
            for (String line : lines) {
                String[] parts = line.split(" ");
                if (parts.length == 5 && parts[0].equals("ACK") && parts[4].equals(".")) {
                    acknowledged.put(Long.parseLong(parts[3]), Long.parseLong(parts[1]));
                }
            }
            verify(data, run);
        }
        assertThat(acknowledged).hasSizeGreaterThan(RUNS);
    }

    private List<String> runAndKill(Path data, int run, int killAfterAcks) throws Exception {
        Process child = new ProcessBuilder(ChildJvms.command(
                        "64m",
                        CrashAppender.class,
                        data.toString(),
                        Long.toString(run * 1_000_000L),
                        Long.toString(run)))
                .redirectError(dir.resolve("child-" + run + ".err").toFile())
                .start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (Exception e) {
                // The pipe breaks when the child is killed; what was read so far is what counts.
            }
        });
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> lines.size() >= killAfterAcks || !child.isAlive());
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
            reader.join(20_000);
        }
        return lines;
    }

    private void verify(Path data, int run) {
        try (LocalShardStore store = new LocalShardStore(
                LocalStoreConfig.builder(data).segmentMaxBytes(16 * 1024).build(),
                Clock.systemUTC(),
                new SimpleMeterRegistry())) {
            store.open(CrashAppender.SHARD);
            Map<Long, Long> stored = new HashMap<>();
            long next = 0;
            for (int i = 0; i < 100_000; i++) {
                ReadResult r = store.read(CrashAppender.SHARD, next, 1000, 256 * 1024);
                if (r.batches().isEmpty()) {
                    break;
                }
                for (StoredBatch b : r.batches()) {
                    assertThat(b.baseSequence())
                            .as("contiguous after run %d", run)
                            .isEqualTo(next);
                    long id = TestBatches.idOf(b);
                    assertThat(b.payloadBytes()).isEqualTo(TestBatches.payload(id));
                    assertThat(stored.put(id, b.baseSequence()))
                            .as("batch %d stored once", id)
                            .isNull();
                    next = b.nextSequence();
                }
            }
            assertThat(next).isEqualTo(store.info(CrashAppender.SHARD).nextSequence());
            assertThat(stored).as("after run %d", run).containsAllEntriesOf(acknowledged);
        }
    }
}
