package io.tributary.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.edge.mqtt.SinkResult;
import io.tributary.sim.payload.PayloadCodec;
import io.tributary.sim.verify.Verifier;
import io.tributary.sim.verify.VerifyReport;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The simulator against the real edge MQTT endpoint in-process; the verifier checks what the sink saw. */
class SimulatorEdgeIT {

    private static final int COUNT = 4_000;

    @ParameterizedTest(name = "MQTT {0}")
    @ValueSource(ints = {5, 3})
    void twoHundredDevicesQos1_boundedCount_sinkSawEveryAckedOnceInOrder(int version) throws Exception {
        try (RecordingEdge edge = new RecordingEdge()) {
            SimConfig config = edge.config()
                    .devices(200)
                    .groups(8)
                    .mqttVersion(version)
                    .qos(1)
                    .skew(1.0)
                    .profile(new io.tributary.sim.load.RateProfile.Constant(4_000))
                    .count(COUNT)
                    .duration(Duration.ofSeconds(30))
                    .build();
            SimResult result = new Simulator(config, s -> {}).run();

            assertThat(result.abortReason()).isEmpty();
            assertThat(result.published()).isEqualTo(COUNT);
            assertThat(result.acked()).isEqualTo(COUNT);
            assertThat(result.allAcknowledged()).isTrue();
            assertThat(result.ackLatency().count()).isEqualTo(COUNT);
            Verifier verifier = new Verifier(result.ledger());
            assertThat(verifier.drain(edge.records, Duration.ofSeconds(5), Clock.systemUTC()))
                    .isTrue();
            VerifyReport report = verifier.report();
            assertThat(report.passed()).as(report.failures().toString()).isTrue();
            assertThat(report.observedTotal()).isEqualTo(COUNT);
            assertThat(report.unexpected()).isZero();
            assertThat(edge.records.unparseable()).isZero();
            assertThat(edge.unmappedTopics).hasValue(0);
        }
    }

    @Test
    void mqtt5RawQos2_edgeRefusesEveryTenth_refusalsInLedgerAndRunNotAllAcked() throws Exception {
        AtomicLong n = new AtomicLong();
        try (RecordingEdge edge =
                new RecordingEdge(p -> n.incrementAndGet() % 10 == 0 ? SinkResult.QUOTA_EXCEEDED : SinkResult.STORED)) {
            SimConfig config = edge.config()
                    .devices(20)
                    .groups(2)
                    .qos(2)
                    .codec(PayloadCodec.raw(64))
                    .count(500)
                    .duration(Duration.ofSeconds(30))
                    .build();
            SimResult result = new Simulator(config, s -> {}).run();

            assertThat(result.refused()).isEqualTo(50);
            assertThat(result.acked()).isEqualTo(450);
            assertThat(result.ledger().refusalsByReason()).containsEntry(0x97, 50L);
            assertThat(result.allAcknowledged()).isFalse();
            Verifier verifier = new Verifier(result.ledger());
            verifier.drain(edge.records, Duration.ofSeconds(5), Clock.systemUTC());
            assertThat(verifier.report().passed()).isTrue();
            assertThat(verifier.report().observedTotal()).isEqualTo(450);
        }
    }

    @Test
    void wrongPassword_run_abortsWithNoDeviceConnected() throws Exception {
        try (RecordingEdge edge = new RecordingEdge()) {
            SimConfig config = edge.config()
                    .credentials(RecordingEdge.USER, "wrong")
                    .devices(3)
                    .groups(1)
                    .count(10)
                    .build();
            SimResult result = new Simulator(config, s -> {}).run();
            assertThat(result.abortReason())
                    .hasValueSatisfying(r -> assertThat(r).contains("no device could connect"));
            assertThat(result.connectFailures()).isEqualTo(3);
            assertThat(result.allAcknowledged()).isFalse();
        }
    }
}
