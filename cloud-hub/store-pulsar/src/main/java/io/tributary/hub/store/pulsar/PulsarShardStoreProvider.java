package io.tributary.hub.store.pulsar;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.hub.config.HubConfig;
import io.tributary.hub.config.PulsarSettings;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.store.provider.ShardStoreProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;

/**
 * {@code store: pulsar}: a {@link PulsarShardStore} on the brokers of the hub settings {@code pulsar.*}, found by the
 * hub through {@link java.util.ServiceLoader}. The store is checked at start ({@link
 * PulsarShardStore#checkReachable}): a hub does not come up on brokers it cannot reach.
 */
public final class PulsarShardStoreProvider implements ShardStoreProvider {
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
                .build();
        PulsarShardStore store;
        try {
            store = new PulsarShardStore(storeConfig, clock);
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
}
