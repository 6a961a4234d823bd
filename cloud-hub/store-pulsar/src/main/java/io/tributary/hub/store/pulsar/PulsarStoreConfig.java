package io.tributary.hub.store.pulsar;

import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Settings of {@link PulsarShardStore}. Immutable; build with {@link #builder(String, URI)}.
 *
 * @param serviceUrl the brokers' binary protocol, e.g. {@code pulsar://host:6650}
 * @param adminUrl the brokers' admin REST API, e.g. {@code http://host:8080}
 * @param tenant Pulsar tenant of the shard topics; it must exist
 * @param namespace Pulsar namespace of the shard topics within {@code tenant}
 * @param configureNamespace create the namespace if missing and set its policies the store relies on (infinite
 *     retention, no deletion of inactive topics) when the store starts; turn off when an operator manages them
 * @param producerWindow recent runs remembered per producer key for exact duplicate answers
 * @param maxBatchBytes largest payload accepted in one batch; must fit the brokers' {@code maxMessageSize} (5 MiB by
 *     default) with the properties
 * @param queueCapacity appends waiting for Pulsar's acknowledgement per shard before new ones fail with {@code
 *     StoreBusyException}; with {@code maxBatchBytes} it bounds the memory of unacknowledged batches
 * @param operationTimeout bound of each Pulsar operation: a send, creating a producer or reader, a read of the next
 *     message, an admin call
 * @param writerEndpoint {@code HOST:PORT} of the hub this store serves (its {@code advertised-endpoint}): part of the
 *     name of its exclusive producers ({@link WriterName}), so that other hubs can send producers here; empty when the
 *     hub has none to give (they then answer appends to its shards as retriable instead of redirecting)
 * @param takeoverInterval how often a shard another hub writes is tried again (and at most how often an append asks
 *     for a try), so that this store takes it over once that hub is gone; a {@code replica} store reads what arrived
 *     as often
 * @param replicationClusters the Pulsar clusters (this one included) that Pulsar's geo-replication copies the
 *     namespace to, set as the namespace's replication clusters when the store starts; empty (the default): the store
 *     leaves the namespace's replication alone. Each must be registered with the brokers. Only the home region's hubs
 *     set it (see {@link GeoReplication})
 * @param replica the hub is in a region that receives Pulsar's copy of another region's namespace: it never takes a
 *     shard's topic and serves reads of what arrived; appends are refused as retriable. A store with {@code replica}
 *     sets no replication clusters
 */
