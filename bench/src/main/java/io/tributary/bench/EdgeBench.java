package io.tributary.bench;

import io.tributary.bench.pipeline.ProcStats;
import io.tributary.sim.report.JsonWriter;
import io.tributary.testsupport.MosquittoBroker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./tributary bench edge}: the edge agent's MQTT ingest (every PUBACK after fsync) under an independent load
 * generator, against Mosquitto under the same load, its memory with many idle connections, and the drain of a large
 * backlog to a hub while live ingest continues. Hub and edge are child JVMs ({@link EdgeRig}); phases run one after
 * another, each bounded in time and count; a failed phase is reported in {@code errors} and the others still run.
 * Ends with one JSON line on stdout; progress goes to stderr.
 */
@Command(
        name = "edge",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Benchmarks the edge agent: 100-byte QoS 1 publishes from 10 connections, every PUBACK after fsync.",
            "Phases: edge RSS with --idle-connections idle connections (fresh edge); as fast as the window allows;"
                    + " paced at --rate; the same two against Mosquitto (acks without fsync); RSS with the idle"
                    + " connections again (after the load); drain of a --backlog of records to a hub that was down,"
                    + " while a live load of --drain-live-rate continues.",
            "Edge on CPU 0, load generator and hub on CPU 1 (taskset). Edge CPU-seconds per million records per"
                    + " phase. Ends with one JSON line."
        })
public final class EdgeBench implements Callable<Integer> {
    @Option(
            names = "--duration",
            defaultValue = "10",
            description = "Measured seconds per load phase (default ${DEFAULT-VALUE}).")
    double duration;

    @Option(
            names = "--warmup",
            defaultValue = "5",
            description = "Unmeasured seconds before each (default ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--conns", defaultValue = "10", description = "Publishing connections (default ${DEFAULT-VALUE}).")
    int conns;

    @Option(
            names = "--rate",
            defaultValue = "50000",
            description = "Publishes/s of the paced phase (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(
            names = "--loadgen",
            defaultValue = "auto",
            paramLabel = "auto|java|PATH",
            description = "auto: compile the C generator (mqtt_loadgen.c) with gcc into target/, else the Java one;"
                    + " java; or a built C generator binary (default ${DEFAULT-VALUE}).")
    String loadgen;

    @Option(
            names = "--idle-connections",
            defaultValue = "10000",
            description = "Idle connections for the RSS figure; 0 skips (default ${DEFAULT-VALUE}).")
    int idleConnections;

    @Option(
            names = "--idle-settle",
            defaultValue = "3",
            description = "Seconds they stay open before RSS is read (default ${DEFAULT-VALUE}).")
    double idleSettle;

    @Option(
            names = "--backlog",
            defaultValue = "10000000",
            description = "Records buffered while the hub is down, then drained; 0 skips (default ${DEFAULT-VALUE}).")
    long backlog;

    @Option(
            names = "--fill-timeout",
            defaultValue = "900",
            description = "Seconds the backlog may take to fill at most (default ${DEFAULT-VALUE}).")
    double fillTimeout;

    @Option(
            names = "--drain-timeout",
            defaultValue = "600",
            description = "Seconds the drain may take at most (default ${DEFAULT-VALUE}).")
    double drainTimeout;

    @Option(
            names = "--drain-live-rate",
            defaultValue = "5000",
            description = "Live publishes/s during the drain (default ${DEFAULT-VALUE}).")
    double drainLiveRate;

    @Option(names = "--hub-heap", defaultValue = "1g", description = "Hub -Xmx (default ${DEFAULT-VALUE}).")
    String hubHeap;

    @Option(
            names = "--shards",
            defaultValue = "4",
            description = "Shards of the hub stream (default ${DEFAULT-VALUE}).")
    int shards;

    @Mixin
    BrokerBenchOptions common;

    @Spec
    CommandSpec commandSpec;

