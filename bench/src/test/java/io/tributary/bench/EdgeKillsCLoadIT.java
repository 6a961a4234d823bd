package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tributary.bench.pipeline.LocalPipeline;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.ConsumerRecord;
import io.tributary.hub.client.ReadPosition;
import io.tributary.hub.client.ShardReader;
import io.tributary.hub.client.ShardReaderOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.protocol.v1.ShardDescription;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge agent SIGKILLed under the independent C load generator ({@code mqtt_loadgen.c}, QoS 1, {@code LG_SEQ=1}):
 * each cycle runs the generator against the edge with topics of its own ({@code tributary/g<n>/k<cycle>c<conn>/temp},
 * so every cycle's devices are new), kills the edge once a random amount of buffer has been written (or when the
 * generator ends), reads the generator's {@code ACKED c=<conn> n=<count>} ledger (QoS 1 acks come in order: sequences
 * {@code 0..n-1} were acknowledged) and restarts the edge on the same data directory. At the end every acknowledged
 * publish of every cycle must be at the hub exactly once, in per-device order. The generator knows nothing of our code,
 * so this checks the PUBACK-after-fsync promise from outside.
 *
 * <p>{@code -Dtributary.edge-kills.cycles=N} (profile {@code edge-kills-long}: 300; default 3). Skipped, with the
 * reason, when gcc or the generator's source ({@code ../shared/tools}) is not there.
 */
class EdgeKillsCLoadIT {
    private static final int CYCLES = Integer.getInteger("tributary.edge-kills.cycles", 3);
    private static final long SEED = Long.getLong("tributary.edge-kills.seed", 7);
    private static final int CONNS = 10;
    private static final int RATE = 5_000;
    private static final Pattern ACKED = Pattern.compile("^ACKED c=(\\d+) n=(\\d+)$");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps the pipeline's data and logs
    Path dir;

    @Test
    void sigkillEdgeUnderCLoadGenerator_everyAckedPublishAtHubOnceInOrder() throws Exception {
        Path source = CLoadGen.findSource(null, CLoadGen.repositoryRoot());
        assumeTrue(source != null, "mqtt_loadgen.c not found in ../shared/tools: nothing independent to load with");
        assumeTrue(Pinning.onPath("gcc"), "gcc is not on PATH: cannot build the C load generator");
        Path binary = CLoadGen.compile(source, Path.of("target"));
        SplittableRandom random = new SplittableRandom(SEED);
        LocalPipeline.Settings settings = LocalPipeline.Settings.defaults()
                .withJvmOptions(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        Map<String, Long> acked = new LinkedHashMap<>();
        try (LocalPipeline pipeline = LocalPipeline.start(dir.resolve("pipeline"), settings);
                ClientResources resources = new ClientResources(1)) {
            Path edgeData = pipeline.dir().resolve("edge");
            long killedUnderLoad = 0;
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                if (cycle > 0) {
                    pipeline.startEdge();
                }
                long threshold = bytesUnder(edgeData) + 8_192 + random.nextLong(1_000_000);
                Process gen = startGenerator(binary, pipeline.mqttPort(), cycle);
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(5))
                        .until(() -> !gen.isAlive() || bytesUnder(edgeData) >= threshold);
                killedUnderLoad += gen.isAlive() ? 1 : 0;
                pipeline.killEdge();
                List<String> out = finish(gen, cycle);
                long cycleAcked = ledger(out, cycle, acked);
                int run = cycle;
                Files.write(
                        dir.resolve("acked.txt"),
                        out.stream()
                                .filter(l -> l.startsWith("ACKED"))
                                .map(l -> "k" + run + " " + l)
                                .toList(),
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                System.out.printf("cycle %d: acked %d (total %d)%n", cycle, cycleAcked, sum(acked));
            }
            pipeline.startEdge();
            long total = sum(acked);
            assertThat(total).as("publishes acknowledged over all cycles").isPositive();

            SeqTally tally = new SeqTally();
            // Reading ~1M records back takes a while on a loaded box: drain each round, and allow for the volume.
            Duration readFor = Duration.ofSeconds(120 + total / 5_000);
            try (StreamReaders readers = new StreamReaders(resources, pipeline)) {
                try {
                    await().atMost(readFor)
                            .pollDelay(Duration.ZERO)
                            .pollInterval(Duration.ofMillis(10))
                            .until(() -> {
                                while (readers.pollInto(tally) > 0) {
                                    // drain what is there before counting what is missing
                                }
                                return tally.missing(acked) == 0;
                            });
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError(
                            "after " + readFor.toSeconds() + " s of reading: " + tally.missing(acked) + " of " + total
                                    + " acknowledged publishes not at the hub (" + tally.records() + " records read);"
                                    + " devices short of their ledger: " + tally.shortDevices(acked, 5)
                                    + "; ledger in " + dir.resolve("acked.txt"),
                            e);
                }
                readers.pollInto(tally); // anything stored beyond the acked (unacked but durable) is checked too
            }
            System.out.printf(
                    "edge kills under the C load generator: %d kills (%d while it was sending), %d acked publishes,"
                            + " %d records at the hub, %d lost, %d duplicated, %d out of order%n",
                    CYCLES,
                    killedUnderLoad,
                    total,
                    tally.records(),
                    tally.missing(acked),
                    tally.duplicates(),
                    tally.outOfOrder());
            assertThat(tally.firstProblems()).as("problems").isEmpty();
            assertThat(tally.duplicates()).isZero();
            assertThat(tally.outOfOrder()).isZero();
            assertThat(tally.untagged()).isZero();
            assertThat(tally.missing(acked)).isZero();
        }
    }

