package io.tributary.bench.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.bench.pipeline.LocalPipeline;
import io.tributary.hub.client.core.ClientResources;
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
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The end-to-end pipeline while the edge agent and the hub are SIGKILLed and restarted on the same data directories
 * and ports, alternating, at seeded points of the stream: devices reconnect, publishes without a PUBACK are not
 * counted as acknowledged, and afterwards every acknowledged record is at the hub exactly once and in per-device
 * order. {@code -Dtributary.chaos.cycles=N} (profile {@code chaos-long}: 300) sets the number of kills; the default
 * is 6 (3 each). Lost, duplicated, unexpected and out-of-order records fail the test.
 */
class ChaosIT {

    private static final int CYCLES = Integer.getInteger("tributary.chaos.cycles", 6);
    private static final long SEED = Long.getLong("tributary.chaos.seed", 42);
    /**
     * {@code strict} (the default) fails on any record out of per-device order; {@code report} only prints them. This
     * test found that after an edge restart a new epoch's first batch could overtake the old epoch's backlog of the
     * same lane (the hub orders runs within one lane and epoch only); the forwarder now holds a newer epoch's batch
     * until the older epoch's batches in flight are acknowledged.
     */
    private static final boolean STRICT_ORDER =
            System.getProperty("tributary.chaos.order", "strict").equals("strict");

    private static final Duration RECOVERY = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void killEdgeAndHubAlternately_duringLoad_everyAckedRecordOnceInOrder() throws Exception {
        LocalPipeline.Settings settings = LocalPipeline.Settings.defaults()
                .withJvmOptions(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        SplittableRandom random = new SplittableRandom(SEED);
        // -Dtributary.chaos.dir=DIR keeps the data and logs of a failed run for a post-mortem.
        Path where = Path.of(System.getProperty("tributary.chaos.dir", dir.toString()));
        try (LocalPipeline pipeline = LocalPipeline.start(where, settings);
                ClientResources resources = new ClientResources(1)) {
            SimConfig config = SimConfig.builder("127.0.0.1", pipeline.mqttPort())
                    .devices(100)
                    .groups(10)
                    .qos(1)
                    .profile(new RateProfile.Constant(400))
                    .duration(Duration.ofHours(2)) // ended by stop() after the last cycle
                    .drainTimeout(Duration.ofSeconds(10))
                    .build();
            Simulator sim = new Simulator(config, s -> {});
            SimResult result;
            VerifyReport report;
            int edgeKills = 0;
            int hubKills = 0;
            try (HubRecordSource source = HubRecordSource.open(
                    resources, pipeline.clientOptions(), pipeline.stream(), Clock.systemUTC(), 0)) {
                LiveVerification live = LiveVerification.start(sim.ledger(), source);
                CompletableFuture<SimResult> run = CompletableFuture.supplyAsync(() -> {
                    try {
                        return sim.run();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                try {
                    for (int cycle = 0; cycle < CYCLES; cycle++) {
                        // Kill at a seeded point: once both the edge and the hub have made this much progress.
                        awaitProgress(sim, live, 100 + random.nextInt(400));
                        if (cycle % 2 == 0) {
                            pipeline.killEdge();
                            pipeline.startEdge();
                            edgeKills++;
                        } else {
                            pipeline.killHub();
                            pipeline.startHub();
                            hubKills++;
                        }
                    }
                    awaitProgress(sim, live, 200);
                } finally {
                    sim.stop();
                }
                result = run.get(60, TimeUnit.SECONDS);
                report = live.finish(Duration.ofSeconds(60), Clock.systemUTC());
            }

            System.out.printf(
                    "ChaosIT: %d edge kills, %d hub kills, %d publishes acknowledged, %d records observed, %d lost,"
                            + " %d duplicated, %d unexpected, %d out of order%n",
                    edgeKills,
                    hubKills,
                    result.acked(),
                    report.observedTotal(),
                    report.lost(),
                    report.duplicated(),
                    report.unexpected(),
                    report.outOfOrder());
            assertThat(edgeKills + hubKills).isEqualTo(CYCLES);
            assertThat(result.acked()).isGreaterThan(200L * CYCLES);
            assertThat(result.unexpectedDisconnects())
                    .as("the edge kills cut the devices off")
                    .isPositive();
            String problems = "problem devices "
                    + report.problemDevices().stream().limit(5).toList();
            assertThat(report.lost()).as(problems).isZero();
            assertThat(report.duplicated()).as(problems).isZero();
            assertThat(report.unexpected()).as(problems).isZero();
            if (STRICT_ORDER) {
                assertThat(report.outOfOrder()).as(problems).isZero();
            } else if (report.outOfOrder() > 0) {
                System.err.println("ChaosIT: KNOWN DEFECT, " + report.outOfOrder() + " records out of per-device"
                        + " order (-Dtributary.chaos.order=strict fails on it); " + problems);
            }
            assertThat(report.observedTotal()).isGreaterThanOrEqualTo(result.acked());
        }
    }

    /** Waits until the edge acknowledged and the hub delivered {@code records} more than now. */
    private static void awaitProgress(Simulator sim, LiveVerification live, long records) {
        long acked = sim.counters().acked.sum();
        long observed = live.observed();
        await().atMost(RECOVERY)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> sim.counters().acked.sum() >= acked + records && live.observed() >= observed + records);
    }
}