    @Override
    public Integer call() throws Exception {
        long started = System.nanoTime();
        List<String> notes = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        int cores = Runtime.getRuntime().availableProcessors();
        // Ctrl-C stops the hub, the edge agent, Mosquitto and any generator this run started.
        BrokerBenchOptions.Run run = common.start("bench-edge", notes);
        Path dir = run.dir();
        Pinning pinning = run.pinning();
        LoadGenerator gen;
        try {
            gen = LoadGenerators.choose(loadgen, common.loadgenSrc, pinning, dir.resolve("logs/loadgen.log"), notes);
        } catch (IllegalArgumentException e) {
            run.end();
            throw new CommandLine.ParameterException(commandSpec.commandLine(), e.getMessage());
        }
        Path mosquittoBin = Pinning.which("mosquitto");
        boolean runMosquitto = common.mosquittoWanted(mosquittoBin);
        JsonWriter json = new JsonWriter()
                .field("bench", "edge")
                .field("loadgen", gen.name())
                .field("conns", conns)
                .field("window", common.window)
                .field("payload_bytes", common.payload)
                .field("duration_s", duration)
                .field("warmup_s", warmup)
                .field("cores", cores)
                .field("pinned", pinning.enabled() && run.selfPinned())
                .field("edge_heap", common.edgeHeap)
                .field("load_avg_1m", ProcStats.loadAverage());
        System.err.printf(
                "bench edge: %s load generator, %d connections, window %d, %d-byte QoS 1; data in %s%n",
                gen.name(), conns, common.window, common.payload, dir);
        List<String> edgeOpts = common.edgeJvmOptions();
        long quotaMiB = Math.max(1024, backlog * 512 / (1 << 20) + 1024); // ~512 bytes per record, plus 1 GiB
        try (EdgeRig rig = EdgeRig.start(
                dir, new EdgeRig.Settings(edgeOpts, List.of("-Xmx" + hubHeap), quotaMiB, shards, pinning))) {
            long edgePid = rig.edge().pid();
            System.err.printf(
                    "bench edge: hub pid %d, edge pid %d (MQTT port %d)%n",
                    rig.hub().pid(), edgePid, rig.mqttPort());
            LoadGenerator.Spec spec =
                    new LoadGenerator.Spec(rig.mqttPort(), conns, common.window, 0, common.payload, warmup, duration);
            idlePhase("idle connections (fresh edge)", "idle_fresh_", json, rig, notes, errors);
            Measured max = Phases.run("edge, max", errors, () -> Measured.run(gen, spec, edgePid));
            Measured paced = Phases.run("edge, paced", errors, () -> Measured.run(gen, spec.withRate(rate), edgePid));
            Measured.json(json, "max_", max);
            json.field("paced_target", rate);
            Measured.json(json, "paced_", paced);
            json.field("mosquitto", runMosquitto);
            if (runMosquitto) {
                mosquittoPhases(json, gen, spec, mosquittoBin, dir, pinning, max, paced, errors);
            }
            idlePhase("idle connections (after the load phases)", "idle_", json, rig, notes, errors);
            if (backlog > 0) {
                DrainPhase drain = Phases.run(
                        "drain",
                        errors,
                        () -> DrainPhase.run(rig, gen, spec, backlog, fillTimeout, drainTimeout, drainLiveRate));
                if (drain != null) {
                    drain.json(json);
                }
            }
            json.field("edge_rss_mb_end", ProcStats.mb(rig.edge().residentBytes()));
        } catch (java.io.IOException | RuntimeException e) {
            errors.add("hub/edge: " + e.getMessage());
            System.err.println("bench edge: could not run the hub and edge agent: " + e);
        } finally {
            run.end();
        }
        json.field("load_avg_1m_end", ProcStats.loadAverage())
                .field("elapsed_s", (System.nanoTime() - started) / 1e9)
                .field("notes", String.join("; ", notes))
                .field("errors", String.join("; ", errors))
                .field("ok", errors.isEmpty());
        System.out.println(json.end());
        return errors.isEmpty() ? 0 : 1;
    }

    /** RSS of the edge with {@code --idle-connections} idle connections; the JSON fields start with {@code prefix}. */
    private void idlePhase(
            String name, String prefix, JsonWriter json, EdgeRig rig, List<String> notes, List<String> errors) {
        if (idleConnections <= 0) {
            return;
        }
        IdlePhase idle = Phases.run(
                name, errors, () -> IdlePhase.run(rig.edge().pid(), rig.mqttPort(), idleConnections, idleSettle, 300));
        if (idle != null) {
            idle.json(json, prefix);
            if (idle.note() != null) {
                notes.add(name + ": " + idle.note());
            }
        }
    }

    private void mosquittoPhases(
            JsonWriter json,
            LoadGenerator gen,
            LoadGenerator.Spec spec,
            Path bin,
            Path dir,
            Pinning pinning,
            Measured edgeMax,
            Measured edgePaced,
            List<String> errors) {
        if (bin == null) {
            errors.add("mosquitto: not on PATH");
            return;
        }
        Measured[] m = new Measured[2];
        Phases.run("mosquitto", errors, () -> {
            try (MosquittoBroker broker = MosquittoBroker.start(bin, dir.resolve("mosquitto"), pinning.broker())) {
                LoadGenerator.Spec s = spec.withPort(broker.port());
                m[0] = Measured.run(gen, s, broker.pid());
                m[1] = Measured.run(gen, s.withRate(rate), broker.pid());
            }
            for (Measured x : m) {
                System.err.printf("bench edge: mosquitto: %s%n", x.describe());
            }
            return m;
        });
        Measured.json(json, "mosq_max_", m[0]);
        Measured.json(json, "mosq_paced_", m[1]);
        json.field("edge_to_mosquitto_max_ratio", Measured.ratio(edgeMax, m[0]))
                .field("edge_to_mosquitto_paced_ratio", Measured.ratio(edgePaced, m[1]));
    }
}
