package io.tributary.hub;

import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.config.HubConfig;
import io.tributary.protocol.v1.Codec;
import io.tributary.protocol.v1.PartitionKeyMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Configurations and clients for hubs under test: loopback, port 0, no metrics port unless asked. Stateless. */
final class TestHubs {
    private TestHubs() {}

    /** The defaults for {@code dataDir} with {@code flags} applied on top (as command-line flags). */
    static HubConfig config(Path dataDir, Map<String, String> flags) {
        Map<String, String> all = new HashMap<>(
                Map.of("data-dir", dataDir.toString(), "port", "0", "metrics-port", "-1", "io-threads", "1"));
        all.putAll(flags);
        return HubConfig.load(Optional.empty(), Map.of(), all);
    }

    static ClientOptions client(int port) {
        return ClientOptions.builder(List.of(new HubEndpoint("127.0.0.1", port)))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    static ClientOptions client(int port, String token) {
        return ClientOptions.builder(List.of(new HubEndpoint("127.0.0.1", port)))
                .connectTimeout(Duration.ofSeconds(10))
                .token(token)
                .build();
    }

    static void createStream(ClientResources resources, ClientOptions options, String stream, int shards) {
        try (AdminClient admin = AdminClient.connect(resources, options)) {
            admin.createStream(stream, shards, PartitionKeyMode.PARTITION_KEY_MODE_GROUP, 0, 0);
        }
    }

    /** Small batches and quick retries, so tests exercise several batches per key and recover fast. */
    static ProducerOptions producer(String stream, String producerId, int batchRecords) {
        return new ProducerOptions(
                stream,
                producerId,
                Codec.CODEC_LZ4,
                batchRecords,
                1 << 20,
                Duration.ofMillis(2),
                8,
                100_000,
                Duration.ofSeconds(60),
                Duration.ofMillis(20),
                Duration.ofMillis(250));
    }
}
