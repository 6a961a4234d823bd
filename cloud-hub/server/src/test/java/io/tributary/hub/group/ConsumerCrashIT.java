package io.tributary.hub.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.PutResult;
import io.tributary.hub.subscribe.ConsumerFixture;
import io.tributary.protocol.v1.GroupDescription;
import io.tributary.protocol.v1.GroupShardLag;
import io.tributary.testsupport.ChildJvms;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group member in a child JVM ({@link CrashConsumer}) is killed with SIGKILL mid-stream at seeded moments while
 * records keep arriving, and restarted each time. Checks, per shard: each run starts right after the checkpoint the
 * hub held when the previous run died and reads on without a gap; the union of what the runs processed covers every
 * produced record. Re-processing since the last checkpoint (at-least-once) is measured and bounded.
 */
class ConsumerCrashIT {
    private static final long SEED = 20240917L;
    private static final int KILLS = 4;
    private static final int SHARDS = 2;
    private static final int RECORDS = 20_000;
    private static final int PER_TICK = 50;
    private static final long TICK_MS = 20; // 2,500 records/s
    private static final int CHECKPOINT_EVERY = 500;
    private static final int CREDIT = 200;
    private static final int MAX_BATCH = 100;

    @TempDir
    Path dir;

    private ConsumerFixture hub;
    private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
    private final Queue<CompletableFuture<PutResult>> puts = new ConcurrentLinkedQueue<>();
    private final List<Process> children = new ArrayList<>();
    private final AtomicInteger sent = new AtomicInteger();

    /** One line the child printed. */
    private record Event(char kind, String shard, long sequence) {}

    @BeforeEach
    void setUp() throws Exception {
        hub = new ConsumerFixture(dir.resolve("hub"), Duration.ofSeconds(3));
        hub.createStream("s", SHARDS);
    }

    @AfterEach
    void tearDown() throws Exception {
        children.forEach(Process::destroyForcibly);
        pacer.shutdownNow();
        hub.close();
    }

