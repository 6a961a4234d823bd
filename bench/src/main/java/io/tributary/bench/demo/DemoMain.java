package io.tributary.bench.demo;

import io.tributary.bench.pipeline.LocalPipeline;
import io.tributary.hub.client.core.ClientResources;
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
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./tributary demo}: the whole pipeline on this machine in one command. Starts a hub and an edge agent as
 * child processes ({@link LocalPipeline}), runs the simulator in-process against the edge (QoS 1) while a verifier
 * reads the stream back from the hub, prints the verdict, where data, logs and report are, and one JSON line. Exit
 * codes: 0 nothing acknowledged was lost and nothing duplicated; 1 otherwise; 2 usage error or a process that would
 * not start. Ctrl-C stops the load, and a shutdown hook stops both children. Only {@link #main} exits.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {
            "Runs the whole pipeline locally: a hub, a stream 'telemetry' (4 shards), an edge agent pointed at it,",
            "simulated MQTT devices publishing through the edge (QoS 1), and a verifier reading every record back",
            "from the hub. Prints progress each second, the verdict (lost, duplicated, out of order, end-to-end",
            "latency), where the data, logs and HTML report are, and one JSON line on stdout."
        },
        footer = {"", "Exit codes: 0 nothing lost and nothing duplicated; 1 otherwise; 2 usage error or start failure."
        })
public final class DemoMain implements Callable<Integer> {

    @Option(names = "--devices", description = "Simulated devices (default ${DEFAULT-VALUE}).")
    int devices = 1_000;

    @Option(names = "--groups", description = "Device groups (default ${DEFAULT-VALUE}).")
    int groups = 10;

    @Option(names = "--rate", description = "Publishes per second, all devices (default ${DEFAULT-VALUE}).")
    double rate = 2_000;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "Load phase (default ${DEFAULT-VALUE}).")
    double duration = 20;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Where data, logs and the report go (default: a new temporary directory).")
    Path dataDir;

    @Option(
            names = "--keep",
            description = "Keep the hub's and edge's data afterwards (logs and report are always kept).")
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
        return new CommandLine(this)
                .setOut(new java.io.PrintWriter(out, true))
                .setErr(new java.io.PrintWriter(err, true))
                .execute(args);
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
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        Path dir = (dataDir != null ? Files.createDirectories(dataDir) : Files.createTempDirectory("tributary-demo-"))
                .toAbsolutePath();
        err.println("tributary demo: starting a hub and an edge agent in " + dir + " ...");
        LocalPipeline p;
        try {
            p = LocalPipeline.start(dir, LocalPipeline.Settings.defaults());
        } catch (IOException | RuntimeException e) {
            err.println("could not start the pipeline: " + e.getMessage());
            err.println("logs: " + dir.resolve("logs"));
            return 2;
        }
        pipeline = p;
        try (p;
                ClientResources resources = new ClientResources(1)) {
            err.printf(
                    "hub on 127.0.0.1:%d, stream '%s' (4 shards); edge agent MQTT on 127.0.0.1:%d%n"
                            + "%,d devices in %,d groups publish %,.0f msg/s for %.0f s (QoS 1); the verifier reads the"
                            + " stream back from the hub%n",
                    p.hubPort(), p.stream(), p.mqttPort(), devices, groups, rate, duration);
            SimConfig target = simConfig(p.mqttPort());
            VerifyReport report;
            SimResult result;
            try (HubRecordSource source =
                    HubRecordSource.open(resources, p.clientOptions(), p.stream(), Clock.systemUTC(), nowMicros())) {
                LiveVerification[] live = new LiveVerification[1];
                Simulator sim = new Simulator(
                        target,
                        s -> err.println(LiveLine.format(s)
                                + String.format(
                                        Locale.ROOT, "  at hub %,d", live[0] == null ? 0 : live[0].observed())));
                live[0] = LiveVerification.start(sim.ledger(), source);
                running = sim;
                result = sim.run();
                err.println("load done; waiting for every acknowledged record to arrive at the hub (30 s at most)...");
                report = live[0].finish(Duration.ofSeconds(30), Clock.systemUTC());
            }
            Path html = dir.resolve("report.html");
            HtmlReport.write(html, result, Optional.of(report));
            boolean pass = report.lost() == 0 && report.duplicated() == 0;
            err.print(RunSummary.text(result, Optional.of(report)));
            err.println();
            err.println("verdict: " + (pass ? "PASS" : "FAIL") + " (lost " + report.lost() + ", duplicated "
                    + report.duplicated() + ", out of order " + report.outOfOrder() + ")");
            p.close();
            boolean deleted = !keep && pass;
            if (deleted) {
                deleteTree(dir.resolve("hub"));
                deleteTree(dir.resolve("edge"));
            }
            err.println("data:   " + dir.resolve("hub") + " (hub shards), " + dir.resolve("edge") + " (edge buffer)"
                    + (deleted ? " - deleted; --keep keeps them" : ""));
            err.println("logs:   " + p.hubLog() + ", " + p.edgeLog());
            err.println("report: " + html);
            out.println(new JsonWriter()
                    .field("type", "tributary-demo")
                    .field("verdict", pass ? "PASS" : "FAIL")
                    .field("devices", devices)
                    .field("published", result.published())
                    .field("acked", result.acked())
                    .field("observed", report.observedTotal())
                    .field("lost", report.lost())
                    .field("duplicated", report.duplicated())
                    .field("out_of_order", report.outOfOrder())
                    .field("e2e_p50_ms", report.endToEnd().p50Ms())
                    .field("e2e_p99_ms", report.endToEnd().p99Ms())
                    .field("dir", dir.toString())
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
