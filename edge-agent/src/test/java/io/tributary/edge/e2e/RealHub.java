package io.tributary.edge.e2e;

import io.tributary.hub.Hub;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.ConsumerRecord;
import io.tributary.hub.client.ReadPosition;
import io.tributary.hub.client.ShardReader;
import io.tributary.hub.client.ShardReaderOptions;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.config.HubConfig;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.ShardDescription;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A real hub in this JVM on 127.0.0.1 with a data directory that outlives {@link #stop}: {@link #start} again brings
 * it back on the same port with the same shards, as a restarted hub process would.
 *
 * <p>Thread rules: one test thread.
 */
final class RealHub implements AutoCloseable {
    static final String STREAM = "telemetry";

    private final Path dir;
    private final ClientResources resources = new ClientResources(1);
    private final Map<String, String> extra;
    private Hub hub;
    private int port;

    RealHub(Path dir) throws Exception {
        this(dir, 0, Map.of());
    }

    /** On {@code port} (0: any free one, kept across restarts) with more configuration, e.g. its region. */
    RealHub(Path dir, int port, Map<String, String> extra) throws Exception {
        this.dir = dir;
        this.port = port;
        this.extra = extra;
        start();
    }

    void start() throws Exception {
        Map<String, String> flags = new java.util.HashMap<>(extra);
        flags.putAll(Map.of(
                "data-dir", dir.toString(), "port", Integer.toString(port), "metrics-port", "-1", "io-threads", "1"));
        hub = Hub.start(HubConfig.load(Optional.empty(), Map.of(), flags));
        port = hub.port();
    }

    void stop() {
        if (hub != null) {
            hub.close();
            hub = null;
        }
    }

    int port() {
        return port;
    }

    String endpoint() {
        return "127.0.0.1:" + port;
    }

    ClientOptions client() {
        return ClientOptions.builder(List.of(new HubEndpoint("127.0.0.1", port)))
                .build();
    }

    /** The running hub (null while stopped). */
    Hub hub() {
        return hub;
    }

    ClientResources resources() {
        return resources;
    }

    void createStream(int shards) {
        try (AdminClient admin = AdminClient.connect(resources, client())) {
            admin.createStream(STREAM, shards, PartitionKeyMode.PARTITION_KEY_MODE_GROUP, 0, 0);
        }
    }

    /** Records stored in the stream's shards (duplicates dropped by the hub are not stored, so not counted). */
    long storedRecords() {
        try (AdminClient admin = AdminClient.connect(resources, client())) {
            long n = 0;
            for (ShardDescription s : admin.describeStream(STREAM).getShardsList()) {
                n += s.getNextSequence() - s.getOldestSequence();
            }
            return n;
        }
    }

    /** Every record of the stream, shard by shard in sequence order, from TRIM_HORIZON to the current end. */
    List<ConsumerRecord> readAll() throws InterruptedException {
        List<ConsumerRecord> out = new ArrayList<>();
        List<ShardDescription> shards;
        try (AdminClient admin = AdminClient.connect(resources, client())) {
            shards = admin.describeStream(STREAM).getShardsList();
        }
        for (ShardDescription s : shards) {
            long end = s.getNextSequence();
            try (ShardReader reader = ShardReader.open(
                    resources, client(), ShardReaderOptions.of(STREAM, s.getShardId(), ReadPosition.trimHorizon()))) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                long next = s.getOldestSequence();
                while (next < end && System.nanoTime() < deadline) {
                    for (ConsumerRecord r : reader.poll(Duration.ofMillis(500))) {
                        out.add(r);
                        next = r.sequence() + 1;
                    }
                }
                if (next < end) {
                    throw new AssertionError("shard " + s.getShardId() + " read stopped at " + next + " of " + end);
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        stop();
        resources.close();
    }
}
