package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.sim.report.JsonWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parsing the C generator's summary lines, and the JSON of a result. */
class CLoadGenTest {

    private static final String RESULT = "RESULT qos=1 conns=10 window=100 payload=100 rate_target=50000 measured=10.0s"
            + " acked=499870 throughput=49987 msg/s (5.0 MB/s payload) puback_ms p50=0.412 p90=0.800 p99=2.345"
            + " p99.9=7.500 max=12.250 unacked_at_end=3";
    private static final String TOTAL = "TOTAL sent=600000 acked=599997 dead_conns=1";

    @Test
    void parse_resultAndTotalLines_everyFigure() {
        LoadResult r = CLoadGen.parse(RESULT, TOTAL, 50_000, 10);

        assertThat(r.generator()).isEqualTo("c");
        assertThat(r.measuredAcked()).isEqualTo(499_870);
        assertThat(r.perSecond()).isEqualTo(49_987);
        assertThat(r.p50Ms()).isEqualTo(0.412);
        assertThat(r.p99Ms()).isEqualTo(2.345);
        assertThat(r.p999Ms()).isEqualTo(7.5);
        assertThat(r.maxMs()).isEqualTo(12.25);
        assertThat(r.unackedAtEnd()).isEqualTo(3);
        assertThat(r.sentTotal()).isEqualTo(600_000);
        assertThat(r.ackedTotal()).isEqualTo(599_997);
        assertThat(r.deadConns()).isEqualTo(1);
    }

    @Test
    void parse_qos0ResultLine_rateAndTotals() {
        LoadResult r = CLoadGen.parse(
                "RESULT qos=0 conns=1 payload=100 rate_target=0 msgs=380000 elapsed=1.000s throughput=380000 msg/s"
                        + " (38.0 MB/s payload) fences_ok=1",
                "TOTAL sent=380000 acked=0 dead_conns=0",
                0,
                1);

        assertThat(r.perSecond()).isEqualTo(380_000);
        assertThat(r.sentTotal()).isEqualTo(380_000);
        assertThat(r.ackedTotal()).isZero();
    }

    @Test
    void ackedPerConnection_taggedRunLedger_countsByConnectionIgnoringOthers() {
        long[] acked = CLoadGen.ackedPerConnection(
                List.of(TOTAL, "ACKED c=0 n=120", "ACKED c=2 n=7", "ACKED c=9 n=5", RESULT), 3);

        assertThat(acked).containsExactly(120, 0, 7);
    }

    @Test
    void json_prefixedFlatFields_readBack() {
        JsonWriter w = new JsonWriter().field("bench", "edge");
        CLoadGen.parse(RESULT, TOTAL, 50_000, 10).json(w, "paced_");
        w.field("missing", Double.NaN).field("note", "a \"quoted\" word");

        Map<String, String> json = FlatJson.parse(w.end());

        assertThat(json)
                .containsEntry("paced_msgs_per_s", "49987.000")
                .containsEntry("paced_p99_ms", "2.345")
                .containsEntry("paced_acked_total", "599997")
                .containsEntry("missing", "null")
                .containsEntry("note", "a \"quoted\" word");
        assertThatThrownBy(() -> FlatJson.parse("{\"a\":1,}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FlatJson.parse("{\"a\":{}}")).isInstanceOf(IllegalArgumentException.class);
    }
}
