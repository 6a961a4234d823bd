package io.tributary.bench.e2e;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Simulated devices → edge agent (child JVM) → hub (child JVM) → verifier reading the stream back with the consumer
 * client: every acknowledged record arrives exactly once and in per-device order.
 */
class EndToEndIT {

    private static final int COUNT = 4_000;

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void twoHundredDevicesQos1_throughEdgeAndHub_everyAckedRecordOnceInOrder() throws Exception {
        try (LocalPipeline pipeline = LocalPipeline.start(dir, LocalPipeline.Settings.defaults());
                ClientResources resources = new ClientResources(1)) {
            SimConfig config = SimConfig.builder("127.0.0.1", pipeline.mqttPort())
                    .devices(200)
                    .groups(8)
                    .qos(1)
                    .profile(new RateProfile.Constant(1_000))
                    .count(COUNT)
                    .duration(Duration.ofSeconds(30))
                    .build();
            Simulator sim = new Simulator(config, s -> {});
            VerifyReport report;
            SimResult result;
            try (HubRecordSource source = HubRecordSource.open(
                    resources, pipeline.clientOptions(), pipeline.stream(), Clock.systemUTC(), 0)) {
                LiveVerification live = LiveVerification.start(sim.ledger(), source);
                result = sim.run();
                report = live.finish(Duration.ofSeconds(30), Clock.systemUTC());
                assertThat(source.shards()).hasSize(4);
                assertThat(source.unparseable()).isZero();
            }

            assertThat(result.abortReason()).isEmpty();
            assertThat(result.published()).isEqualTo(COUNT);
            assertThat(result.acked()).isEqualTo(COUNT);
            assertThat(report.failures()).isEmpty();
            assertThat(report.lost()).isZero();
            assertThat(report.duplicated()).isZero();
            assertThat(report.outOfOrder()).isZero();
            assertThat(report.observedTotal()).isEqualTo(COUNT);
            assertThat(report.endToEnd().count()).isEqualTo(COUNT);
        }
    }
}
