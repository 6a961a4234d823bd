package io.tributary.hub.store.pulsar;

import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.store.ShardStoreContract;
import io.tributary.testsupport.MutableClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@link ShardStore} contract on the Pulsar store, against a Pulsar standalone. */
class PulsarShardStoreIT extends ShardStoreContract {
    private static final AtomicInteger SHARDS = new AtomicInteger();

    @RegisterExtension
    static final PulsarBroker PULSAR = new PulsarBroker();

    private final ShardKey shard = new ShardKey("contract-" + System.nanoTime(), "shard-" + SHARDS.incrementAndGet());

    static PulsarStoreConfig config(PulsarStandalone broker) {
        return PulsarStoreConfig.builder(broker.serviceUrl(), broker.adminUrl())
                .namespace("it")
                .operationTimeout(Duration.ofSeconds(20))
                .build();
    }

    @Override
    protected ShardStore newStore(MutableClock clock) {
        return new PulsarShardStore(config(PULSAR.broker()), clock);
    }

    @Override
    protected ShardKey shard() {
        return shard;
    }
}
