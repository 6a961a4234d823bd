package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.hub.Hub;
import io.tributary.hub.HubProcesses;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Hubs with {@code store=pulsar} on the test broker, for the hub-level Pulsar ITs: settings, streams, reading back. */
final class HubsOnPulsar {
    static final String NAMESPACE = "hub-it";

    private HubsOnPulsar() {}

    /** The settings of a hub on {@code broker}: no metrics port, namespace {@value #NAMESPACE}. */
    static Map<String, String> flags(Path dataDir, int port, String serviceUrl, String adminUrl) {
        Map<String, String> f = new HashMap<>();
        f.put("data-dir", dataDir.toString());
        f.put("port", Integer.toString(port));
        f.put("metrics-port", "-1");
        f.put("store", "pulsar");
        f.put("pulsar.service-url", serviceUrl);
        f.put("pulsar.admin-url", adminUrl);
        f.put("pulsar.namespace", NAMESPACE);
        return f;
    }

    static Hub start(PulsarStandalone broker, Path dataDir, int port) throws Exception {
        return Hub.start(HubConfig.load(
                Optional.empty(),
                Map.of(),
                flags(dataDir, port, broker.serviceUrl(), broker.adminUrl().toString())));
    }

    static ClientOptions client(int... ports) {
        List<HubEndpoint> endpoints = new ArrayList<>();
        for (int port : ports) {
            endpoints.add(new HubEndpoint("127.0.0.1", port));
        }
        // A patient handshake: these ITs share two cores with whatever else runs (hub children, the broker, builds).
        return ClientOptions.builder(endpoints)
                .connectTimeout(Duration.ofSeconds(30))
                .build();
    }

    /**
     * Creates {@code stream} with {@code shards} shards on the hub at {@code port}; the other hubs on the namespace
     * learn of it through the shared catalog ({@link #awaitStream}).
     */
    static void createStream(ClientResources resources, int port, String stream, int shards) {
        try (AdminClient admin = AdminClient.connect(resources, client(port))) {
            admin.createStream(stream, shards, PartitionKeyMode.PARTITION_KEY_MODE_GROUP, 0, 0);
        }
    }

    /** Waits until the hub at {@code port} knows {@code stream} (created on another hub, read from the catalog). */
    static void awaitStream(ClientResources resources, int port, String stream) {
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> {
                    try (AdminClient admin = AdminClient.connect(resources, client(port))) {
                        return admin.describeStream(stream).getShardsCount() > 0;
                    }
                });
    }

    /**
     * The payloads of one shard read from its start through the hub at {@code port}, checking gap-free sequences;
     * stops at {@code expected} records or after 30 s.
     */
    static List<String> readAll(ClientResources resources, int port, String stream, String shardId, int expected)
            throws InterruptedException {
        return readAll(resources, client(port), stream, shardId, expected);
    }

    /** As {@link #readAll(ClientResources, int, String, String, int)}, through the hubs of {@code options}. */
    static List<String> readAll(
            ClientResources resources, ClientOptions options, String stream, String shardId, int expected)
            throws InterruptedException {
        return read(resources, options, stream, shardId, 0, expected);
    }

    /** As {@link #readAll}, from sequence {@code from}: {@code expected} records at most. */
    static List<String> read(
            ClientResources resources, ClientOptions options, String stream, String shardId, long from, int expected)
            throws InterruptedException {
        List<String> texts = new ArrayList<>();
        try (ShardReader reader = ShardReader.open(
                resources,
                options,
                ShardReaderOptions.of(stream, shardId, ReadPosition.atSequence(from))
                        .withCredit(500, 0))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (texts.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord r : reader.poll(Duration.ofMillis(200))) {
                    assertThat(r.sequence())
                            .as("sequence of record %d", texts.size())
                            .isEqualTo(from + texts.size());
                    texts.add(r.record().getPayload().toStringUtf8());
                }
            }
        }
        return texts;
    }

    /** A hub child JVM on {@code broker} (HubProcesses.startHub with the Pulsar store's flags), its log in {@code err}. */
    static Process startProcess(PulsarStandalone broker, Path dataDir, int port, String name, Path err)
            throws Exception {
        return HubProcesses.startHub(
                dataDir,
                port,
                name,
                err,
                "--store",
                "pulsar",
                "--pulsar-url",
                broker.serviceUrl(),
                "--pulsar-admin-url",
                broker.adminUrl().toString());
    }

    /** The last sequence of each shard, as the hubs of {@code ports} that write them say (a non-writer says -1). */
    static Map<String, Long> ends(ClientResources resources, String stream, int... ports) {
        Map<String, Long> out = new HashMap<>();
        for (int port : ports) {
            try (AdminClient admin = AdminClient.connect(resources, client(port))) {
                for (ShardDescription s : admin.describeStream(stream).getShardsList()) {
                    out.merge(s.getShardId(), s.getNextSequence() - 1, Math::max);
                }
            }
        }
        return out;
    }
}
