package io.tributary.edge.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.testsupport.ChildJvms;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILLs a child JVM that appends to the buffer and releases what it read (as the forwarder does), over and over, and
 * checks that no acknowledged record is lost: each is either still readable with its id, or at or below its lane's
 * durable released watermark, which is at least every release the child saw committed.
 */
class DurableBufferCrashIT {

    private static final int KILLS = 20;

    @TempDir
    Path dir;

    /** payload → "lane epoch sequence", every record any child reported as acknowledged. */
    private final Map<String, String> acked = new ConcurrentHashMap<>();

    /** lane → the highest position a child reported released (committed). */
    private final Map<String, LanePosition> releasedSeen = new ConcurrentHashMap<>();

    /** How many times a child running with storage faults reported accepting records again. */
    private final int[] recoveries = {0};

    @Test
    void sigkill_repeatedlyDuringAppends_neverLosesAcknowledgedRecords() throws Exception {
        killRepeatedlyAndCheck(KILLS, false);
    }

    /**
     * The same while the disk fails on and off (ENOSPC and EIO at segment writes, fsyncs, creates and directory
     * fsyncs): the buffer goes offline and recovers on its own many times per run, and is killed in the middle of it.
     */
    @Test
    void sigkill_duringStorageFaultsAndRecoveries_neverLosesAcknowledgedRecords() throws Exception {
        killRepeatedlyAndCheck(KILLS / 2, true);
        assertThat(recoveries[0])
                .as("recoveries from storage faults the children reported")
                .isPositive();
    }

    private void killRepeatedlyAndCheck(int kills, boolean faults) throws Exception {
        Path file = dir.resolve("buffer.db");
        Random random = new Random(42);
        long lastEpoch = 0;
        for (int run = 0; run < kills; run++) {
            int killAfterAcks = 1 + random.nextInt(1_500);
            long epoch = runAndKill(file, killAfterAcks, run, faults);
            assertThat(epoch).as("epoch of run %d", run).isEqualTo(lastEpoch + 1);
            lastEpoch = epoch;
        }

        try (DurableBuffer buffer =
                DurableBuffer.open(CrashChild.config(file), Clock.systemUTC(), new SimpleMeterRegistry())) {
            assertThat(buffer.damaged()).isFalse();
            Map<String, String> found = new HashMap<>();
            for (String lane : buffer.lanes()) {
                LanePosition after = LanePosition.BEFORE_FIRST;
                for (int page = 0; page < 10_000; page++) {
                    List<BufferedRecord> records = buffer.read(lane, after, 5_000, Integer.MAX_VALUE);
                    if (records.isEmpty()) {
                        break;
                    }
                    for (BufferedRecord r : records) {
                        var id = r.record().getId();
                        String previous = found.put(
                                TestRecords.payload(r),
                                id.getLane() + " " + id.getAgentEpoch() + " " + id.getSequence());
                        assertThat(previous)
                                .as("duplicate of %s", TestRecords.payload(r))
                                .isNull();
                    }
                    after = records.get(records.size() - 1).position();
                }
            }
            assertThat(acked).isNotEmpty();
            System.out.printf(
                    "crash test%s: %d kills, %d acknowledged records checked, %d records in buffer%n",
                    faults ? " with storage faults (" + recoveries[0] + " recoveries)" : "",
                    kills,
                    acked.size(),
                    found.size());
            releasedSeen.forEach((lane, seen) -> assertThat(buffer.releasedPosition(lane))
                    .as("durable watermark of %s", lane)
                    .isGreaterThanOrEqualTo(seen));
            int released = 0;
            for (Map.Entry<String, String> e : acked.entrySet()) {
                String[] id = e.getValue().split(" ");
                LanePosition position = new LanePosition(Long.parseLong(id[1]), Long.parseLong(id[2]));
                if (!position.isAfter(buffer.releasedPosition(id[0]))) {
                    released++;
                    continue;
                }
                assertThat(found.get(e.getKey()))
                        .as("acked record %s", e.getKey())
                        .isEqualTo(e.getValue());
            }
            System.out.printf("crash test: %d of the acknowledged records were released%n", released);
            assertThat(released).as("the releases ran").isPositive();
        }
    }

    private long runAndKill(Path file, int killAfterAcks, int run, boolean faults) throws Exception {
        Path stderr = dir.resolve("child-" + run + ".err");
        Process child = new ProcessBuilder(
                        ChildJvms.command("128m", CrashChild.class, file.toString(), "3", faults ? "faults" : "none"))
                .redirectError(stderr.toFile())
                .start();
        List<String> opens = new CopyOnWriteArrayList<>();
        int[] acks = {0};
        Thread reader = new Thread(() -> readLines(child, opens, acks), "crash-child-reader");
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> !child.isAlive() || acks[0] >= killAfterAcks);
            assertThat(child.isAlive())
                    .as("child %d alive; stderr: %s", run, Files.readString(stderr))
                    .isTrue();
        } finally {
            child.toHandle().destroyForcibly(); // SIGKILL; Process.destroyForcibly would also close our end of stdout
            child.waitFor(30, TimeUnit.SECONDS);
            reader.join(30_000);
        }
        assertThat(opens)
                .as("child %d stderr: %s", run, Files.readString(stderr))
                .hasSize(1);
        String[] open = opens.get(0).split(" ");
        assertThat(open[2]).as("damaged after crash").isEqualTo("false");
        return Long.parseLong(open[1]);
    }

    private void readLines(Process child, List<String> opens, int[] acks) {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("REC $")) {
                    recoveries[0]++;
                } else if (line.startsWith("OPEN ")) {
                    opens.add(line);
                } else if (line.startsWith("REL ") && line.endsWith(" $")) {
                    String[] f = line.split(" ");
                    releasedSeen.merge(
                            f[1], new LanePosition(Long.parseLong(f[2]), Long.parseLong(f[3])), LanePosition::max);
                } else if (line.startsWith("ACK ") && line.endsWith(" $")) { // a line cut by the kill is ignored
                    String[] f = line.split(" ");
                    acked.put(f[4], f[1] + " " + f[2] + " " + f[3]);
                    acks[0]++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
