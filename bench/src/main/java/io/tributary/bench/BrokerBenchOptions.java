package io.tributary.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options {@code bench edge} and {@code bench pubsub} share (a picocli mixin): the publishes' window and payload,
 * the C generator's source, whether Mosquitto runs too, the edge agent's JVM, pinning and where the data goes; and the
 * start and end of a run that follow from them.
 */
final class BrokerBenchOptions {
    @Option(
            names = "--window",
            defaultValue = "100",
            description = "Unacknowledged QoS 1 publishes per connection (default ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--payload", defaultValue = "100", description = "Payload bytes (default ${DEFAULT-VALUE}).")
    int payload;

    @Option(
            names = "--loadgen-src",
            paramLabel = "FILE",
            description = "mqtt_loadgen.c (default: ../shared/tools or ../../shared/tools of the repository).")
    Path loadgenSrc;

    @Option(
            names = "--mosquitto",
            negatable = true,
            description = "Run the same load against Mosquitto (default: when mosquitto is on PATH).")
    Boolean mosquitto;

    @Option(names = "--edge-heap", defaultValue = "256m", description = "Edge agent -Xmx (default ${DEFAULT-VALUE}).")
    String edgeHeap;

    @Option(
            names = "--edge-jvm-opt",
            paramLabel = "OPT",
            description =
                    "Another JVM option of the edge agent (repeatable), e.g. -XX:StartFlightRecording=...;"
                            + " after the launcher's defaults (deploy/config/edge.jvm.options), a collector here replaces theirs")
    List<String> edgeJvmOpts = new ArrayList<>();

    @Option(
            names = "--pin",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "Pin with taskset: edge and Mosquitto on CPU 0; load generator, subscribers, hub and this JVM"
                    + " on CPU 1 (default on).")
    boolean pin;

    @Option(names = "--data-dir", description = "Where hub, edge and logs go (default: a temporary dir, deleted).")
    Path dataDir;

    /**
     * The edge agent's JVM options: the launcher's defaults for the edge ({@link LauncherJvmDefaults}), {@code
     * -Xmx<edge-heap>}, then every {@code --edge-jvm-opt}.
     */
    List<String> edgeJvmOptions() {
        List<String> opts = new ArrayList<>(List.of("-Xmx" + edgeHeap));
        opts.addAll(edgeJvmOpts);
        return LauncherJvmDefaults.withDefaults("edge", opts);
    }

    /** Whether Mosquitto runs: as asked, else when {@code bin} (mosquitto on PATH) was found. */
    boolean mosquittoWanted(Path bin) {
        return mosquitto != null ? mosquitto : bin != null;
    }

    /**
     * Starts a run: registers a shutdown hook that stops every child process (Ctrl-C), pins this JVM as {@code --pin}
     * asks (a note when it cannot), and creates the data directory ({@code --data-dir}, else a temporary one) with
     * {@code logs/} inside.
     */
    Run start(String name, List<String> notes) throws IOException {
        Thread stopChildren =
                new Thread(() -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroy), name + "-stop");
        Runtime.getRuntime().addShutdownHook(stopChildren);
        Path dir = dataDir != null
                ? Files.createDirectories(dataDir).toAbsolutePath()
                : Files.createTempDirectory("tributary-" + name);
        Files.createDirectories(dir.resolve("logs"));
        Pinning pinning = Pinning.detect(pin);
        if (pin && !pinning.enabled()) {
            notes.add("not pinned (taskset missing or fewer than 2 CPUs)");
        }
        return new Run(dir, pinning, pinning.pinSelf(), stopChildren, dataDir == null);
    }

    /**
     * A started run.
     *
     * @param dir the data directory
     * @param selfPinned whether this JVM is pinned to the load CPU
     */
    record Run(Path dir, Pinning pinning, boolean selfPinned, Thread stopChildren, boolean temporary) {
        /** Deletes a temporary data directory and removes the shutdown hook. */
        void end() {
            if (temporary) {
                Phases.deleteTree(dir);
            }
            Runtime.getRuntime().removeShutdownHook(stopChildren);
        }
    }
}
