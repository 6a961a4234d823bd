package io.tributary.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.bench.pipeline.LocalPipeline;
import io.tributary.bench.soak.Flatness.Tolerance;
import io.tributary.bench.soak.Flatness.Verdict;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.group.GroupConsumer;
import io.tributary.hub.client.group.GroupConsumerOptions;
import io.tributary.hub.group.CheckpointEveryBatch;
import io.tributary.protocol.v1.ShardDescription;
import io.tributary.sim.SimConfig;
import io.tributary.sim.SimResult;
import io.tributary.sim.Simulator;
import io.tributary.sim.load.RateProfile;
import io.tributary.sim.verify.HubRecordSource;
import io.tributary.sim.verify.LiveVerification;
import io.tributary.sim.verify.VerifyReport;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak run (issue 16 item 4; profile {@code soak}, not in CI): the hub and the edge as child JVMs, a stream whose
 * retention really deletes segments during the run, a consumer group checkpointing every batch, and the device
 * simulator first at full speed ({@code tributary.soak.max-seconds}, to find the pipeline's maximum), then for
 * {@code tributary.soak.minutes} at half of it ({@code tributary.soak.rate} overrides). Every
 * {@code tributary.soak.sample-seconds} it samples heap after GC, RSS, descriptors, threads and disk of both
 * processes, plus rates, buffer backlog and group lag ({@link SoakSampler}); {@code target/soak/} gets
 * {@code samples.csv} and {@code report.html}. Fails when a measure is not flat ({@link Flatness}), when retention
 * deleted nothing, or when any acknowledged record was lost, duplicated or out of per-device order.
 */
@EnabledIfSystemProperty(named = "tributary.soak.minutes", matches = "\\d+")
class SoakIT {
    private static final int MINUTES = Integer.getInteger("tributary.soak.minutes", 60);
    private static final int SAMPLE_SECONDS = Integer.getInteger("tributary.soak.sample-seconds", 60);
    private static final double RATE = Double.parseDouble(System.getProperty("tributary.soak.rate", "0"));
    private static final int MAX_SECONDS = Integer.getInteger("tributary.soak.max-seconds", 40);
    /** A twelfth of the run, at least 30 s: segments are deleted many times over. */
    private static final Duration RETENTION =
            Duration.ofSeconds(Long.getLong("tributary.soak.retention-seconds", Math.max(30, MINUTES * 60L / 12)));

    private static final Duration RETENTION_CHECK = Duration.ofSeconds(5);
    private static final int SHARDS = 4;
    private static final long HUB_SEGMENT_BYTES = 1 << 20;
    /** The edge's buffer.segment-size (default); its space is freed a whole file at a time. */
    private static final long EDGE_SEGMENT_BYTES = 32L << 20;

    private static final long MIB = 1 << 20;

    @TempDir
    Path tmp;

    @Test
    void halfOfMaximumRate_forMinutes_staysFlat_andDeliversEveryAckedRecordOnceInOrder() throws Exception {
        Path dir = Path.of(System.getProperty("tributary.soak.dir", tmp.toString()));
        Path out = Path.of(System.getProperty("tributary.soak.out", "target/soak"));
        LocalPipeline.Settings settings = LocalPipeline.Settings.defaults()
                .withShards(SHARDS)
                .withJvmOptions(List.of("-Xmx512m", "-XX:+UseSerialGC"))
                .withRetention(RETENTION)
                .withHubConfig(Map.of(
                        "segment-max-bytes", HUB_SEGMENT_BYTES + "B",
                        "retention-check-interval", RETENTION_CHECK.toSeconds() + "s"))
                .withMetrics();
        try (LocalPipeline pipeline = LocalPipeline.start(dir, settings);
                ClientResources resources = new ClientResources(2)) {
            double max = RATE > 0 ? Double.NaN : maxRate(pipeline, resources);
            double rate = RATE > 0 ? RATE : max / 2;
            System.err.printf("soak: max %,.0f msg/s; soaking at %,.0f msg/s for %d min%n", max, rate, MINUTES);

            LongAdder consumed = new LongAdder();
            SimConfig config = simConfig(pipeline, rate, Duration.ofMinutes(MINUTES));
            Simulator sim = new Simulator(config, s -> {});
            SimResult result;
            VerifyReport report;
            SoakSampler sampler;
            Set<String> ownedShards;
            ScheduledExecutorService every = Executors.newSingleThreadScheduledExecutor();
            try (GroupConsumer group = GroupConsumer.start(
                            resources,
                            pipeline.clientOptions(),
                            GroupConsumerOptions.of(pipeline.stream(), "soak"),
                            () -> new CheckpointEveryBatch(consumed));
                    HubRecordSource source = HubRecordSource.open(
                            resources, pipeline.clientOptions(), pipeline.stream(), Clock.systemUTC(), nowMicros())) {
                LiveVerification live = LiveVerification.start(sim.ledger(), source);
                sampler = new SoakSampler(
                        pipeline, live::observed, () -> sim.counters().acked.sum(), consumed::sum);
                // Only under load: the devices' disconnects and the drain at the end are not the steady state, and
                // a sample takes seconds (the class histograms), so none starts in the load's last 10 s.
                long lastStart = System.nanoTime()
                        + Duration.ofMinutes(MINUTES).minusSeconds(10).toNanos();
                every.scheduleAtFixedRate(
                        () -> {
                            if (System.nanoTime() < lastStart) {
                                print(sampler.sample());
                            }
                        },
                        SAMPLE_SECONDS,
                        SAMPLE_SECONDS,
                        TimeUnit.SECONDS);
                CompletableFuture<SimResult> run = CompletableFuture.supplyAsync(() -> {
                    try {
                        return sim.run();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                try {
                    result = run.get(MINUTES + 5L, TimeUnit.MINUTES);
                } finally {
                    every.shutdown(); // a sample under way completes: interrupted, it would read as "not taken"
                    every.awaitTermination(60, TimeUnit.SECONDS);
                }
                report = live.finish(Duration.ofSeconds(60), Clock.systemUTC());
                ownedShards = group.ownedShards();
            }
            List<ShardDescription> shards;
            try (AdminClient admin = AdminClient.connect(resources, pipeline.clientOptions())) {
                shards = admin.describeStream(pipeline.stream()).getShardsList();
            }

            int warmup = warmupSamples();
            List<Verdict> verdicts = judge(sampler, warmup, rate);
            List<String> facts = new ArrayList<>(List.of(
                    String.format("maximum (full-speed phase, %d s): %,.0f msg/s acknowledged", MAX_SECONDS, max),
                    String.format("soak: %d min at %,.0f msg/s offered, %d devices", MINUTES, rate, config.devices()),
                    String.format(
                            "acknowledged %,d; delivered %,d; lost %d, duplicated %d, out of order %d, unexpected %d",
                            result.acked(),
                            report.observedTotal(),
                            report.lost(),
                            report.duplicated(),
                            report.outOfOrder(),
                            report.unexpected()),
                    String.format(
                            "retention %s, hub segments %d MiB: oldest sequence per shard %s",
                            RETENTION,
                            HUB_SEGMENT_BYTES / MIB,
                            shards.stream()
                                    .map(ShardDescription::getOldestSequence)
                                    .toList()),
                    String.format("consumer group: %,d records processed, shards %s", consumed.sum(), ownedShards),
                    String.format(
                            "samples every %d s; the first %d (warm-up) are not judged", SAMPLE_SECONDS, warmup)));
            SoakReport.writeCsv(out.resolve("samples.csv"), SoakSampler.MEASURES, sampler.samples());
            SoakReport.writeHtml(
                    out.resolve("report.html"),
                    "Tributary soak run, " + Instant.now(),
                    facts,
                    verdicts,
                    SoakSampler.MEASURES,
                    sampler.samples());
            System.err.println("soak summary (report: " + out.toAbsolutePath().resolve("report.html") + ")");
            facts.forEach(f -> System.err.println("  " + f));
            verdicts.forEach(v ->
                    System.err.printf("  %-34s %-8s %s%n", v.measure(), v.flat() ? "flat" : "NOT FLAT", v.reason()));

            String problems = "problem devices "
                    + report.problemDevices().stream().limit(5).toList();
            assertThat(report.lost()).as(problems).isZero();
            assertThat(report.duplicated()).as(problems).isZero();
            assertThat(report.unexpected()).as(problems).isZero();
            assertThat(report.outOfOrder()).as(problems).isZero();
            assertThat(report.observedTotal()).isGreaterThanOrEqualTo(result.acked());
            assertThat(result.acked()).isPositive();
            assertThat(consumed.sum())
                    .as("the consumer group processed records")
                    .isPositive();
            assertThat(shards)
                    .as("retention deleted segments of every shard")
                    .allSatisfy(s -> assertThat(s.getOldestSequence()).isPositive());
            assertThat(verdicts.stream().filter(v -> !v.flat()).map(Verdict::reason))
                    .as(
                            "measures that are not flat: %s",
                            verdicts.stream()
                                    .filter(v -> !v.flat())
                                    .map(Verdict::measure)
                                    .toList())
                    .isEmpty();
        }
    }

    /**
     * Samples left out of the flatness rule: at least a fifth of the run, and at least two retention periods plus two
     * retention passes (until then the hub's disk use grows, as it should).
     */
    static int warmupSamples() {
        double seconds = Math.max(MINUTES * 60 * 0.2, 2 * (RETENTION.toSeconds() + RETENTION_CHECK.toSeconds()));
        return (int) Math.ceil(seconds / SAMPLE_SECONDS);
    }

    /** The flatness rule per measure: the tolerances are documented in docs/reliability.md ("Soak"). */
    private static List<Verdict> judge(SoakSampler sampler, int warmup, double rate) {
        Map<String, Tolerance> rules = new LinkedHashMap<>();
        for (String role : List.of("edge", "hub")) {
            rules.put(role + "_heap_after_gc_bytes", new Tolerance(0.20, 8 * MIB));
            rules.put(role + "_resident_bytes", new Tolerance(0.15, 32 * MIB));
            // Descriptors on the data dir's files follow what is retained (one per live segment and index), which the
            // disk rule judges; every other descriptor (sockets, jars, logs) must stay flat.
            rules.put(role + "_other_fds", new Tolerance(0, 16));
            rules.put(role + "_threads", new Tolerance(0, 4));
        }
        // Disk is freed a whole segment at a time: two segments per shard of slack at the hub, two files at the edge.
        rules.put("hub_disk_bytes", new Tolerance(0.25, 2.0 * SHARDS * HUB_SEGMENT_BYTES));
        rules.put("edge_disk_bytes", new Tolerance(0.25, 2.0 * EDGE_SEGMENT_BYTES));
        // Backlog and lag may wobble by 30 s of traffic, not grow.
        rules.put("edge_buffer_records", new Tolerance(0, 30 * rate));
        rules.put("group_lag_records", new Tolerance(0, 30 * rate));
        List<Verdict> verdicts = new ArrayList<>();
        rules.forEach((m, t) -> verdicts.add(Flatness.judge(m, sampler.series(m), warmup, t)));
        return verdicts;
    }

    /** The full-speed phase: as much as the pipeline acknowledges, verified like the soak; acknowledged msg/s. */
    private static double maxRate(LocalPipeline pipeline, ClientResources resources) throws Exception {
        Simulator sim = new Simulator(simConfig(pipeline, 1_000_000, Duration.ofSeconds(MAX_SECONDS)), s -> {});
        SimResult result;
        VerifyReport report;
        try (HubRecordSource source = HubRecordSource.open(
                resources, pipeline.clientOptions(), pipeline.stream(), Clock.systemUTC(), nowMicros())) {
            LiveVerification live = LiveVerification.start(sim.ledger(), source);
            result = sim.run();
            report = live.finish(Duration.ofSeconds(120), Clock.systemUTC());
        }
        assertThat(report.passed()).as("full-speed phase verified: %s", report).isTrue();
        assertThat(result.acked()).as("full-speed phase acknowledged records").isPositive();
        return result.acked() * 1e9 / result.loadNanos();
    }

    private static SimConfig simConfig(LocalPipeline pipeline, double rate, Duration duration) {
        return SimConfig.builder("127.0.0.1", pipeline.mqttPort())
                .devices(200)
                .groups(40) // spread over the 4 shards: each shard fills and rolls segments for retention to delete
                .qos(1)
                .profile(new RateProfile.Constant(rate))
                .duration(duration)
                .maxInflight(20_000)
                .drainTimeout(Duration.ofSeconds(30))
                .build();
    }

    private static void print(SoakReport.Sample s) {
        StringBuilder line = new StringBuilder(String.format("soak sample t=%.0fs", s.elapsedSeconds()));
        s.values().forEach((k, v) -> line.append(String.format(" %s=%.0f", k, v)));
        System.err.println(line);
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }
}
