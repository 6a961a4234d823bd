package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.bench.demo.DemoMain;
import io.tributary.testsupport.ChildJvms;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./tributary demo} on a short load, in a child JVM as the launcher runs it (it starts the hubs and the edge
 * agent itself): by default two regions, verified at both hubs; with {@code --regions 1} a single hub. It exits 0 and
 * its stdout ends with one flat JSON line holding the verdict.
 */
class DemoIT {

    @TempDir
    Path dir;

    @Test
    @Timeout(240)
    void twoRegionsByDefault_replicaHoldsEveryRecordOnce_sameBatchesAsTheHome() throws Exception {
        Map<String, String> json = runDemo();

        assertThat(json).containsEntry("verdict", "PASS").containsEntry("regions", "2");
        assertThat(json).containsEntry("lost", "0").containsEntry("duplicated", "0");
        assertThat(json.get("acked")).isEqualTo(json.get("published"));
        assertThat(json).containsEntry("replica_region", "us").containsEntry("replica_caught_up", "true");
        assertThat(json).containsEntry("replica_lost", "0").containsEntry("replica_duplicated", "0");
        assertThat(json.get("replica_observed")).isEqualTo(json.get("acked"));
        assertThat(json).containsEntry("replica_identical", "true");
        for (String key : List.of(
                "replication_lag_max_records",
                "replication_lag_max_ms",
                "replication_lag_last_records",
                "replication_lag_last_ms")) {
            assertThat(json.get(key)).as(key).matches("\\d+");
        }
        assertThat(json).containsEntry("replication_lag_last_records", "0");
    }

    @Test
    @Timeout(240)
    void oneRegion_singleHub_asBefore() throws Exception {
        Map<String, String> json = runDemo("--regions", "1");

        assertThat(json).containsEntry("verdict", "PASS").containsEntry("regions", "1");
        assertThat(json).containsEntry("lost", "0").containsEntry("duplicated", "0");
        assertThat(json.get("observed")).isEqualTo(json.get("acked"));
        assertThat(json).doesNotContainKeys("replica_region", "replica_identical", "replication_lag_max_ms");
    }

    private Map<String, String> runDemo(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "--devices",
                "50",
                "--rate",
                "300",
                "--duration",
                "3",
                "--data-dir",
                dir.resolve("demo").toString()));
        args.addAll(List.of(extra));
        return LastJsonLine.of(
                ChildJvms.command(List.of("-Xmx256m"), DemoMain.class.getName(), args), dir, Duration.ofSeconds(200));
    }
}
