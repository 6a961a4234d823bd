package io.tributary.hub.subscribe;

import io.tributary.hub.Hub;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.PutResult;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.config.HubConfig;
import io.tributary.protocol.v1.PartitionKeyMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A hub on 127.0.0.1 port 0 with clients for consumer tests; close it after each test. */
public final class ConsumerFixture implements AutoCloseable {
    public final Path dir;
    public final ClientResources resources = new ClientResources(1);
    public Hub hub;
    private final Duration leaseTimeout;
    private int port;

    private final Map<String, String> extra;

    public ConsumerFixture(Path dir, Duration leaseTimeout) throws Exception {
        this(dir, leaseTimeout, Map.of());
    }

    public ConsumerFixture(Path dir, Duration leaseTimeout, Map<String, String> extra) throws Exception {
        this.dir = dir;
        this.leaseTimeout = leaseTimeout;
        this.extra = extra;
        start();
    }

    public void start() throws Exception {
        Map<String, String> flags = new java.util.HashMap<>(Map.of(
                "data-dir",
                dir.toString(),
                "port",
                Integer.toString(port),
                "metrics-port",
                "-1",
                "durability",
                "page-cache",
                "groups.lease-timeout",
                leaseTimeout.toMillis() + "ms"));
        flags.putAll(extra);
        hub = Hub.start(HubConfig.load(Optional.empty(), Map.of(), flags));
        port = hub.port();
    }

    public ClientOptions client() {
        return ClientOptions.builder(List.of(new HubEndpoint("127.0.0.1", hub.port())))
                .build();
    }

    public AdminClient admin() {
        return AdminClient.connect(resources, client());
    }

    public void createStream(String name, int shards) {
        try (AdminClient a = admin()) {
            a.createStream(name, shards, PartitionKeyMode.PARTITION_KEY_MODE_GROUP, 0, 0);
        }
    }

    /** Puts {@code count} records "key-i" for each key, waits for all acks, returns the results in put order. */
    public List<PutResult> put(String stream, List<String> keys, int count) throws Exception {
        try (Producer p = Producer.create(
                resources, client(), ProducerOptions.defaults(stream).withBatching(50, Duration.ofMillis(1), 8))) {
            List<CompletableFuture<PutResult>> fs = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                for (String k : keys) {
                    fs.add(p.put(k, (k + "-" + i).getBytes(StandardCharsets.UTF_8)));
                }
            }
            List<PutResult> out = new ArrayList<>();
            for (CompletableFuture<PutResult> f : fs) {
                out.add(f.get());
            }
            return out;
        }
    }

    /** Stops the hub (start it again with {@link #start}, same port and data). */
    public void stop() {
        if (hub != null) {
            hub.close();
            hub = null;
        }
    }

    @Override
    public void close() {
        stop();
        resources.close();
    }
}
