package io.tributary.bench;

import io.tributary.bench.pipeline.ProcStats;
import io.tributary.sim.report.JsonWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./tributary bench pubsub}: the edge agent as a local broker against Mosquitto, the targets of issue 13. Each
 * phase runs on a fresh broker, first the edge (alone: no hub; the bench's {@code local/...} topics are not
 * forwarded), then Mosquitto, one after the other ({@link PubSubBroker}): fan-in and fan-out at QoS 0 and 1 (the C
 * generator publishes, {@link Subscribers} count what is delivered: {@link FlowPhase}), retained messages to a new
 * subscriber ({@link RetainedPhase}) and the memory of persistent sessions ({@link SessionsPhase}). Prints a table, then
 * one JSON line on stdout; progress goes to stderr. A failed phase is listed in {@code errors}; the others still run.
 */
@Command(
        name = "pubsub",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Benchmarks the edge agent as a local MQTT broker against Mosquitto (the targets of issue 13).",
            "Phases (--phases): fan-in (--publishers C-generator connections to 1 subscriber) and fan-out (1 to"
                    + " --subscribers) at each --qos, delivered messages/s counted by the subscribers; retained"
                    + " (--retained topics stored, then the time a new subscriber to # takes to get them all); sessions"
                    + " (--sessions persistent sessions with a subscription each, then the broker's RSS).",
            "Each phase on a fresh broker: the edge (no hub) then Mosquitto; broker on CPU 0, generator and"
                    + " subscribers on CPU 1 (taskset). Ends with a table and one JSON line."
        })
public final class PubSubBench implements Callable<Integer> {
    static final List<String> PHASES = List.of("fan-in", "fan-out", "retained", "sessions");

    @Option(
            names = "--phases",
            split = ",",
            defaultValue = "fan-in,fan-out,retained,sessions",
            description = "Phases to run, comma-separated (default ${DEFAULT-VALUE}).")
    List<String> phases;

    @Option(
            names = "--qos",
            split = ",",
            defaultValue = "0,1",
            description = "QoS levels of fan-in and fan-out (default ${DEFAULT-VALUE}).")
    List<Integer> qosLevels;

    @Option(
            names = "--duration",
            defaultValue = "10",
            description = "Measured seconds per fan-in/fan-out run (default ${DEFAULT-VALUE}).")
    double duration;

    @Option(
            names = "--warmup",
            defaultValue = "3",
            description = "Unmeasured seconds before each (default ${DEFAULT-VALUE}).")
    double warmup;

    @Option(
            names = "--publishers",
            defaultValue = "10",
            description = "Publishing connections of fan-in (default ${DEFAULT-VALUE}).")
    int publishers;

    @Option(
            names = "--subscribers",
            defaultValue = "100",
            description = "Subscribers of fan-out (default ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(
            names = "--rate",
            defaultValue = "0",
            description = "Publishes/s of each fan-in/fan-out run, all connections together; 0: as fast as they go"
                    + " (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--retained", defaultValue = "100000", description = "Retained topics (default ${DEFAULT-VALUE}).")
    int retained;

    @Option(
            names = "--retained-qos",
            defaultValue = "1",
            description = "QoS of the new subscriber to # (default ${DEFAULT-VALUE}).")
    int retainedQos;

    @Option(
            names = "--retained-timeout",
            defaultValue = "300",
            description = "Seconds storing the retained messages may take, and again reading them (default"
                    + " ${DEFAULT-VALUE}).")
    double retainedTimeout;

    @Option(
            names = "--sessions",
            defaultValue = "10000",
            description = "Persistent sessions (default ${DEFAULT-VALUE}).")
    int sessions;

    @Option(
            names = "--session-concurrency",
            defaultValue = "200",
            description = "Sessions being created at once (default ${DEFAULT-VALUE}).")
    int sessionConcurrency;

    @Option(
            names = "--sessions-timeout",
            defaultValue = "300",
            description = "Seconds creating them may take (default ${DEFAULT-VALUE}).")
    double sessionsTimeout;

    @Option(
            names = "--settle",
            defaultValue = "3",
            description = "Seconds before the RSS is read (default ${DEFAULT-VALUE}).")
    double settle;

    @Option(
            names = "--loadgen",
            defaultValue = "auto",
            paramLabel = "auto|PATH",
            description = "auto: compile the C generator (mqtt_loadgen.c) with gcc into target/; or a built binary"
                    + " (default ${DEFAULT-VALUE}).")
    String loadgen;

    @Mixin
    BrokerBenchOptions common;

    @Spec
    CommandSpec commandSpec;

