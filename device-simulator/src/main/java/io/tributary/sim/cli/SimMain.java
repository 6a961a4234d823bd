package io.tributary.sim.cli;

import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.protocol.cli.Cli;
import io.tributary.sim.SimConfig;
import io.tributary.sim.SimResult;
import io.tributary.sim.Simulator;
import io.tributary.sim.load.RateProfile;
import io.tributary.sim.payload.PayloadCodec;
import io.tributary.sim.report.HtmlReport;
import io.tributary.sim.report.LiveLine;
import io.tributary.sim.report.RunSummary;
import io.tributary.sim.verify.HubRecordSource;
import io.tributary.sim.verify.LiveVerification;
import io.tributary.sim.verify.VerifyReport;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code ./tributary sim}: drives virtual MQTT devices against an edge agent and reports what was acknowledged.
 * Exit codes: 0 every publish that needed an acknowledgement got a success one (and, with {@code --verify}, the
 * verifier passed); 1 otherwise (refused, failed, unacknowledged, nobody connected, lost/duplicated/reordered at the
 * hub); 2 usage error or an unreachable hub to verify against. Only {@link #main} exits the JVM.
 */
@Command(
        name = "sim",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {
            "Simulates N MQTT devices in G device groups publishing telemetry to an edge agent, paced to a total rate,",
            "and records which publishes the edge acknowledged (durable), refused or left unacknowledged.",
            "Topics: tributary/g-<group>/d-<device>/<telemetry|raw>; every payload carries device id, per-device",
            "sequence (from 0, gap-free) and send time, so a verifier can find lost, duplicated and reordered records.",
            "Prints a live line each second and a summary (stderr), one JSON summary line (stdout) and, with",
            "--report, a self-contained HTML report with throughput and latency charts."
        },
        footer = {
            "",
            "Exit codes: 0 every QoS 1/2 publish was acknowledged (and, with --verify, arrived at the hub once and in",
            "order); 1 something was refused, failed or left unacknowledged, no device could connect, or the",
            "verification failed; 2 usage error (or the hub to verify against is unreachable).",
            "Example: ./tributary sim --mqtt 127.0.0.1:1883 --devices 1000 --groups 10 --rate 5000 --duration 30 --qos 1"
        })
public final class SimMain implements Callable<Integer> {

    @Mixin
    SimOptions options = new SimOptions();

    private final PrintStream out;
    private final PrintStream err;
    private volatile Simulator running;

    SimMain(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        SimMain main = new SimMain(System.out, System.err);
        Thread hook = new Thread(main::requestStop, "sim-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        int code = main.execute(args);
        System.exit(code);
    }

    /** Parses and runs; returns the exit code. */
    public int execute(String... args) {
        return Cli.commandLine("sim", this)
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
    }

    private final CountDownLatch finished = new CountDownLatch(1);

    private void requestStop() {
        Simulator sim = running;
        if (sim != null) {
            sim.stop();
            try {
                finished.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        SimConfig config;
        try {
            config = options.toConfig();
            if (options.verify && (options.hub == null || options.hub.isBlank())) {
                throw new IllegalArgumentException("--verify needs --hub HOST:PORT (and --stream, default telemetry)");
            }
            if (!(options.verifyTimeout >= 0)) {
                throw new IllegalArgumentException("--verify-timeout must not be negative");
            }
        } catch (IllegalArgumentException e) {
            err.println("tributary sim: " + e.getMessage());
            return 2;
        }
        boolean quiet = options.jsonOnly;
        Simulator sim = new Simulator(config, s -> {
            if (!quiet) {
                err.println(LiveLine.format(s));
            }
        });
        running = sim;
        HubRecordSource source = null;
        try (ClientResources resources = options.verify ? new ClientResources(1) : null) {
            LiveVerification live = null;
            if (options.verify) {
                try {
                    source = HubRecordSource.open(
                            resources, ClientOptions.of(options.hub), options.stream, Clock.systemUTC(), nowMicros());
                } catch (HubClientException e) {
                    err.println("tributary sim: cannot verify: hub " + options.hub + ", stream " + options.stream + ": "
                            + e.getMessage());
                    return 2;
                }
                live = LiveVerification.start(sim.ledger(), source);
            }
            SimResult result = sim.run();
            Optional<VerifyReport> report = Optional.empty();
            if (live != null) {
                if (!quiet) {
                    err.printf(
                            "verifying: waiting up to %.0f s for every acknowledged record at the hub...%n",
                            options.verifyTimeout);
                }
                report = Optional.of(live.finish(duration(options.verifyTimeout), Clock.systemUTC()));
            }
            if (!quiet) {
                err.print(RunSummary.text(result, report));
            }
            if (options.report != null) {
                HtmlReport.write(options.report, result, report);
                if (!quiet) {
                    err.println("  report: " + options.report.toAbsolutePath());
                }
            }
            out.println(RunSummary.json(result, report));
            out.flush();
            return RunSummary.verdict(result, report).equals("PASS") ? 0 : 1;
        } finally {
            if (source != null) {
                source.close();
            }
            finished.countDown();
        }
    }

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    /** Convenience for tests: the parsed options' config. */
    static SimConfig parse(String... args) {
        SimMain main = new SimMain(System.out, System.err);
        new CommandLine(main).parseArgs(args);
        return main.options.toConfig();
    }

    static RateProfile profileOf(SimOptions o) {
        return switch (o.profile) {
            case "constant" -> new RateProfile.Constant(o.rate);
            case "bursty" -> new RateProfile.Bursty(o.rate, seconds(o.burstOn), seconds(o.burstOff));
            case "ramp" ->
                new RateProfile.Ramp(o.rampFrom, o.rate, seconds(o.rampSeconds > 0 ? o.rampSeconds : o.duration));
            default -> throw new IllegalArgumentException("unknown --profile " + o.profile + " (constant|bursty|ramp)");
        };
    }

    static PayloadCodec codecOf(SimOptions o) {
        return switch (o.payload) {
            case "json" -> PayloadCodec.json();
            case "raw" -> PayloadCodec.raw(o.payloadBytes);
            default -> throw new IllegalArgumentException("unknown --payload " + o.payload + " (json|raw)");
        };
    }

    private static long seconds(double s) {
        return (long) (s * 1e9);
    }

    static Duration duration(double s) {
        return Duration.ofNanos(seconds(s));
    }
}
