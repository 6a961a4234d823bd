package io.tributary.bench.demo;

import io.tributary.bench.pipeline.LocalPipeline;
import io.tributary.bench.pipeline.ReplicaLagSampler;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.protocol.cli.Cli;
import io.tributary.sim.SimConfig;
import io.tributary.sim.SimResult;
import io.tributary.sim.Simulator;
import io.tributary.sim.load.RateProfile;
import io.tributary.sim.report.HtmlReport;
import io.tributary.sim.report.JsonWriter;
import io.tributary.sim.report.LiveLine;
import io.tributary.sim.report.RunSummary;
import io.tributary.sim.verify.HubRecordSource;
import io.tributary.sim.verify.LiveVerification;
import io.tributary.sim.verify.VerifyReport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./tributary demo}: the whole pipeline on this machine in one command. Starts two hubs (regions eu and us:
 * the stream's home and its replica) and an edge agent as child processes ({@link LocalPipeline}), runs the simulator
 * in-process against the edge (QoS 1) while a verifier reads the stream back from the home hub and the replica's lag
 * is sampled, then checks the replica ({@link ReplicaCheck}), prints the verdict, where data, logs and report are, and
 * one JSON line. {@code --regions 1}: one hub, no replica. Exit codes: 0 nothing acknowledged was lost and nothing
 * duplicated, at either hub, and the replica holds what the home holds; 1 otherwise; 2 usage error or a process that
 * would not start. Ctrl-C stops the load, and a shutdown hook stops the children. Only {@link #main} exits.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {
            "Runs the whole pipeline locally: two hubs in regions eu and us, a stream 'telemetry' (4 shards) homed in",
            "eu and replicated to us (ack level local), an edge agent pointed at both hubs, simulated MQTT devices",
            "publishing through the edge (QoS 1), and a verifier reading every record back from the eu hub. Then it",
            "checks the replica: it caught up, holds every record exactly once (read back from the us hub), and",
            "stores the same batches at the same sequence numbers as eu (per shard SHA-256, after both stopped).",
            "Prints progress each second (with the replica's lag), the verdict (lost, duplicated, out of order,",
            "end-to-end latency, replication lag per shard), where the data, logs and HTML report are, and one JSON",
            "line on stdout. --regions 1 runs a single hub instead."
        },
        footer = {
            "",
            "Exit codes: 0 nothing lost and nothing duplicated (with two regions: at both hubs, and the replica stores"
                    + " what the home stores); 1 otherwise; 2 usage error or start failure."
        })
public final class DemoMain implements Callable<Integer> {
    private static final String HOME = "eu";
    private static final String REPLICA = "us";

    @Option(names = "--devices", description = "Simulated devices (default ${DEFAULT-VALUE}).")
    int devices = 1_000;

    @Option(names = "--groups", description = "Device groups (default ${DEFAULT-VALUE}).")
    int groups = 10;

