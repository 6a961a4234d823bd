package io.tributary.hub.store.pulsar;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.hub.config.HubConfig;
import io.tributary.hub.config.PulsarSettings;
import io.tributary.hub.epoch.GrantTable;
import io.tributary.hub.group.CheckpointStore;
import io.tributary.hub.group.GroupStore;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.store.provider.ShardStoreProvider;
import io.tributary.hub.store.pulsar.meta.KeyedTable;
import io.tributary.hub.store.pulsar.meta.PulsarGrantTable;
import io.tributary.hub.store.pulsar.meta.PulsarStreamCatalog;
import io.tributary.hub.stream.StreamCatalog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code store: pulsar}: a {@link PulsarShardStore} on the brokers of the hub settings {@code pulsar.*}, found by the
 * hub through {@link java.util.ServiceLoader}. The store is checked at start ({@link
 * PulsarShardStore#checkReachable}): a hub does not come up on brokers it cannot reach. Its stream catalog and its
 * producer epoch grants are in Pulsar too ({@link #catalog}, {@link #grants}), shared by every hub on the namespace.
 * The store's writer endpoint is the hub's {@code advertised-endpoint} (see {@link #writerEndpoint}).
 */
public final class PulsarShardStoreProvider implements ShardStoreProvider {
    private static final Logger LOG = LoggerFactory.getLogger(PulsarShardStoreProvider.class);
    public static final String NAME = "pulsar";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ShardStore create(HubConfig config, Clock clock, MeterRegistry registry) throws IOException {
        PulsarSettings p = config.pulsar();
        PulsarStoreConfig storeConfig = PulsarStoreConfig.builder(p.serviceUrl(), p.adminUrl())
                .tenant(p.tenant())
                .namespace(p.namespace())
                .operationTimeout(p.operationTimeout())
                // A batch is one Pulsar message, bounded by the brokers' 5 MiB maxMessageSize: larger frames than the
                // store's default are refused by the store, not by the broker.
                .maxBatchBytes(Math.min(config.maxFrameBytes(), 4 * 1024 * 1024))
                .writerEndpoint(writerEndpoint(config))
                .replicationClusters(p.replicationClusters())
                .replica(p.replica())
                .build();
        PulsarShardStore store;
        try {
            store = new PulsarShardStore(storeConfig, clock, registry);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        try {
            store.checkReachable();
        } catch (IOException | RuntimeException e) {
            store.close();
            throw new IOException("store=pulsar: " + e.getMessage(), e);
        }
        return store;
    }

    /**
     * The stream catalog every hub on the same namespace shares: {@link PulsarStreamCatalog} on {@code
     * persistent://<tenant>/<namespace>/__tributary-catalog}, created if missing, with the compaction threshold
     * {@code pulsar.catalog-compaction-threshold}. Called after {@link #create}, which prepared the namespace.
     *
     * @throws IOException naming the topic and what failed: the hub does not start without its catalog
     */
    @Override
    public StreamCatalog catalog(HubConfig config, MeterRegistry registry) throws IOException {
        return openTable(
                config,
                PulsarStreamCatalog.TOPIC,
                "stream catalog",
                (client, topic, settings) -> PulsarStreamCatalog.open(client, topic, settings));
    }

    /**
     * The producer epoch grants every hub on the same namespace shares: {@link PulsarGrantTable} on {@code
     * persistent://<tenant>/<namespace>/__tributary-epoch-grants}, with the catalog's lock timeout and compaction
     * threshold.
     *
     * @throws IOException naming the topic and what failed: the hub does not start without its grants
     */
    @Override
    public GrantTable grants(HubConfig config, Clock clock, MeterRegistry registry) throws IOException {
        return openTable(
                config,
                PulsarGrantTable.TOPIC,
                "epoch grants",
                (client, topic, settings) -> PulsarGrantTable.open(client, topic, settings, clock));
    }

    /**
     * The consumer groups' state and coordination every hub on the same namespace shares: {@link PulsarGroupStore}, a
     * topic per group, one coordinating hub per group (named like the shards' writers, by the hub's {@code
     * advertised-endpoint}), with a Pulsar client of its own. The data dir's checkpoint log is not used for groups.
     */
    @Override
    public GroupStore groups(HubConfig config, CheckpointStore checkpoints, MeterRegistry registry) throws IOException {
        PulsarSettings p = config.pulsar();
        PulsarClient client;
        try {
            client = PulsarClient.builder()
                    .serviceUrl(p.serviceUrl())
                    .operationTimeout((int) p.operationTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .connectionTimeout((int) p.operationTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .build();
        } catch (PulsarClientException e) {
            throw new IOException(
                    "store=pulsar: consumer groups: Pulsar client for " + p.serviceUrl() + ": " + e.getMessage(), e);
        }
        return new PulsarGroupStore(
                client,
                new PulsarAdminRest(p.adminUrl(), p.operationTimeout()),
                new PulsarGroupStore.Settings(
                        p.tenant(),
                        p.namespace(),
                        p.operationTimeout(),
                        p.catalog().compactionThresholdBytes(),
                        writerEndpoint(config),
                        Duration.ofSeconds(1)),
                registry);
    }

    /** Opens one of the tables the hubs of a namespace share, with a Pulsar client of its own. */
    private interface TableOpener<T> {
        T open(PulsarClient client, String topic, KeyedTable.Settings settings) throws IOException;
    }

    /** Creates the table's topic if missing, sets its compaction threshold and opens it. */
    private static <T> T openTable(HubConfig config, String localName, String what, TableOpener<T> opener)
            throws IOException {
        PulsarSettings p = config.pulsar();
        String topic = "persistent://" + p.tenant() + "/" + p.namespace() + "/" + localName;
        String where = "store=pulsar: " + what + " " + topic + ": ";
        PulsarAdminRest admin = new PulsarAdminRest(p.adminUrl(), p.operationTimeout());
        try {
            admin.createTopic(p.tenant(), p.namespace(), localName);
        } catch (IOException e) {
            throw new IOException(where + "cannot create the topic: " + e.getMessage(), e);
        }
        long threshold = p.catalog().compactionThresholdBytes();
        if (threshold > 0) {
            try {
                admin.setCompactionThreshold(p.tenant(), p.namespace(), localName, threshold);
            } catch (IOException e) {
                throw new IOException(
                        where + "cannot set its compaction threshold (set pulsar.catalog-compaction-threshold=0 to"
                                + " leave compaction to the operator): " + e.getMessage(),
                        e);
            }
        }
        PulsarClient client;
        try {
            client = PulsarClient.builder()
                    .serviceUrl(p.serviceUrl())
                    .operationTimeout((int) p.operationTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .connectionTimeout((int) p.operationTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .build();
        } catch (PulsarClientException e) {
            throw new IOException(where + "Pulsar client for " + p.serviceUrl() + ": " + e.getMessage(), e);
        }
        try {
            return opener.open(
                    client,
                    topic,
                    new KeyedTable.Settings(
                            p.catalog().lockTimeout(),
                            p.operationTimeout(),
                            p.catalog().checkInterval()));
        } catch (IOException | RuntimeException e) {
            client.closeAsync();
            throw new IOException(where + e.getMessage(), e);
        }
    }

    /**
     * Where other hubs send the producers of the shards this hub writes: {@code advertised-endpoint}, else {@code
     * host:port} as replication defaults it (a wildcard host becomes this machine's name); empty when the port is
     * chosen at start ({@code port 0}), which is logged: other hubs then answer those producers retriable instead.
     */
    static String writerEndpoint(HubConfig config) {
        String advertised = config.replication().advertisedEndpoint();
        if (!advertised.isEmpty()) {
            return advertised;
        }
        if (config.port() == 0) {
            LOG.warn("store=pulsar with port 0 and no advertised-endpoint: other hubs cannot send producers of the"
                    + " shards this hub writes here (they answer them retriable instead); set advertised-endpoint");
            return "";
        }
        String host = config.host();
        if (host.equals("0.0.0.0") || host.equals("::")) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "localhost";
            }
        }
        return host.contains(":") ? "[" + host + "]:" + config.port() : host + ":" + config.port();
    }
}
