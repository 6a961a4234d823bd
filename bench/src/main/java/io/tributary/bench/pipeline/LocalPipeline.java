package io.tributary.bench.pipeline;

import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.protocol.v1.AckLevel;
import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.RegionEndpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A hub and an edge agent on loopback, each a child JVM with its data and log under one directory, so that the demo,
 * the end-to-end tests and the e2e benchmark run the real processes and can SIGKILL and restart them. After the first
 * start each process keeps its port: a restart binds the same port on the same data directory, so the edge and the
 * devices reconnect to the address they know.
 *
 * <p>With two regions ({@link Settings#withRegions}) a second hub, of the replica region, runs too: the stream is
 * created at the first hub (the home region) with the second as its replica (ack level local), and the edge agent
 * knows both hubs (the home first; the replica redirects it home).
 *
 * <p>Layout: {@code dir/hub} (shards of the first hub), {@code dir/hub-<replica region>} (the replica's),
 * {@code dir/edge} (buffer), {@code dir/edge.yaml}, {@code dir/hub.yaml} (every hub's config file, when there are keys), {@code dir/logs/hub.log}, {@code dir/logs/hub-<replica
 * region>.log}, {@code dir/logs/edge.log} (child stderr, appended across restarts).
 *
 * <p>Threads: not thread-safe, except {@link #close}, which may race with the owner's thread (a shutdown hook) and is
 * idempotent.
 */
public final class LocalPipeline implements AutoCloseable {

    /**
     * How the processes are run. Immutable.
     *
     * @param regions empty: one hub, no region; else the home region then the replica region, one hub each
     * @param retention the stream's maximum record age; zero keeps records forever
     * @param hubConfig hub configuration keys (docs/configuration.md), written to {@code dir/hub.yaml}; empty: none
     * @param metrics whether the hub and the edge serve /metrics on a free loopback port ({@link
     *     ChildJvm#metricsPort})
     */
    public record Settings(
            String stream,
            int shards,
            String agentId,
            List<String> jvmOptions,
            Duration readyTimeout,
            List<String> regions,
            Duration retention,
            Map<String, String> hubConfig,
            boolean metrics) {
        public Settings {
            Objects.requireNonNull(stream, "stream");
            jvmOptions = List.copyOf(jvmOptions);
            regions = List.copyOf(regions);
            hubConfig = Map.copyOf(hubConfig);
            if (retention.isNegative()) {
                throw new IllegalArgumentException("retention must not be negative, was " + retention);
            }
            if (!regions.isEmpty() && (regions.size() != 2 || regions.get(0).equals(regions.get(1)))) {
                throw new IllegalArgumentException("regions: none, or a home and a replica region, was " + regions);
            }
        }

        /** Stream {@code telemetry}, 4 shards, agent {@code edge-1}, small heaps, one hub. */
        public static Settings defaults() {
            return new Settings(
                    "telemetry",
                    4,
                    "edge-1",
                    List.of("-Xmx384m", "-XX:+UseSerialGC"),
                    Duration.ofSeconds(60),
                    List.of(),
                    Duration.ZERO,
                    Map.of(),
                    false);
        }

        public Settings withJvmOptions(List<String> options) {
            return new Settings(stream, shards, agentId, options, readyTimeout, regions, retention, hubConfig, metrics);
        }

        public Settings withShards(int n) {
            return new Settings(stream, n, agentId, jvmOptions, readyTimeout, regions, retention, hubConfig, metrics);
        }

        /** Two hubs: the stream's home in region {@code home}, its replica in region {@code replica}. */
        public Settings withRegions(String home, String replica) {
            return new Settings(
                    stream,
                    shards,
                    agentId,
                    jvmOptions,
                    readyTimeout,
                    List.of(home, replica),
                    retention,
                    hubConfig,
                    metrics);
        }

        /** The stream drops records older than {@code age} (whole segments, at the hub's retention passes). */
        public Settings withRetention(Duration age) {
            return new Settings(stream, shards, agentId, jvmOptions, readyTimeout, regions, age, hubConfig, metrics);
        }

        /** Hub configuration keys, such as {@code segment-max-bytes}, for every hub of the pipeline. */
        public Settings withHubConfig(Map<String, String> config) {
            return new Settings(stream, shards, agentId, jvmOptions, readyTimeout, regions, retention, config, metrics);
        }

        /** The hub and the edge serve /metrics and /health on free loopback ports. */
        public Settings withMetrics() {
            return new Settings(stream, shards, agentId, jvmOptions, readyTimeout, regions, retention, hubConfig, true);
        }

        public boolean replicated() {
            return !regions.isEmpty();
        }
    }

    private final Path dir;
    private final Settings settings;
    private ChildJvm hub;
    private ChildJvm replicaHub;
    private ChildJvm edge;
    private int hubPort;
    private int replicaPort;
    private int mqttPort;
    private volatile boolean closed;

    private LocalPipeline(Path dir, Settings settings) {
        this.dir = dir;
        this.settings = settings;
    }

    /**
     * Starts the replica hub when there is one, then the (home) hub, each on a free port, creates the stream, then
     * starts the edge agent (free port) pointed at them.
     */
    public static LocalPipeline start(Path dir, Settings settings) throws IOException {
        LocalPipeline p = new LocalPipeline(dir.toAbsolutePath(), settings);
        Files.createDirectories(p.dir.resolve("logs"));
        Files.writeString(
                p.dir.resolve("edge.yaml"),
                "# Written by the local pipeline: loopback only, quick reconnects.\n"
                        + "mqtt.host: 127.0.0.1\n"
                        + "metrics.host: 127.0.0.1\n"
                        + "backoff.initial: 50ms\n"
                        + "backoff.max: 1s\n");
        StringBuilder hubYaml = new StringBuilder("# Written by the local pipeline (Settings.hubConfig).\n");
        new TreeMap<>(settings.hubConfig())
                .forEach((k, v) -> hubYaml.append(k).append(": ").append(v).append('\n'));
        Files.writeString(p.dir.resolve("hub.yaml"), hubYaml);
        try {
            if (settings.replicated()) {
                p.startReplicaHub();
            }
            p.startHub();
            CreateStream.Builder create = CreateStream.newBuilder()
                    .setStream(settings.stream())
                    .setShardCount(settings.shards())
                    .setRetentionMs(settings.retention().toMillis())
                    .setKeyMode(PartitionKeyMode.PARTITION_KEY_MODE_GROUP);
            if (settings.replicated()) {
                create.addReplicas(RegionEndpoint.newBuilder()
                                .setRegion(p.replicaRegion())
                                .setEndpoint("127.0.0.1:" + p.replicaPort))
                        .setAckLevel(AckLevel.ACK_LEVEL_LOCAL);
            }
            try (ClientResources resources = new ClientResources(1);
                    AdminClient admin = AdminClient.connect(resources, p.clientOptions())) {
                admin.createStream(create.build());
            }
            p.startEdge();
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** (Re)starts the hub (the home, with regions) on its port (a free one the first time). */
    public void startHub() throws IOException {
        ensureOpen();
        hub = startHubJvm(
                dir.resolve("hub"),
                hubPort,
                settings.replicated() ? settings.regions().get(0) : null,
                hubLog());
        hubPort = hub.port();
        closeIfClosedMeanwhile(hub);
    }

    /** (Re)starts the replica region's hub on its port (a free one the first time). */
    public void startReplicaHub() throws IOException {
        ensureOpen();
        String region = replicaRegion();
        replicaHub = startHubJvm(dir.resolve("hub-" + region), replicaPort, region, replicaHubLog());
        replicaPort = replicaHub.port();
        closeIfClosedMeanwhile(replicaHub);
    }

    private ChildJvm startHubJvm(Path data, int port, String region, Path log) throws IOException {
        List<String> extra = new ArrayList<>();
        if (!settings.hubConfig().isEmpty()) {
            extra.addAll(List.of("--config", dir.resolve("hub.yaml").toString()));
        }
        if (region != null) {
            extra.addAll(List.of("--region", region, "--hub-id", "hub-" + region));
        }
        return ChildJvm.start(
                ChildJvm.HUB_MAIN,
                metricsPort(ChildJvm.hubArgs(data, port, extra.toArray(String[]::new))),
                settings.jvmOptions(),
                log,
                settings.readyTimeout());
    }

    /** (Re)starts the edge agent on its MQTT port (a free one the first time). */
    public void startEdge() throws IOException {
        ensureOpen();
        List<String> args = ChildJvm.edgeArgs(
                dir.resolve("edge.yaml"),
                dir.resolve("edge"),
                mqttPort,
                settings.replicated() ? List.of(hubPort, replicaPort) : List.of(hubPort),
                settings.stream(),
                settings.agentId());
        edge = ChildJvm.start(
                ChildJvm.EDGE_MAIN, metricsPort(args), settings.jvmOptions(), edgeLog(), settings.readyTimeout());
        mqttPort = edge.port();
        closeIfClosedMeanwhile(edge);
    }

    /** With {@link Settings#metrics}, {@code --metrics-port 0} (a free port) instead of the argument lists' -1. */
    private List<String> metricsPort(List<String> args) {
        List<String> out = new ArrayList<>(args);
        int at = out.indexOf("--metrics-port");
        if (settings.metrics() && at >= 0) {
            out.set(at + 1, "0");
        }
        return out;
    }

    /** A process that became ready after a concurrent {@link #close} (Ctrl-C during a start) is stopped too. */
    private synchronized void closeIfClosedMeanwhile(ChildJvm child) {
        if (closed) {
            child.close();
            throw new IllegalStateException("the pipeline was closed while a process started");
        }
    }

    /** SIGKILLs the hub (no shutdown hook runs). */
    public void killHub() {
        hub.kill();
    }

    /** SIGKILLs the edge agent. */
    public void killEdge() {
        edge.kill();
    }

    /** The hub's protocol port. */
    public int hubPort() {
        return hubPort;
    }

    /** The edge agent's MQTT port. */
    public int mqttPort() {
        return mqttPort;
    }

    /** The replica region's hub's protocol port (0 without regions). */
    public int replicaPort() {
        return replicaPort;
    }

    /** Client options that reach the hub (the home, with regions). */
    public ClientOptions clientOptions() {
        return clientOptions(hubPort);
    }

    /** Client options that reach the replica region's hub. */
    public ClientOptions replicaClientOptions() {
        return clientOptions(replicaPort);
    }

    private static ClientOptions clientOptions(int port) {
        return ClientOptions.builder(List.of(new HubEndpoint("127.0.0.1", port)))
                .clientName("local-pipeline")
                // A freshly started JVM on a busy machine can take seconds to answer its first handshake.
                .connectTimeout(Duration.ofSeconds(30))
                .build();
    }

    public String stream() {
        return settings.stream();
    }

    /** The home region (with regions), else empty. */
    public String homeRegion() {
        return settings.replicated() ? settings.regions().get(0) : "";
    }

    /** The replica region (with regions), else empty. */
    public String replicaRegion() {
        return settings.replicated() ? settings.regions().get(1) : "";
    }

    /** The current hub process (replaced by a restart). */
    public ChildJvm hub() {
        return hub;
    }

    /** The current replica hub process (replaced by a restart); null without regions. */
    public ChildJvm replicaHub() {
        return replicaHub;
    }

    /** The current edge process (replaced by a restart). */
    public ChildJvm edge() {
        return edge;
    }

    public Path dir() {
        return dir;
    }

    public Path hubLog() {
        return dir.resolve("logs").resolve("hub.log");
    }

    /** The replica hub's data directory (with regions). */
    public Path replicaHubDir() {
        return dir.resolve("hub-" + replicaRegion());
    }

    public Path replicaHubLog() {
        return dir.resolve("logs").resolve("hub-" + replicaRegion() + ".log");
    }

    public Path edgeLog() {
        return dir.resolve("logs").resolve("edge.log");
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the pipeline is closed");
        }
    }

    /**
     * SIGTERMs the edge agent, then the hub (so the edge can hand over what it still holds), then the replica hub, each
     * bounded.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (edge != null) {
            edge.close();
        }
        if (hub != null) {
            hub.close();
        }
        if (replicaHub != null) {
            replicaHub.close();
        }
    }
}
