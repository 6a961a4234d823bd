package io.tributary.hub.store.pulsar;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.hub.config.HubConfig;
import io.tributary.hub.config.PulsarSettings;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.store.provider.ShardStoreProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code store: pulsar}: a {@link PulsarShardStore} on the brokers of the hub settings {@code pulsar.*}, found by the
 * hub through {@link java.util.ServiceLoader}. The store is checked at start ({@link
 * PulsarShardStore#checkReachable}): a hub does not come up on brokers it cannot reach. The store's writer endpoint is
 * the hub's {@code advertised-endpoint} (see {@link #writerEndpoint}).
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