    @Test
    void groupConsumer_killedMidStreamAndRestarted_resumesAfterLastCheckpointWithNoGap() throws Exception {
        Random random = new Random(SEED);
        long t0 = System.nanoTime();
        Producer producer = Producer.create(
                hub.resources,
                hub.client(),
                ProducerOptions.defaults("s").withBatching(MAX_BATCH, Duration.ofMillis(2), 8));
        pacer.scheduleAtFixedRate(
                () -> {
                    for (int i = 0; i < PER_TICK && sent.get() < RECORDS; i++) {
                        int n = sent.get();
                        puts.add(producer.put("key-" + n % 8, ("r" + n).getBytes(StandardCharsets.UTF_8)));
                        sent.incrementAndGet();
                    }
                },
                0,
                TICK_MS,
                TimeUnit.MILLISECONDS);

        Map<String, Long> checkpoint = new HashMap<>(); // what the hub holds when no run is alive
        Map<String, TreeSet<Long>> processed = new TreeMap<>();
        long reprocessed = 0;
        List<String> perRestart = new ArrayList<>();
        for (int run = 0; run <= KILLS; run++) {
            boolean last = run == KILLS;
            int killAfter = 800 + random.nextInt(2_000);
            List<Event> events = runChild(run, last ? -1 : killAfter, processed);

            Map<String, Long> before = new HashMap<>(checkpoint);
            checkpoint = awaitReleasedCheckpoints();
            StringBuilder restart = new StringBuilder("run " + run + " (" + events.size() + " lines, ended at "
                    + (System.nanoTime() - t0) / 1_000_000 + " ms):");
            for (String shard : checkpoint.keySet()) {
                List<Long> seqs = events.stream()
                        .filter(e -> e.kind() == 'R' && e.shard().equals(shard))
                        .map(Event::sequence)
                        .toList();
                long expectedStart = before.getOrDefault(shard, -1L) < 0 ? -1 : before.get(shard) + 1;
                int starts = assertResumesAfterCheckpoints(run, shard, events, expectedStart);
                assertThat(starts).as("run %d starts %s", run, shard).isPositive();
                TreeSet<Long> seen = processed.computeIfAbsent(shard, s -> new TreeSet<>());
                long again = seqs.stream().filter(seen::contains).count();
                reprocessed += again;
                seen.addAll(seqs);
                restart.append(' ')
                        .append(shard)
                        .append(" from ")
                        .append(expectedStart)
                        .append(" re-processed ")
                        .append(again)
                        .append(starts > 1 ? " (" + starts + " starts in this run)" : "");
                assertThat(again)
                        .as("re-processed after the restart of %s", shard)
                        .isLessThanOrEqualTo((long) starts * (CHECKPOINT_EVERY + CREDIT + MAX_BATCH));
                if (!last) {
                    long lastAccepted = events.stream()
                            .filter(e -> e.kind() == 'C' && e.shard().equals(shard))
                            .mapToLong(Event::sequence)
                            .max()
                            .orElse(before.getOrDefault(shard, -1L));
                    long ckpt = checkpoint.get(shard);
                    assertThat(ckpt)
                            .as("hub checkpoint of %s after kill %d", shard, run)
                            .isGreaterThanOrEqualTo(lastAccepted)
                            .isLessThanOrEqualTo(seen.isEmpty() ? -1 : seen.last());
                }
            }
            perRestart.add(restart.toString());
        }
        producer.close();

        Map<String, TreeSet<Long>> produced = new TreeMap<>();
        for (CompletableFuture<PutResult> f : puts) {
            PutResult r = f.get();
            produced.computeIfAbsent(r.shardId(), s -> new TreeSet<>()).add(r.sequence());
        }
        assertThat(produced.values().stream().mapToInt(TreeSet::size).sum()).isEqualTo(RECORDS);
        for (Map.Entry<String, TreeSet<Long>> e : produced.entrySet()) {
            assertThat(processed.get(e.getKey()))
                    .as("records of %s processed by some run", e.getKey())
                    .containsAll(e.getValue());
        }
        System.out.printf(
                "ConsumerCrashIT: %d records, %d kills, %d re-processed in all; %s%n",
                RECORDS, KILLS, reprocessed, String.join("; ", perRestart));
    }