    @Option(names = "--rate", description = "Publishes per second, all devices (default ${DEFAULT-VALUE}).")
    double rate = 2_000;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "Load phase (default ${DEFAULT-VALUE}).")
    double duration = 20;

    @Option(
            names = "--regions",
            paramLabel = "1|2",
            description = "2 (default): hubs in regions eu (the stream's home) and us (its replica), verified at both;"
                    + " 1: a single hub.")
    int regions = 2;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Where data, logs and the report go (default: a new temporary directory).")
    Path dataDir;

    @Option(
            names = "--keep",
            description = "Keep the hubs' and edge's data afterwards (logs and report are always kept).")
    boolean keep;

    private final PrintStream out;
    private final PrintStream err;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile Simulator running;
    private volatile LocalPipeline pipeline;

    DemoMain(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        DemoMain demo = new DemoMain(System.out, System.err);
        Runtime.getRuntime().addShutdownHook(new Thread(demo::onShutdown, "demo-shutdown"));
        System.exit(demo.execute(args));
    }

    int execute(String... args) {
        try {
            return Cli.commandLine("demo", this)
                    .setOut(new java.io.PrintWriter(out, true))
                    .setErr(new java.io.PrintWriter(err, true))
                    .execute(args);
        } finally {
            // --help, --version and usage errors never reach call(): the shutdown hook must not wait for a run.
            finished.countDown();
        }
    }

    /** Ctrl-C: stop the load, give the run a moment to wrap up, then stop the children whatever happened. */
    private void onShutdown() {
        Simulator sim = running;
        if (sim != null) {
            sim.stop();
        }
        try {
            finished.await(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LocalPipeline p = pipeline;
        if (p != null) {
            p.close();
        }
    }

    @Override
    public Integer call() throws Exception {
        try {
            return run();
        } finally {
            finished.countDown();
        }
    }

    private int run() throws Exception {
        try {
            simConfig(1); // validates the flags before any process starts
            if (regions != 1 && regions != 2) {
                throw new IllegalArgumentException("--regions must be 1 or 2, was " + regions);
            }
        } catch (IllegalArgumentException e) {
            err.println("tributary demo: " + e.getMessage());
            return 2;
        }
        Path dir = (dataDir != null ? Files.createDirectories(dataDir) : Files.createTempDirectory("tributary-demo-"))
                .toAbsolutePath();
        LocalPipeline.Settings settings = LocalPipeline.Settings.defaults();
        if (regions == 2) {
            settings = settings.withRegions(HOME, REPLICA);
            err.println("tributary demo: starting two hubs (regions " + HOME + " and " + REPLICA
                    + ") and an edge agent in " + dir + " ...");
        } else {
            err.println("tributary demo: starting a hub and an edge agent in " + dir + " ...");
        }
        LocalPipeline p;
        try {
            p = LocalPipeline.start(dir, settings);
        } catch (IOException | RuntimeException e) {
            err.println("tributary demo: could not start the pipeline: " + e.getMessage() + " (logs: "
                    + dir.resolve("logs") + ")");
            return 2;
        }
        pipeline = p;
        try (p;
                ClientResources resources = new ClientResources(1)) {
            if (regions == 2) {
                err.printf(
                        "hub %s on 127.0.0.1:%d: home of stream '%s' (4 shards), replicated to hub %s on 127.0.0.1:%d"
                                + " (ack level local)%nedge agent MQTT on 127.0.0.1:%d, forwarding to both hubs (%s"
                                + " first)%n",
                        HOME, p.hubPort(), p.stream(), REPLICA, p.replicaPort(), p.mqttPort(), HOME);
            } else {
                err.printf(
                        "hub on 127.0.0.1:%d, stream '%s' (4 shards); edge agent MQTT on 127.0.0.1:%d%n",
                        p.hubPort(), p.stream(), p.mqttPort());
            }
            err.printf(
                    "%,d devices in %,d groups publish %,.0f msg/s for %.0f s (QoS 1); the verifier reads the"
                            + " stream back from the hub%s%n",
                    devices, groups, rate, duration, regions == 2 ? " " + HOME : "");
            SimConfig target = simConfig(p.mqttPort());
            VerifyReport report;
            SimResult result;
            ReplicaCheck replica = null;
            long notBefore = nowMicros();
            try (HubRecordSource source = HubRecordSource.open(
                            resources, p.clientOptions(), p.stream(), Clock.systemUTC(), notBefore);
                    ReplicaLagSampler lag = regions == 2
                            ? ReplicaLagSampler.start(
                                    resources, p.clientOptions(), p.stream(), REPLICA, ReplicaCheck.SAMPLE_PERIOD)
                            : null) {
                LiveVerification[] live = new LiveVerification[1];
                Simulator sim = new Simulator(
                        target,
                        s -> err.println(LiveLine.format(s)
                                + String.format(Locale.ROOT, "  at hub %,d", live[0] == null ? 0 : live[0].observed())
                                + (lag == null ? "" : "  " + lag.brief())));
                live[0] = LiveVerification.start(sim.ledger(), source);
                running = sim;
                result = sim.run();
                err.println("load done; waiting for every acknowledged record to arrive at the hub (30 s at most)...");
                report = live[0].finish(Duration.ofSeconds(30), Clock.systemUTC());
                if (lag != null) {
                    err.println("checking the replica in region " + REPLICA
                            + ": waiting for it to catch up, then reading the stream back from it (30 s at most"
                            + " each)...");
                    replica = ReplicaCheck.whileRunning(p, resources, sim.ledger(), notBefore, lag);
                }
            }
            p.close();
            if (replica != null) {
                replica = replica.withStores(p);
            }
            Path html = dir.resolve("report.html");
            HtmlReport.write(html, result, Optional.of(report));
            boolean pass = report.lost() == 0 && report.duplicated() == 0 && (replica == null || replica.passed());
            err.print(RunSummary.text(result, Optional.of(report)));
            err.println();
            if (replica != null) {
                err.print(replica.text(HOME));
                err.println();
            }
            err.println("verdict: " + (pass ? "PASS" : "FAIL") + " (lost " + report.lost() + ", duplicated "
                    + report.duplicated() + ", out of order " + report.outOfOrder()
                    + (replica == null
                            ? ""
                            : "; at " + REPLICA + ": lost " + replica.report().lost() + ", duplicated "
                                    + replica.report().duplicated() + ", "
                                    + (replica.identical() ? "same batches as " + HOME : "NOT the same as " + HOME))
                    + ")");
            List<Path> data = new ArrayList<>(List.of(dir.resolve("hub")));
            if (replica != null) {
                data.add(p.replicaHubDir());
            }
            data.add(dir.resolve("edge"));
            boolean deleted = !keep && pass;
            if (deleted) {
                data.forEach(this::deleteTree);
            }
            err.println("data:   " + data.stream().map(Path::toString).collect(Collectors.joining(", "))
                    + " (hub shards" + (replica == null ? "" : " of " + HOME + " and " + REPLICA) + ", edge buffer)"
                    + (deleted ? " - deleted; --keep keeps them" : ""));
            err.println(
                    "logs:   " + p.hubLog() + (replica == null ? "" : ", " + p.replicaHubLog()) + ", " + p.edgeLog());
            err.println("report: " + html);
            JsonWriter json = new JsonWriter()
                    .field("type", "tributary-demo")
                    .field("verdict", pass ? "PASS" : "FAIL")
                    .field("regions", regions)
                    .field("devices", devices)
                    .field("published", result.published())
                    .field("acked", result.acked())
                    .field("observed", report.observedTotal())
                    .field("lost", report.lost())
                    .field("duplicated", report.duplicated())
                    .field("out_of_order", report.outOfOrder())
                    .field("e2e_p50_ms", report.endToEnd().p50Ms())
                    .field("e2e_p99_ms", report.endToEnd().p99Ms());
            if (replica != null) {
                replica.json(json);
            }
            out.println(json.field("dir", dir.toString())
                    .field("report", html.toString())
                    .end());
            out.flush();
            return pass ? 0 : 1;
        }
    }

    private SimConfig simConfig(int mqttPort) {
        return SimConfig.builder("127.0.0.1", mqttPort)
                .devices(devices)
                .groups(groups)
                .qos(1)
                .profile(new RateProfile.Constant(rate))
                .duration(Duration.ofNanos((long) (duration * 1e9)))
                .build();
    }

    private static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    private void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            err.println("could not delete " + root + ": " + e.getMessage());
        }
    }
}
