package io.tributary.hub.store.local;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.store.ShardStoreContract;
import io.tributary.testsupport.MutableClock;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The {@link ShardStore} contract on the local store (the Pulsar store runs the same in its module). */
class LocalShardStoreContractTest extends ShardStoreContract {
    @TempDir
    Path dir;

    @Override
    protected ShardStore newStore(MutableClock clock) {
        // The smallest segments: retention deletes whole segments, never the active one, so the contract's retention
        // test needs its few old batches spread over several.
        return new LocalShardStore(
                LocalStoreConfig.builder(dir).segmentMaxBytes(1024).build(), clock, new SimpleMeterRegistry());
    }

    @Override
    protected ShardKey shard() {
        return new ShardKey("contract", "shard-000000");
    }
}
