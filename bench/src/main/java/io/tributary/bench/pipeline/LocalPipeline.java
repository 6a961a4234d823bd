package io.tributary.bench.pipeline;

import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.protocol.v1.PartitionKeyMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A hub and an edge agent on loopback, each a child JVM with its data and log under one directory, so that the demo,
 * the end-to-end tests and the e2e benchmark run the real processes and can SIGKILL and restart them. After the first
 * start each process keeps its port: a restart binds the same port on the same data directory, so the edge and the
 * devices reconnect to the address they know.
 *
 * <p>Layout: {@code dir/hub} (shards), {@code dir/edge} (buffer), {@code dir/edge.yaml}, {@code dir/logs/hub.log},
 * {@code dir/logs/edge.log} (child stderr, appended across restarts).
 *
 * <p>Threads: not thread-safe, except {@link #close}, which may race with the owner's thread (a shutdown hook) and is
 * idempotent.
 */
public final class LocalPipeline implements AutoCloseable {

    /** How the processes are run. Immutable. */
    public record Settings(String stream, int shards, String agentId, List<String> jvmOptions, Duration readyTimeout) {
        public Settings {
            Objects.requireNonNull(stream, "stream");
            jvmOptions = List.copyOf(jvmOptions);
        }

        /** Stream {@code telemetry}, 4 shards, agent {@code edge-1}, small heaps. */
        public static Settings defaults() {
            return new Settings(
                    "telemetry", 4, "edge-1", List.of("-Xmx384m", "-XX:+UseSerialGC"), Duration.ofSeconds(60));
        }

        public Settings withJvmOptions(List<String> options) {
            return new Settings(stream, shards, agentId, options, readyTimeout);
        }

        public Settings withShards(int n) {
            return new Settings(stream, n, agentId, jvmOptions, readyTimeout);
        }
    }

    private final Path dir;
    private final Settings settings;
    private ChildJvm hub;
    private ChildJvm edge;
    private int hubPort;
    private int mqttPort;
    private volatile boolean closed;

    private LocalPipeline(Path dir, Settings settings) {
        this.dir = dir;
        this.settings = settings;
    }

    /** Starts the hub (free port), creates the stream, then starts the edge agent (free port) pointed at it. */
    public static LocalPipeline start(Path dir, Settings settings) throws IOException {
        LocalPipeline p = new LocalPipeline(dir.toAbsolutePath(), settings);
        Files.createDirectories(p.dir.resolve("logs"));
        Files.writeString(
                p.dir.resolve("edge.yaml"),
                "# Written by the local pipeline: loopback only, no metrics port, quick reconnects.\n"
                        + "mqtt.host: 127.0.0.1\n"
                        + "metrics.host: 127.0.0.1\n"
                        + "backoff.initial: 50ms\n"
                        + "backoff.max: 1s\n");
        try {
            p.startHub();
            try (ClientResources resources = new ClientResources(1);
                    AdminClient admin = AdminClient.connect(resources, p.clientOptions())) {
                admin.createStream(
                        settings.stream(), settings.shards(), PartitionKeyMode.PARTITION_KEY_MODE_GROUP, 0, 0);
            }
            p.startEdge();
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** (Re)starts the hub on its port (a free one the first time). */
    public void startHub() throws IOException {
        ensureOpen();
        hub = ChildJvm.start(
                ChildJvm.HUB_MAIN,
                ChildJvm.hubArgs(dir.resolve("hub"), hubPort),
                settings.jvmOptions(),
                hubLog(),
                settings.readyTimeout());
        hubPort = hub.port();
        closeIfClosedMeanwhile(hub);
    }

    /** (Re)starts the edge agent on its MQTT port (a free one the first time). */
    public void startEdge() throws IOException {
        ensureOpen();
        List<String> args = ChildJvm.edgeArgs(
                dir.resolve("edge.yaml"),
                dir.resolve("edge"),
                mqttPort,
                hubPort,
                settings.stream(),
                settings.agentId());
        edge = ChildJvm.start(ChildJvm.EDGE_MAIN, args, settings.jvmOptions(), edgeLog(), settings.readyTimeout());
        mqttPort = edge.port();
        closeIfClosedMeanwhile(edge);
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

    /** Client options that reach the hub. */
    public ClientOptions clientOptions() {
        return ClientOptions.builder(List.of(new HubEndpoint("127.0.0.1", hubPort)))
                .clientName("local-pipeline")
                // A freshly started JVM on a busy machine can take seconds to answer its first handshake.
                .connectTimeout(Duration.ofSeconds(30))
                .build();
    }

    public String stream() {
        return settings.stream();
    }

    /** The current hub process (replaced by a restart). */
    public ChildJvm hub() {
        return hub;
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

    public Path edgeLog() {
        return dir.resolve("logs").resolve("edge.log");
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the pipeline is closed");
        }
    }

    /** SIGTERMs the edge agent, then the hub (so the edge can hand over what it still holds), each bounded. */
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
    }
}
