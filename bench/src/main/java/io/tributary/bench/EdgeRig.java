package io.tributary.bench;

import io.tributary.bench.pipeline.ChildJvm;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.ShardDescription;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The processes under test of {@code bench edge}: a hub and an edge agent, each a child JVM ({@link ChildJvm}) with its
 * data and log under one directory, the edge pinned to the broker CPU and the hub to the load CPU. The hub can be
 * stopped and started again on the same port and data (the drain phase); its stored-record count is read with the
 * admin client. Not thread-safe.
 */
final class EdgeRig implements AutoCloseable {
    static final String STREAM = "telemetry";
    private static final Duration READY = Duration.ofSeconds(90);

    /**
     * How the processes run.
     *
     * @param edgeJvmOptions JVM options of the edge agent (heap included)
     * @param hubJvmOptions JVM options of the hub
     * @param bufferQuotaMiB the edge buffer's quota ({@code buffer.quota}), large enough for the backlog
     * @param shards shards of the stream
     */
    record Settings(
            List<String> edgeJvmOptions,
            List<String> hubJvmOptions,
            long bufferQuotaMiB,
            int shards,
            Pinning pinning) {}

    private final Path dir;
    private final Settings settings;
    private final ClientResources resources = new ClientResources(1);
    private ChildJvm hub;
    private ChildJvm edge;
    private int hubPort;

    private EdgeRig(Path dir, Settings settings) {
        this.dir = dir;
        this.settings = settings;
    }

    /** Starts the hub, creates the stream, then starts the edge agent pointed at the hub. */
    static EdgeRig start(Path dir, Settings settings) throws IOException {
        EdgeRig rig = new EdgeRig(dir.toAbsolutePath(), settings);
        try {
            Files.createDirectories(rig.dir.resolve("logs"));
            Files.writeString(
                    rig.dir.resolve("edge.yaml"),
                    "# Written by ./tributary bench edge: loopback only, quick reconnects, room for the backlog.\n"
                            + "mqtt.host: 127.0.0.1\n"
                            + "metrics.host: 127.0.0.1\n"
                            + "backoff.initial: 50ms\n"
                            + "backoff.max: 1s\n"
                            + "buffer.quota: " + settings.bufferQuotaMiB() + "MiB\n");
            rig.startHub();
            rig.createStream();
            rig.startEdge();
        } catch (IOException | RuntimeException e) {
            rig.close();
            throw e;
        }
        return rig;
    }

    /** (Re)starts the hub, on its first port after the first start. */
    void startHub() throws IOException {
        hub = ChildJvm.start(
                settings.pinning().load(),
                ChildJvm.HUB_MAIN,
                ChildJvm.hubArgs(dir.resolve("hub"), hubPort),
                settings.hubJvmOptions(),
                dir.resolve("logs").resolve("hub.log"),
                READY);
        hubPort = hub.port();
    }

    /** SIGTERM to the hub; the edge agent then buffers and keeps trying to reconnect. */
    void stopHub() {
        hub.close();
    }

    private void startEdge() throws IOException {
        List<String> args = ChildJvm.edgeArgs(
                dir.resolve("edge.yaml"), dir.resolve("edge"), 0, List.of(hubPort), STREAM, "bench-edge");
        edge = ChildJvm.start(
                settings.pinning().broker(),
                ChildJvm.EDGE_MAIN,
                args,
                settings.edgeJvmOptions(),
                dir.resolve("logs").resolve("edge.log"),
                READY);
    }

    private void createStream() {
        for (int attempt = 1; ; attempt++) {
            // A fresh hub on a loaded machine may miss the first handshake deadline: try again.
            try (AdminClient admin = AdminClient.connect(resources, client())) {
                admin.createStream(STREAM, settings.shards(), PartitionKeyMode.PARTITION_KEY_MODE_GROUP, 0, 0);
                return;
            } catch (RuntimeException e) {
                if (attempt == 3) {
                    throw e;
                }
                System.err.println("bench edge: creating the stream failed (" + e.getMessage() + "); trying again");
            }
        }
    }

    /** Records stored in the stream (the sum of the shards' next sequences); -1 when the hub does not answer. */
    long hubRecords() {
        try (AdminClient admin = AdminClient.connect(resources, client())) {
            long n = 0;
            for (ShardDescription shard : admin.describeStream(STREAM).getShardsList()) {
                n += shard.getNextSequence();
            }
            return n;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private ClientOptions client() {
        return ClientOptions.builder(List.of(new HubEndpoint("127.0.0.1", hubPort)))
                .clientName("bench-edge")
                .connectTimeout(Duration.ofSeconds(30))
                .build();
    }

    int mqttPort() {
        return edge.port();
    }

    ChildJvm edge() {
        return edge;
    }

    ChildJvm hub() {
        return hub;
    }

    Path dir() {
        return dir;
    }

    /** Stops the edge agent, then the hub, each bounded. */
    @Override
    public void close() {
        if (edge != null) {
            edge.close();
        }
        if (hub != null) {
            hub.close();
        }
        resources.close();
    }
}
