package io.tributary.hub.store.pulsar;

import io.tributary.hub.Hub;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.config.HubConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Hubs with {@code store=pulsar} on the test broker, for the ITs that run several. Stateless. */
final class PulsarHubs {
    private PulsarHubs() {}

    /**
     * The flags of a hub on {@code dataDir}, named after it, with its shards and catalog in {@code namespace} of the
     * broker.
     */
    static Map<String, String> flags(Path dataDir, PulsarStandalone broker, String namespace) {
        Map<String, String> f = new HashMap<>();
        f.put("data-dir", dataDir.toString());
        f.put("hub-id", "hub-" + dataDir.getFileName()); // tells the hubs of one test apart in logs and metrics
        f.put("port", "0");
        f.put("metrics-port", "-1");
        f.put("store", "pulsar");
        f.put("pulsar.service-url", broker.serviceUrl());
        f.put("pulsar.admin-url", broker.adminUrl().toString());
        f.put("pulsar.namespace", namespace);
        return f;
    }

    static Hub start(Path dataDir, PulsarStandalone broker, String namespace) throws Exception {
        return Hub.start(HubConfig.load(Optional.empty(), Map.of(), flags(dataDir, broker, namespace)));
    }

    /** Client options for one hub's port. */
    static ClientOptions client(int port) {
        return ClientOptions.builder(List.of(new HubEndpoint("127.0.0.1", port)))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }
}