    @Override
    public Integer call() throws Exception {
        Set<String> wanted = new LinkedHashSet<>(phases);
        for (String p : wanted) {
            if (!PHASES.contains(p)) {
                throw new CommandLine.ParameterException(
                        commandSpec.commandLine(), "--phases: unknown phase '" + p + "'; known: " + PHASES);
            }
        }
        for (int q : qosLevels) {
            if (q != 0 && q != 1) {
                throw new CommandLine.ParameterException(commandSpec.commandLine(), "--qos: 0 or 1, not " + q);
            }
        }
        long started = System.nanoTime();
        List<String> notes = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int cores = Runtime.getRuntime().availableProcessors(); // before pinning narrows it to one
        // Ctrl-C stops the brokers and any generator this run started.
        BrokerBenchOptions.Run run = common.start("bench-pubsub", notes);
        Path dir = run.dir();
        Pinning pinning = run.pinning();
        Path mosquittoBin = Pinning.which("mosquitto");
        boolean runMosquitto = common.mosquittoWanted(mosquittoBin);
        JsonWriter json = new JsonWriter()
                .field("bench", "pubsub")
                .field("phases", String.join(",", wanted))
                .field("qos", qosLevels.stream().map(String::valueOf).collect(Collectors.joining(",")))
                .field("payload_bytes", common.payload)
                .field("publishers", publishers)
                .field("subscribers", subscribers)
                .field("window", common.window)
                .field("rate", rate)
                .field("duration_s", duration)
                .field("warmup_s", warmup)
                .field("retained", retained)
                .field("retained_qos", retainedQos)
                .field("sessions", sessions)
                .field("cores", cores)
                .field("pinned", pinning.enabled() && run.selfPinned())
                .field("edge_heap", common.edgeHeap)
                .field("mosquitto", runMosquitto)
                .field("load_avg_1m", ProcStats.loadAverage());
        PubSubReport report = new PubSubReport(json, notes, errors);
        try {
            CLoadGen gen = null;
            if (wanted.contains("fan-in") || wanted.contains("fan-out")) {
                gen = LoadGenerators.c(loadgen, common.loadgenSrc, pinning, dir.resolve("logs/loadgen.log"), notes);
                if (gen == null) {
                    errors.add("fan-in/fan-out: the C load generator is not available (see notes)");
                }
            }
            List<PubSubBroker.Starter> brokers = brokers(dir, pinning, runMosquitto, mosquittoBin, notes);
            System.err.printf("bench pubsub: phases %s, QoS %s; data in %s%n", wanted, qosLevels, dir);
            for (String phase : wanted) {
                runPhase(phase, brokers, gen, report);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(commandSpec.commandLine(), e.getMessage());
        } finally {
            run.end();
        }
        System.out.print(report.end((System.nanoTime() - started) / 1e9));
        return errors.isEmpty() ? 0 : 1;
    }

    private List<PubSubBroker.Starter> brokers(
            Path dir, Pinning pinning, boolean runMosquitto, Path bin, List<String> notes) {
        List<PubSubBroker.Starter> brokers = new ArrayList<>();
        brokers.add(PubSubBroker.edge(dir, common.edgeJvmOptions(), Math.max(10_000, sessions + 1_000), pinning));
        if (runMosquitto) {
            if (bin == null) {
                throw new IllegalArgumentException("--mosquitto: mosquitto is not on PATH");
            }
            brokers.add(PubSubBroker.mosquitto(bin, dir, pinning));
        } else {
            notes.add(bin == null ? "mosquitto not on PATH: no Mosquitto phases" : "--no-mosquitto");
        }
        return brokers;
    }

    /** Runs {@code phase} (at each QoS for fan-in and fan-out) on a fresh broker of each kind. */
    private void runPhase(String phase, List<PubSubBroker.Starter> brokers, CLoadGen gen, PubSubReport report) {
        switch (phase) {
            case "fan-in", "fan-out" -> {
                if (gen == null) {
                    return;
                }
                boolean in = phase.equals("fan-in");
                for (int qos : qosLevels) {
                    String key = (in ? "fanin" : "fanout") + "_q" + qos;
                    String name = phase + " QoS " + qos;
                    int conns = in ? publishers : 1;
                    int subs = in ? 1 : subscribers;
                    for (PubSubBroker.Starter starter : brokers) {
                        FlowPhase r = onBroker(
                                starter,
                                key,
                                name,
                                report.errors(),
                                b -> FlowPhase.run(
                                        name,
                                        in ? "in" : "out",
                                        b,
                                        gen,
                                        new LoadGenerator.Spec(
                                                b.port(), conns, common.window, rate, common.payload, warmup, duration),
                                        qos,
                                        subs));
                        report.flow(key, name + " (" + conns + " -> " + subs + ")", starter.key(), r);
                    }
                }
            }
            case "retained" -> {
                for (PubSubBroker.Starter starter : brokers) {
                    RetainedPhase r = onBroker(
                            starter,
                            "retained",
                            "retained",
                            report.errors(),
                            b -> RetainedPhase.run(
                                    b, retained, common.payload, retainedQos, retainedTimeout, retainedTimeout));
                    report.retained(starter.key(), r);
                }
            }
            default -> {
                for (PubSubBroker.Starter starter : brokers) {
                    SessionsPhase r = onBroker(
                            starter,
                            "sessions",
                            "sessions",
                            report.errors(),
                            b -> SessionsPhase.run(b, sessions, sessionConcurrency, sessionsTimeout, settle));
                    report.sessions(starter.key(), r);
                }
            }
        }
    }

    @FunctionalInterface
    private interface OnBroker<T> {
        T run(PubSubBroker broker) throws Exception;
    }

    /** Starts a fresh broker, runs {@code body} on it as a phase ({@link Phases}), stops it; null when it failed. */
    private <T> T onBroker(
            PubSubBroker.Starter starter, String key, String name, List<String> errors, OnBroker<T> body) {
        return Phases.run("bench pubsub", name + " (" + starter.key() + ")", errors, () -> {
            try (PubSubBroker broker = starter.start().start(key)) {
                System.err.printf(
                        "bench pubsub: %s: %s pid %d, port %d%n", name, broker.key(), broker.pid(), broker.port());
                return body.run(broker);
            }
        });
    }
}
