package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.sim.report.JsonWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The table and JSON line of {@code bench pubsub}: ratios edge/Mosquitto and the targets of issue 13. */
class PubSubReportTest {

    private static FlowPhase flow(double deliveredPerSecond, double subscriberCores) {
        return new FlowPhase(
                "fan-in QoS 1",
                1,
                1000,
                1000,
                900,
                deliveredPerSecond,
                1000,
                1000,
                0,
                0,
                0.95,
                subscriberCores,
                0.05,
                0,
                new FlowPhase.Latency(100, 0.5, 2.5, 3, 4),
                0,
                0);
    }

    @Test
    void end_bothBrokers_ratiosTargetsTableThenJsonLine() {
        List<String> notes = new ArrayList<>();
        PubSubReport report = new PubSubReport(new JsonWriter().field("bench", "pubsub"), notes, new ArrayList<>());
        report.flow("fanin_q1", "fan-in QoS 1 (10 -> 1)", "edge", flow(50_000, 0.3));
        report.flow("fanin_q1", "fan-in QoS 1 (10 -> 1)", "mosq", flow(100_000, 0.9));
        report.retained("edge", new RetainedPhase(100_000, 100_000, 10, 100_000, true, 1.5));
        report.retained("mosq", new RetainedPhase(100_000, 100_000, 5, 100_000, true, 0.5));
        report.sessions(
                "edge", new SessionsPhase(10_000, 10_000, 20, 100L << 20, 150L << 20, 140L << 20, 30L << 20, null));
        report.sessions("mosq", new SessionsPhase(10_000, 10_000, 5, 1L << 20, 30L << 20, 29L << 20, -1, null));

        String[] lines = report.end(12.5).split("\n");
        Map<String, String> json = FlatJson.parse(lines[lines.length - 1]);

        assertThat(json)
                .containsEntry("edge_fanin_q1_delivered_per_s", "50000.000")
                .containsEntry("mosq_fanin_q1_delivered_per_s", "100000.000")
                .containsEntry("fanin_q1_ratio", "0.500")
                .containsEntry("fanin_q1_target_met", "false")
                .containsEntry("edge_fanin_q1_latency_p99_ms", "2.500")
                .containsEntry("edge_retained_s", "1.500")
                .containsEntry("retained_time_ratio", "3.000")
                .containsEntry("retained_target_met", "true")
                .containsEntry("edge_sessions_rss_mb", "150.000")
                .containsEntry("edge_sessions_heap_after_gc_mb", "30.000")
                .containsEntry("mosq_sessions_heap_after_gc_mb", "null")
                .containsEntry("sessions_rss_ratio", "5.000")
                .containsEntry("sessions_target_met", "false")
                .containsEntry("ok", "true");
        // Mosquitto's subscriber and generator filled the load CPU: its figure is a lower bound, and says so
        assertThat(json.get("notes")).contains("fan-in QoS 1 (mosq): the load CPU was nearly full");
        String table = String.join("\n", lines);
        assertThat(lines[0]).startsWith("bench pubsub").contains("edge", "Mosquitto", "target");
        assertThat(table)
                .containsPattern("fan-in QoS 1 \\(10 -> 1\\), delivered/s +50,000 +100,000 +0\\.50 +>= 1\\.0x")
                .containsPattern("retained: new subscriber to # gets 100,000, s +1\\.500 +0\\.500 +3\\.00 +<= 2 s")
                .containsPattern("sessions: RSS with 10,000, MB +150\\.0 +30\\.0 +5\\.00 +<= 128 MB")
                .contains("note: fan-in QoS 1 (mosq)");
    }

    @Test
    void end_edgeOnlyWithAFailedPhase_noRatiosAndNotOk() {
        List<String> errors = new ArrayList<>(List.of("fan-out QoS 0 (edge): boom"));
        PubSubReport report = new PubSubReport(new JsonWriter(), new ArrayList<>(), errors);
        report.flow("fanout_q0", "fan-out QoS 0 (1 -> 100)", "edge", null);
        report.retained("edge", new RetainedPhase(1000, 1000, 1, 400, false, 60));

        String out = report.end(1);
        Map<String, String> json =
                FlatJson.parse(out.lines().reduce((a, b) -> b).orElseThrow());

        assertThat(json)
                .containsEntry("edge_retained_complete", "false")
                .containsEntry("retained_target_met", "false")
                .containsEntry("retained_time_ratio", "null")
                .containsEntry("ok", "false")
                .doesNotContainKeys("fanout_q0_ratio", "edge_fanout_q0_delivered_per_s");
        assertThat(out).contains("only 400 (60.000)", "error: fan-out QoS 0 (edge): boom");
    }
}
