package io.tributary.bench;

import static io.tributary.bench.LastJsonLine.assertNumbers;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.testsupport.ChildJvms;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench pubsub} end to end on tiny sizes, in a child JVM as the launcher would run it, against the edge agent
 * and Mosquitto (when installed; under {@code CI=true} it must be, as must gcc and the C generator's source): it exits
 * 0, its stdout ends with a table and one flat JSON line holding every figure, every phase delivered, and at QoS 1
 * every acknowledged publish reached every subscriber exactly once. Speeds are not checked: this machine's speed is
 * not a test result.
 */
class PubSubBenchIT {
    private static final int PUBLISHERS = 3;
    private static final int SUBSCRIBERS = 5;

    @TempDir
    Path dir;

    @Test
    @Timeout(600)
    void tinySizes_everyPhaseOnEveryBroker_deliversAndReports() throws Exception {
        requireOrSkip(CLoadGen.findSource(null, CLoadGen.repositoryRoot()) != null, "mqtt_loadgen.c not found");
        requireOrSkip(Pinning.onPath("gcc"), "gcc not on PATH");
        boolean mosquitto = Pinning.onPath("mosquitto");
        if (!mosquitto && "true".equalsIgnoreCase(System.getenv("CI"))) {
            Assertions.fail("mosquitto not on PATH (CI=true: bench pubsub must be compared with it)");
        }
        // Paced well below what either broker delivers, so that nothing is dropped for a slow subscriber.
        Map<String, String> json = LastJsonLine.of(
                command(List.of(
                        "--duration", "1.5",
                        "--warmup", "0.5",
                        "--rate", "600",
                        "--publishers", String.valueOf(PUBLISHERS),
                        "--subscribers", String.valueOf(SUBSCRIBERS),
                        "--retained", "500",
                        "--retained-timeout", "60",
                        "--sessions", "300",
                        "--session-concurrency", "100",
                        "--settle", "0.2",
                        "--data-dir", dir.resolve("data").toString())),
                dir,
                Duration.ofSeconds(540));

        assertThat(json)
                .containsEntry("bench", "pubsub")
                .containsEntry("errors", "")
                .containsEntry("ok", "true");
        assertThat(json).containsEntry("mosquitto", String.valueOf(mosquitto));
        List<String> brokers = mosquitto ? List.of("edge", "mosq") : List.of("edge");
        for (String b : brokers) {
            for (String phase : List.of("fanin_q0", "fanin_q1", "fanout_q0", "fanout_q1")) {
                String p = b + "_" + phase + "_";
                assertNumbers(json, p, "delivered_per_s", "published_per_s", "broker_cores", "subscriber_cores");
                assertNumbers(json, p, "generator_cores", "published", "delivered", "expected", "missing");
                assertNumbers(json, p, "latency_p50_ms", "latency_p99_ms", "latency_max_ms");
                assertThat(Long.parseLong(json.get(p + "latency_probes"))).as(p).isPositive();
                assertThat(Double.parseDouble(json.get(p + "delivered_per_s")))
                        .as(p)
                        .isPositive();
                assertThat(json).containsEntry(p + "lost_subscribers", "0");
                long published = Long.parseLong(json.get(p + "published"));
                int subs = phase.startsWith("fanin") ? 1 : SUBSCRIBERS;
                if (phase.endsWith("q1")) {
                    // every acknowledged publish, delivered once to each subscriber
                    assertThat(json).containsEntry(p + "acked", String.valueOf(published));
                    assertThat(json).containsEntry(p + "expected", String.valueOf(published * subs));
                    assertThat(json).containsEntry(p + "missing", "0").containsEntry(p + "duplicates", "0");
                    assertThat(json).containsEntry(p + "delivered", String.valueOf(published * subs));
                } else {
                    assertThat(Long.parseLong(json.get(p + "delivered"))).as(p).isPositive();
                }
            }
            assertThat(json)
                    .containsEntry(b + "_retained_stored", "500")
                    .containsEntry(b + "_retained_received", "500")
                    .containsEntry(b + "_retained_complete", "true");
            assertNumbers(json, b + "_", "retained_s", "retained_store_s");
            assertThat(json).containsEntry(b + "_sessions_created", "300");
            assertNumbers(json, b + "_", "sessions_s", "sessions_rss_mb", "sessions_rss_mb_before");
            assertThat(Double.parseDouble(json.get(b + "_sessions_rss_mb"))).isPositive();
        }
        assertNumbers(json, "edge_", "sessions_heap_after_gc_mb");
        for (String key : List.of("fanin_q0", "fanin_q1", "fanout_q0", "fanout_q1")) {
            assertThat(json).containsKey(key + "_ratio");
            if (mosquitto) {
                assertNumbers(json, key + "_", "ratio");
            }
        }
        assertThat(json).containsKeys("retained_time_ratio", "retained_target_met", "sessions_target_met");
        String stdout = java.nio.file.Files.readString(dir.resolve("stdout"));
        assertThat(stdout).contains("fan-out QoS 1 (1 -> " + SUBSCRIBERS + "), delivered/s", "sessions: RSS with 300");
    }

    @Test
    void help_namesTheOptions() throws Exception {
        Process p = new ProcessBuilder(command(List.of("--help")))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(out).contains("--phases", "--qos", "--subscribers", "--retained", "--sessions", "--[no-]mosquitto");
    }

    @Test
    void unknownPhase_refusedWithUsage() throws Exception {
        Process p = new ProcessBuilder(command(List.of("--phases", "fan-in,nope")))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isEqualTo(2);
        assertThat(out).contains("unknown phase 'nope'");
    }

    /**
     * The independent C generator lives outside this repository (../shared/tools) and needs gcc: where either is
     * missing the test is skipped with the reason, under CI as well (as EdgeKillsCLoadIT is), since a clean clone on
     * a fresh machine may not have the source beside it.
     */
    private static void requireOrSkip(boolean present, String what) {
        Assumptions.assumeTrue(present, what + ": bench pubsub needs the independent C load generator");
    }

    private static List<String> command(List<String> args) throws IOException {
        List<String> all = new ArrayList<>(List.of("pubsub"));
        all.addAll(args);
        return ChildJvms.command(List.of("-Xmx256m"), BenchMain.class.getName(), all);
    }
}