public record PulsarStoreConfig(
        String serviceUrl,
        URI adminUrl,
        String tenant,
        String namespace,
        boolean configureNamespace,
        int producerWindow,
        int maxBatchBytes,
        int queueCapacity,
        Duration operationTimeout,
        String writerEndpoint,
        Duration takeoverInterval,
        List<String> replicationClusters,
        boolean replica) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Pattern ENDPOINT = Pattern.compile("[^:\\s@]+:\\d{1,5}|\\[[0-9A-Fa-f:.]+]:\\d{1,5}");

    public PulsarStoreConfig {
        Objects.requireNonNull(serviceUrl, "serviceUrl");
        Objects.requireNonNull(adminUrl, "adminUrl");
        Objects.requireNonNull(operationTimeout, "operationTimeout");
        require(NAME.matcher(tenant).matches(), "tenant matches [A-Za-z0-9._-]{1,128}");
        require(NAME.matcher(namespace).matches(), "namespace matches [A-Za-z0-9._-]{1,128}");
        require(producerWindow > 0, "producerWindow > 0");
        require(
                maxBatchBytes > 0 && maxBatchBytes <= 5 * 1024 * 1024 - 64 * 1024,
                "0 < maxBatchBytes <= 5 MiB - 64 KiB");
        require(queueCapacity > 0, "queueCapacity > 0");
        require(!operationTimeout.isNegative() && !operationTimeout.isZero(), "operationTimeout > 0");
        Objects.requireNonNull(writerEndpoint, "writerEndpoint");
        require(writerEndpoint.isEmpty() || ENDPOINT.matcher(writerEndpoint).matches(), "writerEndpoint is HOST:PORT");
        Objects.requireNonNull(takeoverInterval, "takeoverInterval");
        require(takeoverInterval.toMillis() >= 10, "takeoverInterval >= 10 ms");
        replicationClusters = List.copyOf(replicationClusters);
        for (String cluster : replicationClusters) {
            require(
                    NAME.matcher(cluster).matches(),
                    "replication cluster '" + cluster + "' matches [A-Za-z0-9._-]{1,128}");
        }
        require(
                new HashSet<>(replicationClusters).size() == replicationClusters.size(),
                "replication clusters are distinct, not " + replicationClusters);
        require(
                !replica || replicationClusters.isEmpty(),
                "a replica sets no replication clusters (it would replicate back to the home region, whose hub could"
                        + " then not write)");
    }

    private static void require(boolean ok, String rule) {
        if (!ok) {
            throw new IllegalArgumentException("invalid Pulsar store config: " + rule);
        }
    }

    public static Builder builder(String serviceUrl, URI adminUrl) {
        return new Builder(serviceUrl, adminUrl);
    }

    /** Builder with the defaults documented on each setter. */
    public static final class Builder {
        private final String serviceUrl;
        private final URI adminUrl;
        private String tenant = "public";
        private String namespace = "tributary";
        private boolean configureNamespace = true;
        private int producerWindow = 16;
        private int maxBatchBytes = 4 * 1024 * 1024;
        private int queueCapacity = 1024;
        private Duration operationTimeout = Duration.ofSeconds(30);
        private String writerEndpoint = "";
        private Duration takeoverInterval = Duration.ofSeconds(1);
        private List<String> replicationClusters = List.of();
        private boolean replica;

        private Builder(String serviceUrl, URI adminUrl) {
            this.serviceUrl = serviceUrl;
            this.adminUrl = adminUrl;
        }

        /** Default {@code public}. */
        public Builder tenant(String tenant) {
            this.tenant = tenant;
            return this;
        }

        /** Default {@code tributary}. */
        public Builder namespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        /** Default true. */
        public Builder configureNamespace(boolean configureNamespace) {
            this.configureNamespace = configureNamespace;
            return this;
        }

        /** Default 16, as the local store. */
        public Builder producerWindow(int producerWindow) {
            this.producerWindow = producerWindow;
            return this;
        }

        /** Default 4 MiB. */
        public Builder maxBatchBytes(int maxBatchBytes) {
            this.maxBatchBytes = maxBatchBytes;
            return this;
        }

        /** Default 1024. */
        public Builder queueCapacity(int queueCapacity) {
            this.queueCapacity = queueCapacity;
            return this;
        }

        /** Default 30 s. */
        public Builder operationTimeout(Duration operationTimeout) {
            this.operationTimeout = operationTimeout;
            return this;
        }

        /** Default empty: other hubs cannot send producers to this one. */
        public Builder writerEndpoint(String writerEndpoint) {
            this.writerEndpoint = writerEndpoint;
            return this;
        }

        /** Default 1 s. */
        public Builder takeoverInterval(Duration takeoverInterval) {
            this.takeoverInterval = takeoverInterval;
            return this;
        }

        /** Default none: the namespace's replication is left alone. */
        public Builder replicationClusters(List<String> replicationClusters) {
            this.replicationClusters = replicationClusters;
            return this;
        }

        /** Default false. */
        public Builder replica(boolean replica) {
            this.replica = replica;
            return this;
        }

        public PulsarStoreConfig build() {
            return new PulsarStoreConfig(
                    serviceUrl,
                    adminUrl,
                    tenant,
                    namespace,
                    configureNamespace,
                    producerWindow,
                    maxBatchBytes,
                    queueCapacity,
                    operationTimeout,
                    writerEndpoint,
                    takeoverInterval,
                    replicationClusters,
                    replica);
        }
    }
}