    private Process startGenerator(Path binary, int port, int cycle) throws IOException {
        // PORT CONNS QOS PAYLOAD DURATION_S WINDOW RATE WARMUP_S
        ProcessBuilder pb = new ProcessBuilder(
                        binary.toAbsolutePath().toString(),
                        String.valueOf(port),
                        String.valueOf(CONNS),
                        "1",
                        "100",
                        "3",
                        "20",
                        String.valueOf(RATE),
                        "0")
                .redirectError(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("loadgen.err").toFile()));
        pb.environment().put("LG_TOPIC", "tributary/g%d/k" + cycle + "c%d/temp");
        pb.environment().put("LG_GROUPS", "4");
        pb.environment().put("LG_SEQ", "1");
        return pb.start();
    }

    /** Waits for the generator (it ends 3 s after its start plus a bounded drain) and returns its stdout lines. */
    private static List<String> finish(Process gen, int cycle) throws IOException, InterruptedException {
        if (!gen.waitFor(30, TimeUnit.SECONDS)) {
            gen.destroyForcibly();
            throw new AssertionError("cycle " + cycle + ": the C load generator did not end within 30 s");
        }
        List<String> lines = new String(gen.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .toList();
        if (gen.exitValue() != 0) {
            throw new AssertionError(
                    "cycle " + cycle + ": the C load generator exited " + gen.exitValue() + ": " + lines);
        }
        return lines;
    }

    /** Adds this cycle's {@code ACKED} lines to {@code acked} (device id to count); returns the cycle's total. */
    private static long ledger(List<String> out, int cycle, Map<String, Long> acked) {
        long n = 0;
        int conns = 0;
        for (String line : out) {
            Matcher m = ACKED.matcher(line);
            if (m.matches()) {
                long count = Long.parseLong(m.group(2));
                acked.put("k" + cycle + "c" + m.group(1), count);
                n += count;
                conns++;
            }
        }
        assertThat(conns).as("ACKED lines of cycle %d in %s", cycle, out).isEqualTo(CONNS);
        return n;
    }

    private static long sum(Map<String, Long> acked) {
        return acked.values().stream().mapToLong(Long::longValue).sum();
    }

    private static long bytesUnder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }

    /** One reader per shard of the pipeline's stream from the trim horizon, polled in turn. */
    private static final class StreamReaders implements AutoCloseable {
        private final List<ShardReader> readers = new ArrayList<>();

        StreamReaders(ClientResources resources, LocalPipeline pipeline) {
            List<ShardDescription> shards;
            try (AdminClient admin = AdminClient.connect(resources, pipeline.clientOptions())) {
                shards = admin.describeStream(pipeline.stream()).getShardsList();
            }
            for (ShardDescription s : shards) {
                readers.add(ShardReader.open(
                        resources,
                        pipeline.clientOptions(),
                        ShardReaderOptions.of(pipeline.stream(), s.getShardId(), ReadPosition.trimHorizon())));
            }
        }

        /** One poll of each reader; returns the records read. */
        int pollInto(SeqTally tally) throws InterruptedException {
            int n = 0;
            for (ShardReader reader : readers) {
                // 1 ms, not longer: a shard with nothing (two of the four get no group here) must not hold the
                // others up each round (20 ms per empty shard made reading 900k records take over 5 minutes)
                for (ConsumerRecord r : reader.poll(Duration.ofMillis(1))) {
                    tally.add(r.record().getDeviceId(), r.record().getPayload().toStringUtf8());
                    n++;
                }
            }
            return n;
        }

        @Override
        public void close() {
            readers.forEach(ShardReader::close);
        }
    }
}
