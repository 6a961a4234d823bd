package io.tributary.bench;

import io.tributary.bench.pipeline.LocalPipeline;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.sim.SimConfig;
import io.tributary.sim.SimResult;
import io.tributary.sim.Simulator;
import io.tributary.sim.load.RateProfile;
import io.tributary.sim.report.JsonWriter;
import io.tributary.sim.verify.HubRecordSource;
import io.tributary.sim.verify.LiveVerification;
import io.tributary.sim.verify.ObservedRecord;
import io.tributary.sim.verify.RecordSource;
import io.tributary.sim.verify.VerifyReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./tributary bench e2e}: devices → edge agent → hub → consumer on loopback, with the hub and the edge agent as
 * child JVMs (their CPU measured alone) and the simulator and the verifier in this process. Phase 1 offers a fixed
 * rate and reports device → consumer latency percentiles; phase 2 offers as much as the pipeline acknowledges and
 * reports the sustained end-to-end rate. Every phase is verified (lost, duplicated, out of order). Ends with one JSON
 * line.
 */
@Command(
        name = "e2e",
        mixinStandardHelpOptions = true,
        description = {
            "End-to-end benchmark: simulated MQTT devices (QoS 1) -> edge agent -> hub -> stream reader, on loopback.",
            "Phase 1: device-to-consumer latency at --rate. Phase 2: sustained maximum end-to-end throughput.",
            "Reports CPU-seconds per million messages of the edge agent and the hub. Ends with one JSON line."
        })
public final class E2eBench implements Callable<Integer> {
    @Option(names = "--rate", defaultValue = "20000", description = "Phase 1 offered msg/s (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--duration", defaultValue = "20", description = "Seconds per measured phase.")
    double duration;

    @Option(names = "--warmup", defaultValue = "5", description = "Seconds of unmeasured load first (JIT).")
    double warmup;

    @Option(names = "--devices", defaultValue = "1000", description = "Simulated devices.")
    int devices;

    @Option(names = "--groups", defaultValue = "10", description = "Device groups (lanes at the edge).")
    int groups;

    @Option(names = "--shards", defaultValue = "4", description = "Shards of the stream.")
    int shards;

    @Option(names = "--max-inflight", defaultValue = "20000", description = "Unacknowledged publishes at most.")
    int maxInflight;

    @Option(names = "--skip-max", description = "Skip phase 2 (maximum throughput).")
    boolean skipMax;

    @Option(names = "--data-dir", description = "Where hub, edge and logs go (default: a temporary dir, deleted).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        Path dir =
                dataDir != null ? Files.createDirectories(dataDir) : Files.createTempDirectory("tributary-bench-e2e");
        LocalPipeline.Settings settings = LocalPipeline.Settings.defaults()
                .withShards(shards)
                .withJvmOptions(List.of("-Xmx1g", "-XX:+UseParallelGC"))
                .withMetrics(); // the latency budget is read from both processes' /metrics
        System.err.printf(
                "bench e2e: %,d devices in %d groups, QoS 1, %d shards; phase 1 at %,.0f msg/s for %.0f s; data in %s%n",
                devices, groups, shards, rate, duration, dir);
        JsonWriter json = new JsonWriter()
                .field("bench", "e2e")
                .field("devices", devices)
                .field("groups", groups)
                .field("shards", shards)
                .field("cores", Runtime.getRuntime().availableProcessors())
                .field("load_avg_1m", loadAverage());
        boolean clean;
        try (LocalPipeline pipeline = LocalPipeline.start(dir, settings);
                ClientResources resources = new ClientResources(1)) {
            if (warmup > 0) {
                phase(pipeline, resources, rate, warmup, "warm-up");
            }
            Phase fixed = phase(pipeline, resources, rate, duration, "phase 1");
            fixed.print("phase 1 (fixed rate)");
            fixed.json(json, "rate_");
            clean = fixed.report.passed();
            if (!skipMax) {
                Phase max = phase(pipeline, resources, 1_000_000, duration, "phase 2");
                max.print("phase 2 (max throughput)");
                max.json(json, "max_");
                clean &= max.report.passed();
            }
        } finally {
            if (dataDir == null) {
                deleteTree(dir);
            }
        }
        json.field("verified", clean);
        System.out.println(json.end());
        return clean ? 0 : 1;
    }