    /**
     * Runs one child until it processed {@code killAfter} records (or, when negative, until every record is produced
     * and processed), then kills it with SIGKILL. Returns every complete line it printed.
     */
    private List<Event> runChild(int run, int killAfter, Map<String, TreeSet<Long>> before) throws Exception {
        // To a file, not a pipe: destroyForcibly() closes the pipe and drops what the test has not read yet.
        Path out = dir.resolve("child-" + run + ".out");
        Process child = new ProcessBuilder(ChildJvms.command(
                        "64m",
                        CrashConsumer.class,
                        Integer.toString(hub.hub.port()),
                        "s",
                        "g",
                        "member-" + run,
                        Integer.toString(CHECKPOINT_EVERY),
                        Integer.toString(CREDIT)))
                .redirectError(dir.resolve("child-" + run + ".err").toFile())
                .redirectOutput(out.toFile())
                .start();
        children.add(child);
        EventTail tail = new EventTail(out);
        try {
            if (killAfter >= 0) {
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(5))
                        .until(() -> tail.poll().records() >= killAfter || !child.isAlive());
            } else {
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> allProcessed(before, tail.poll().seen()) || !child.isAlive());
            }
            assertThat(child.isAlive())
                    .as("child %d alive until killed; see its .err", run)
                    .isTrue();
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        List<Event> events = tail.poll().events();
        return events;
    }

    /** Every record is acknowledged and processed by this run or an earlier one. */
    private boolean allProcessed(Map<String, TreeSet<Long>> before, Map<String, TreeSet<Long>> now) {
        if (sent.get() < RECORDS || !puts.stream().allMatch(CompletableFuture::isDone)) {
            return false;
        }
        for (CompletableFuture<PutResult> f : puts) {
            PutResult r = f.join();
            if (!now.getOrDefault(r.shardId(), new TreeSet<>()).contains(r.sequence())
                    && !before.getOrDefault(r.shardId(), new TreeSet<>()).contains(r.sequence())) {
                return false;
            }
        }
        return true;
    }

    /** Waits until the hub noticed the dead member (no shard owned), then returns the checkpoints it holds. */
    /**
     * Walks the run's lines for {@code shard}: its first start is right after the checkpoint the hub held before the
     * run; a later start in the same run (the member lost the shard and got it back) is right after the last checkpoint
     * the hub accepted before it; between two starts the records come in order without a gap. Returns the starts.
     */
    private static int assertResumesAfterCheckpoints(int run, String shard, List<Event> events, long expectedStart) {
        int starts = 0;
        long lastAccepted = expectedStart - 1;
        long next = -1;
        for (Event e : events) {
            if (!e.shard().equals(shard)) {
                continue;
            }
            switch (e.kind()) {
                case 'I' -> {
                    long want = starts == 0 ? expectedStart : lastAccepted + 1;
                    assertThat(e.sequence())
                            .as("run %d: start %d of %s resumes after the checkpoint", run, starts + 1, shard)
                            .isEqualTo(want);
                    starts++;
                    next = want < 0 ? 0 : want;
                }
                case 'R' -> {
                    assertThat(e.sequence())
                            .as("run %d, %s: record in order without a gap after start %d", run, shard, starts)
                            .isEqualTo(next);
                    next++;
                }
                case 'C' -> lastAccepted = e.sequence();
                default -> {}
            }
        }
        return starts;
    }

    private Map<String, Long> awaitReleasedCheckpoints() {
        try (AdminClient admin = hub.admin()) {
            GroupDescription d = await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(20))
                    .until(
                            () -> admin.describeGroup("s", "g"),
                            g -> g.getShardsCount() == SHARDS
                                    && g.getShardsList().stream()
                                            .allMatch(s -> s.getOwner().isEmpty()));
            Map<String, Long> out = new TreeMap<>();
            for (GroupShardLag s : d.getShardsList()) {
                out.put(s.getShardId(), s.getCheckpoint());
            }
            return out;
        }
    }

    /** Reads the complete lines a child has written to its output file so far; not thread-safe. */
    private static final class EventTail {
        private final Path file;
        private final List<Event> events = new ArrayList<>();
        private final Map<String, TreeSet<Long>> seen = new HashMap<>();
        private final StringBuilder partial = new StringBuilder();
        private long offset;
        private int records;

        EventTail(Path file) {
            this.file = file;
        }

        EventTail poll() throws IOException {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer buf = ByteBuffer.allocate(1 << 16);
                int n;
                while ((n = ch.read(buf, offset)) > 0) {
                    offset += n;
                    partial.append(new String(buf.array(), 0, n, StandardCharsets.US_ASCII));
                    buf.clear();
                }
            }
            int nl;
            while ((nl = partial.indexOf("\n")) >= 0) {
                parse(partial.substring(0, nl));
                partial.delete(0, nl + 1);
            }
            return this;
        }

        private void parse(String line) {
            String[] f = line.split(" ");
            if (f.length == 4 && f[3].equals(".") && f[0].length() == 1) {
                Event e = new Event(f[0].charAt(0), f[1], Long.parseLong(f[2]));
                events.add(e);
                if (e.kind() == 'R') {
                    records++;
                    seen.computeIfAbsent(e.shard(), k -> new TreeSet<>()).add(e.sequence());
                }
            }
        }

        int records() {
            return records;
        }

        Map<String, TreeSet<Long>> seen() {
            return seen;
        }

        List<Event> events() {
            return events;
        }
    }
}
