package io.tributary.hub.config;

import java.net.URI;
import java.time.Duration;

/**
 * The hub settings {@code pulsar.*}, read by the Pulsar store's provider when {@code store=pulsar} (validated always,
 * used only then).
 *
 * @param serviceUrl the brokers' binary protocol, e.g. {@code pulsar://host:6650}
 * @param adminUrl the brokers' admin REST API, e.g. {@code http://host:8080}
 * @param tenant Pulsar tenant of the shard topics
 * @param namespace Pulsar namespace of the shard topics
 * @param operationTimeout bound of each Pulsar operation
 * @param catalog the stream catalog's topic settings
 */
public record PulsarSettings(
        String serviceUrl, URI adminUrl, String tenant, String namespace, Duration operationTimeout, Catalog catalog) {

    /**
     * The settings {@code pulsar.catalog-*} of the stream catalog every hub on the namespace shares.
     *
     * @param lockTimeout how long a catalog change waits for the catalog's cross-hub lock
     * @param compactionThresholdBytes the catalog topic's compaction threshold, set by the hub at start; 0: leave
     *     the topic's compaction to the operator
     * @param checkInterval how often a hub checks that it still reads the catalog to its end
     */
    public record Catalog(Duration lockTimeout, long compactionThresholdBytes, Duration checkInterval) {}
}
