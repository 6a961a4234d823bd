package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class LatencyBudgetTest {

    private static final String BEFORE = """
            # HELP tributary_edge_mqtt_puback_latency_seconds x
            tributary_edge_mqtt_puback_latency_seconds_bucket{agent="e",le="0.001",} 10.0
            tributary_edge_mqtt_puback_latency_seconds_bucket{agent="e",le="0.002",} 10.0
            tributary_edge_mqtt_puback_latency_seconds_bucket{agent="e",le="0.004",} 10.0
            tributary_edge_mqtt_puback_latency_seconds_bucket{agent="e",le="+Inf",} 10.0
            tributary_edge_mqtt_puback_latency_seconds_count{agent="e",} 10.0
            tributary_edge_forward_wait_seconds_count{agent="e",} 5.0
            """;

    private static final String AFTER = """
            tributary_edge_mqtt_puback_latency_seconds_bucket{agent="e",le="0.001",} 10.0
            tributary_edge_mqtt_puback_latency_seconds_bucket{agent="e",le="0.002",} 60.0
            tributary_edge_mqtt_puback_latency_seconds_bucket{agent="e",le="0.004",} 110.0
            tributary_edge_mqtt_puback_latency_seconds_bucket{agent="e",le="+Inf",} 110.0
            tributary_edge_mqtt_puback_latency_seconds_count{agent="e",} 110.0
            tributary_edge_forward_wait_seconds{agent="e",quantile="0.5",} 0.003
            tributary_edge_forward_wait_seconds{agent="e",quantile="0.99",} 0.02
            tributary_edge_forward_wait_seconds_count{agent="e",} 25.0
            """;

    @Test
    void bucketsGrowthOverThePhase_andWindowQuantiles_andMissingStages() {
        List<LatencyBudget.Row> rows =
                LatencyBudget.rows(Map.of("edge", BEFORE, "hub", ""), Map.of("edge", AFTER, "hub", ""));
        LatencyBudget.Row puback = rows.get(0);
        assertThat(puback.source()).isEqualTo("buckets");
        assertThat(puback.count()).isEqualTo(100);
        // the phase's 100: 50 in (1, 2] ms, 50 in (2, 4] ms; the 10 from before it are not counted
        assertThat(puback.p50Ms()).isCloseTo(2.0, within(1e-9));
        assertThat(puback.p99Ms()).isCloseTo(2.0 + 2.0 * 49 / 50, within(1e-9));
        LatencyBudget.Row wait = rows.stream()
                .filter(r -> r.stage().key().equals("wait"))
                .findFirst()
                .orElseThrow();
        assertThat(wait.source()).isEqualTo("window");
        assertThat(wait.count()).isEqualTo(20);
        assertThat(wait.p99Ms()).isCloseTo(20.0, within(1e-9));
        LatencyBudget.Row push = rows.get(rows.size() - 1);
        assertThat(push.source()).isEqualTo("none");
        assertThat(push.p50Ms()).isNaN();
    }

    @Test
    void fromBuckets_inTheInfBucket_isTheHighestFiniteBound() {
        TreeMap<Double, Double> b = new TreeMap<>(Map.of(0.1, 1.0, Double.POSITIVE_INFINITY, 10.0));
        assertThat(LatencyBudget.fromBuckets(b, 0.99)).isEqualTo(0.1);
        assertThat(LatencyBudget.fromBuckets(b, 0.05)).isCloseTo(0.05, within(1e-9));
    }
}