    /** One measured run: its result, verdict, end-to-end span and the children's CPU. */
    private record Phase(
            double offered,
            SimResult result,
            VerifyReport report,
            double e2eSeconds,
            double edgeCpu,
            double hubCpu,
            List<LatencyBudget.Row> budget) {

        double e2eRate() {
            return e2eSeconds <= 0 ? 0 : report.observedTotal() / e2eSeconds;
        }

        double perMillion(double cpu) {
            return report.observedTotal() == 0 ? 0 : cpu / report.observedTotal() * 1e6;
        }

        void print(String name) {
            System.err.printf(
                    "%s: offered %,.0f/s, published %,d (%,.0f/s), acked %,d, at hub %,d (%,.0f/s end to end); lost %d,"
                            + " duplicated %d, out of order %d%n"
                            + "  device->consumer ms p50 %.2f p99 %.2f p99.9 %.2f max %.2f; PUBACK ms p50 %.2f p99 %.2f%n"
                            + "  CPU-s per million: edge %.2f, hub %.2f, together %.2f%n",
                    name,
                    offered,
                    result.published(),
                    result.publishRate(),
                    result.acked(),
                    report.observedTotal(),
                    e2eRate(),
                    report.lost(),
                    report.duplicated(),
                    report.outOfOrder(),
                    report.endToEnd().p50Ms(),
                    report.endToEnd().p99Ms(),
                    report.endToEnd().p999Ms(),
                    report.endToEnd().maxMs(),
                    result.ackLatency().p50Ms(),
                    result.ackLatency().p99Ms(),
                    perMillion(edgeCpu),
                    perMillion(hubCpu),
                    perMillion(edgeCpu + hubCpu));
            System.err.println("  latency budget (ms; count = events in the phase):");
            for (LatencyBudget.Row r : budget) {
                System.err.printf(
                        "    %-42s p50 %8.2f  p99 %8.2f  count %,10.0f  (%s)%n",
                        r.stage().label(), r.p50Ms(), r.p99Ms(), r.count(), r.source());
            }
            System.err.printf(
                    "    %-42s p50 %8.2f  p99 %8.2f%n",
                    "device send -> consumer (end to end)",
                    report.endToEnd().p50Ms(),
                    report.endToEnd().p99Ms());
        }

        void json(JsonWriter w, String prefix) {
            w.field(prefix + "offered", offered)
                    .field(prefix + "published_per_s", result.publishRate())
                    .field(prefix + "observed", report.observedTotal())
                    .field(prefix + "e2e_per_s", e2eRate())
                    .field(prefix + "lost", report.lost())
                    .field(prefix + "duplicated", report.duplicated())
                    .field(prefix + "out_of_order", report.outOfOrder())
                    .field(prefix + "e2e_p50_ms", report.endToEnd().p50Ms())
                    .field(prefix + "e2e_p99_ms", report.endToEnd().p99Ms())
                    .field(prefix + "e2e_p999_ms", report.endToEnd().p999Ms())
                    .field(prefix + "e2e_max_ms", report.endToEnd().maxMs())
                    .field(prefix + "puback_p99_ms", result.ackLatency().p99Ms())
                    .field(prefix + "edge_cpu_s_per_million", perMillion(edgeCpu))
                    .field(prefix + "hub_cpu_s_per_million", perMillion(hubCpu))
                    .field(prefix + "edge_hub_cpu_s_per_million", perMillion(edgeCpu + hubCpu));
            for (LatencyBudget.Row r : budget) {
                w.field(prefix + "budget_" + r.stage().key() + "_p50_ms", r.p50Ms())
                        .field(prefix + "budget_" + r.stage().key() + "_p99_ms", r.p99Ms());
            }
        }
    }

    private Phase phase(LocalPipeline p, ClientResources resources, double offered, double seconds, String name)
            throws Exception {
        System.err.printf("%s: %,.0f msg/s offered for %.0f s...%n", name, offered, seconds);
        SimConfig config = SimConfig.builder("127.0.0.1", p.mqttPort())
                .devices(devices)
                .groups(groups)
                .qos(1)
                .profile(new RateProfile.Constant(offered))
                .duration(Duration.ofNanos((long) (seconds * 1e9)))
                .maxInflight(maxInflight)
                .drainTimeout(Duration.ofSeconds(30))
                .build();
        Simulator sim = new Simulator(config, s -> {});
        double edge0 = p.edge().cpuSeconds();
        double hub0 = p.hub().cpuSeconds();
        Map<String, String> before =
                LatencyBudget.scrape(p.edge().metricsPort(), p.hub().metricsPort());
        try (HubRecordSource hub =
                HubRecordSource.open(resources, p.clientOptions(), p.stream(), Clock.systemUTC(), nowMicros())) {
            Span span = new Span(hub);
            LiveVerification live = LiveVerification.start(sim.ledger(), span);
            SimResult result = sim.run();
            VerifyReport report = live.finish(Duration.ofSeconds(60), Clock.systemUTC());
            List<LatencyBudget.Row> budget = LatencyBudget.rows(
                    before, LatencyBudget.scrape(p.edge().metricsPort(), p.hub().metricsPort()));
            return new Phase(
                    offered,
                    result,
                    report,
                    span.seconds(),
                    p.edge().cpuSeconds() - edge0,
                    p.hub().cpuSeconds() - hub0,
                    budget);
        }
    }

    /** Passes records through, noting the first send time and the last observe time (the end-to-end span). */
    private static final class Span implements RecordSource {
        private final RecordSource inner;
        private long firstSend = Long.MAX_VALUE;
        private long lastObserve = Long.MIN_VALUE;

        Span(RecordSource inner) {
            this.inner = inner;
        }

        @Override
        public int poll(Duration timeout, Consumer<ObservedRecord> sink) throws Exception {
            return inner.poll(timeout, r -> {
                firstSend = Math.min(firstSend, r.sendTimeMicros());
                lastObserve = Math.max(lastObserve, r.observeTimeMicros());
                sink.accept(r);
            });
        }

        double seconds() {
            return lastObserve > firstSend ? (lastObserve - firstSend) / 1e6 : 0;
        }
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (java.io.IOException e) {
            System.err.println("could not delete " + dir + ": " + e.getMessage());
        }
    }
}
