package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.testsupport.ChildJvms;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench replication} end to end on tiny sizes, in a child JVM as the launcher would run it (it starts a home
 * and a replica hub): it exits 0 and its stdout ends with one flat JSON line holding every figure. The figures
 * themselves are not checked: this machine's speed is not a test result.
 */
class ReplicationBenchIT {

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void tinySizes_allPhases_endWithJsonLineWithEveryFigure() throws Exception {
        List<String> args = List.of(
                "replication",
                "--rate",
                "2000",
                "--duration",
                "1",
                "--warmup",
                "1",
                "--records",
                "10000",
                "--data-dir",
                dir.resolve("data").toString());
        Map<String, String> json = LastJsonLine.of(
                ChildJvms.command(List.of("-Xmx256m"), BenchMain.class.getName(), args), dir, Duration.ofSeconds(240));

        assertThat(json).containsEntry("bench", "replication").containsEntry("caught_up", "true");
        assertThat(json).containsEntry("payload", "random");
        assertThat(json).containsEntry("local_records", "2000").containsEntry("replicated_records", "2000");
        assertThat(json).containsEntry("max_local_records", "10000").containsEntry("max_replicated_records", "10000");
        for (String phase : List.of("local_", "replicated_", "max_local_", "max_replicated_")) {
            for (String key : List.of(
                    "records_per_s",
                    "ack_p50_ms",
                    "ack_p99_ms",
                    "lag_p50_ms",
                    "lag_p99_ms",
                    "lag_max_ms",
                    "lag_p99_records",
                    "lag_max_records",
                    "lag_samples",
                    "catch_up_s",
                    "eu_cpu_s_per_million",
                    "us_cpu_s_per_million",
                    "client_cpu_s_per_million")) {
                assertThat(json.get(phase + key)).as(phase + key).matches("\\d+(\\.\\d+)?");
            }
        }
        assertThat(json.get("ack_p99_ratio")).matches("\\d+\\.\\d+");
        assertThat(json.get("max_ratio")).matches("\\d+\\.\\d+");
    }
}
