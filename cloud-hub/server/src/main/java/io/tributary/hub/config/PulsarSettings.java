package io.tributary.hub.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;

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
 * @param replicationClusters the Pulsar clusters the home region's hub sets as the namespace's replication clusters
 *     (Pulsar's geo-replication); empty: left alone
 * @param replica the hub is in a region that receives Pulsar's copy: it writes no shard and serves reads
 */
public record PulsarSettings(
        String serviceUrl,
        URI adminUrl,
        String tenant,
        String namespace,
        Duration operationTimeout,
        Catalog catalog,
        List<String> replicationClusters,
        boolean replica) {

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
