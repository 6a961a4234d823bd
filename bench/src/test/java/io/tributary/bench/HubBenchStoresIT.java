package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tributary.hub.store.pulsar.standalone.BrokerClassPath;
import io.tributary.testsupport.ChildJvms;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench hub --store all} end to end on tiny sizes, in a child JVM as the launcher would run it: it starts its
 * own Pulsar standalone (the only broker of this test JVM), a hub on the local store, a hub on the Pulsar store, the
 * Pulsar store without a hub and the raw Pulsar client in both modes, exits 0, and its JSON line holds every phase with
 * every record acknowledged and latencies measured. The figures themselves are not checked: this machine's speed is not
 * a test result. Skipped (failed under {@code CI=true}) when the broker's class path cannot be resolved, as the store's
 * Pulsar ITs.
 */
class HubBenchStoresIT {
    private static final Path HOME = Path.of("").toAbsolutePath().getParent(); // failsafe runs in bench/

    @TempDir
    Path dir;

    @Test
    @Timeout(600)
    void tinySizes_localPulsarAndRaw_everyPhaseMeasuresEveryRecord() throws Exception {
        brokerClassPathOrSkip();
        List<String> args =
                new ArrayList<>(List.of(("hub --store all --records 20000 --raw-records 20000 --batch 500 --shards 2"
                                + " --phase-seconds 120 --warmup-seconds 1")
                        .split(" ")));
        args.addAll(List.of("--data-dir", dir.resolve("data").toString()));
        Map<String, String> json = LastJsonLine.of(
                ChildJvms.command(List.of("-Xmx256m", "-Dtributary.home=" + HOME), BenchMain.class.getName(), args),
                dir,
                Duration.ofSeconds(540));

        assertThat(json).containsEntry("bench", "hub").containsEntry("store", "all");
        assertThat(json).containsEntry("ok", "true").containsEntry("errors", "");
        for (String target : List.of("local", "pulsar", "direct", "raw", "raw_records")) {
            for (String phase : List.of("max", "half")) {
                String p = target + "_" + phase + "_";
                assertThat(json)
                        .as(p)
                        .containsEntry(p + "records", phase.equals("max") ? "20000" : "10000")
                        .containsEntry(p + "time_up", "false");
                for (String key : List.of("records_per_s", "ack_p50_ms", "ack_p99_ms")) {
                    assertThat(Double.parseDouble(json.get(p + key)))
                            .as(p + key)
                            .isPositive();
                }
                assertThat(json.get(p + "client_cpu_s_per_million")).as(p).matches("\\d+\\.\\d+");
                assertThat(json.get(p + "hub_cpu_s_per_million"))
                        .as(p + "hub CPU")
                        .matches(target.equals("local") || target.equals("pulsar") ? "\\d+\\.\\d+" : "null");
                assertThat(json.get(p + "broker_cpu_s_per_million"))
                        .as(p + "broker CPU")
                        .matches(target.equals("local") ? "null" : "\\d+\\.\\d+");
            }
            assertThat(Long.parseLong(json.get(target + "_half_offered_rate")))
                    .as("half of the max phase's rate")
                    .isCloseTo(Math.round(Double.parseDouble(json.get(target + "_max_records_per_s")) / 2), within(1L));
        }
        assertThat(json.get("pulsar_vs_raw_throughput")).matches("\\d+\\.\\d+");
        assertThat(json.get("pulsar_vs_raw_half_ack_p99")).matches("\\d+\\.\\d+");
        assertThat(json.get("pulsar_vs_raw_records_throughput")).matches("\\d+\\.\\d+");
        assertThat(json.get("pulsar_vs_raw_records_half_ack_p99")).matches("\\d+\\.\\d+");
        assertThat(json.get("direct_vs_raw_throughput")).matches("\\d+\\.\\d+");
        assertThat(json.get("direct_vs_raw_half_ack_p99")).matches("\\d+\\.\\d+");
    }

    private static void brokerClassPathOrSkip() {
        try {
            BrokerClassPath.resolve(
                    HOME.resolve("cloud-hub/store-pulsar/pulsar-broker/pom.xml"),
                    HOME.resolve("mvnw"),
                    HOME.resolve("cloud-hub/store-pulsar/target/pulsar"));
        } catch (IOException e) {
            String message = "Pulsar broker class path not resolved, HubBenchStoresIT skipped: " + e.getMessage();
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(message + " (CI=true: the Pulsar ITs must run)", e);
            }
            System.err.println("WARNING: " + message);
            Assumptions.abort(message);
        }
    }
}
