package io.tributary.hub.store.provider;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.hub.config.HubConfig;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.store.local.LocalShardStore;
import io.tributary.hub.store.local.LocalStoreConfig;
import java.time.Clock;

/** {@code store: local}, the default: {@link LocalShardStore} in {@code <data-dir>/shards}. */
public final class LocalStoreProvider implements ShardStoreProvider {
    public static final String NAME = "local";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ShardStore create(HubConfig config, Clock clock, MeterRegistry registry) {
        return new LocalShardStore(
                LocalStoreConfig.builder(config.dataDir().resolve("shards"))
                        .segmentMaxBytes((int) Math.min(Integer.MAX_VALUE, config.segmentMaxBytes()))
                        .maxBatchBytes(config.maxFrameBytes())
                        .durability(config.durability())
                        .build(),
                clock,
                registry);
    }
}
