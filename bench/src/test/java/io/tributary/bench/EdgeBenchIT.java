package io.tributary.bench;

import static io.tributary.bench.LastJsonLine.assertNumbers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tributary.testsupport.ChildJvms;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench edge} end to end on tiny sizes, in a child JVM as the launcher would run it (it pins itself and starts a
 * hub and an edge agent): it exits 0 and its stdout ends with one flat JSON line holding every figure. The figures
 * themselves are not checked: this machine's speed is not a test result.
 */
class EdgeBenchIT {

    @TempDir
    Path dir;

    @Test
    @Timeout(360)
    void javaGenerator_allPhases_endsWithJsonLineWithEveryFigure() throws Exception {
        Map<String, String> json = runBench(
                "--loadgen",
                "java",
                "--duration",
                "2",
                "--warmup",
                "1",
                "--rate",
                "2000",
                "--backlog",
                "20000",
                "--drain-live-rate",
                "500",
                "--idle-connections",
                "200",
                "--idle-settle",
                "1",
                "--fill-timeout",
                "120",
                "--drain-timeout",
                "120",
                "--no-mosquitto");

        assertThat(json).containsEntry("bench", "edge").containsEntry("loadgen", "java");
        assertThat(json).containsEntry("ok", "true").containsEntry("errors", "").containsEntry("mosquitto", "false");
        for (String phase : List.of("max_", "paced_")) {
            assertNumbers(json, phase, "msgs_per_s", "p50_ms", "p99_ms", "p999_ms", "cpu_s_per_million", "acked_total");
            assertThat(Double.parseDouble(json.get(phase + "acked_total"))).isPositive();
        }
        for (String idle : List.of("idle_fresh_", "idle_")) {
            assertNumbers(json, idle, "conns_open", "rss_mb_before", "rss_mb", "rss_anon_mb", "kb_per_conn", "cpu_s");
            assertThat(json).containsEntry(idle + "conns_open", "200");
        }
        assertNumbers(json, "", "edge_rss_mb_end");
        assertNumbers(
                json,
                "",
                "backlog_filled",
                "fill_per_s",
                "fill_cpu_s_per_million",
                "drain_s",
                "drain_records",
                "drain_records_per_s",
                "drain_cpu_s_per_million",
                "drain_live_msgs_per_s",
                "drain_live_p99_ms");
        assertThat(Long.parseLong(json.get("backlog_filled"))).isGreaterThanOrEqualTo(20_000);
        assertThat(json).containsEntry("drain_complete", "true");
        assertThat(Long.parseLong(json.get("drain_records"))).isGreaterThanOrEqualTo(20_000);
    }

    @Test
    @Timeout(240)
    void cGenerator_whenGccAndSourceAreHere_loadPhasesUseIt() throws Exception {
        Path src = CLoadGen.findSource(null, CLoadGen.repositoryRoot());
        assumeTrue(src != null && Pinning.onPath("gcc"), "gcc or mqtt_loadgen.c missing");

        Map<String, String> json = runBench(
                "--loadgen-src",
                src.toString(),
                "--duration",
                "2",
                "--warmup",
                "1",
                "--rate",
                "2000",
                "--backlog",
                "0",
                "--idle-connections",
                "0",
                "--no-mosquitto");

        assertThat(json).containsEntry("loadgen", "c").containsEntry("ok", "true");
        assertNumbers(json, "max_", "msgs_per_s", "p99_ms", "cpu_s_per_million");
        assertNumbers(json, "paced_", "msgs_per_s", "p99_ms", "cpu_s_per_million");
        assertThat(json).doesNotContainKeys("drain_records", "idle_rss_mb");
    }

    @Test
    void help_namesTheOptions() throws Exception {
        Process p = start(List.of("--help"));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(out).contains("--backlog", "--idle-connections", "--loadgen", "--[no-]mosquitto", "--edge-heap");
    }

    private Map<String, String> runBench(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--data-dir", dir.resolve("data").toString()));
        return LastJsonLine.of(command(all), dir, Duration.ofSeconds(300));
    }

    private static Process start(List<String> args) throws IOException {
        return new ProcessBuilder(command(args)).redirectErrorStream(true).start();
    }

    private static List<String> command(List<String> args) {
        List<String> all = new ArrayList<>(List.of("edge"));
        all.addAll(args);
        return ChildJvms.command(List.of("-Xmx256m"), BenchMain.class.getName(), all);
    }
}
