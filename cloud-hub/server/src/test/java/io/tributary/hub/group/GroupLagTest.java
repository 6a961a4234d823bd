package io.tributary.hub.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.stream.KeyMode;
import io.tributary.hub.stream.Retention;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamRegistry;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupLagTest {
    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    /** The shard's next sequence; negative: the store fails. */
    private final AtomicLong next = new AtomicLong(10);

    private final AtomicInteger storeCalls = new AtomicInteger();
    private StreamRegistry streams;
    private GroupShard key;
    private GroupLag lag;

    @BeforeEach
    void setUp() {
        streams = StreamRegistry.open(dir, Clock.systemUTC());
        StreamDefinition s = streams.create("s", KeyMode.GROUP, new Retention(Duration.ofDays(1), 0), 1);
        key = new GroupShard("s", "g", s.shards().get(0).id());
        ShardStore store = (ShardStore) Proxy.newProxyInstance(
                ShardStore.class.getClassLoader(), new Class<?>[] {ShardStore.class}, (proxy, method, args) -> {
                    storeCalls.incrementAndGet();
                    long n = next.get();
                    if (n < 0) {
                        throw new IllegalStateException("disk on fire");
                    }
                    return switch (method.getName()) {
                        case "info" -> new ShardInfo((ShardKey) args[0], 0, n, 0, 1, ShardStatus.ONLINE, "", "");
                        case "read" -> new ReadResult(List.of(), n, n);
                        default -> throw new UnsupportedOperationException(method.getName());
                    };
                });
        // Refreshes run on the test thread (direct executor), when the test says so.
        lag = new GroupLag(streams, store, Clock.systemUTC(), registry, Runnable::run, scheduler);
        scheduler.shutdownNow();
    }

    @AfterEach
    void tearDown() {
        scheduler.shutdownNow();
    }

    private double records() {
        return registry.get("tributary.group.lag.records")
                .tag("group", "g")
                .tag("shard", key.shardId())
                .gauge()
                .value();
    }

    @Test
    void gauges_readTheCachedLag_aScrapeNeverTouchesTheStore() {
        lag.track(key, 4, false);
        assertThat(records()).isEqualTo(5);
        int calls = storeCalls.get();
        next.set(20);
        for (int i = 0; i < 10; i++) {
            assertThat(records()).as("cached until the next refresh").isEqualTo(5);
        }
        assertThat(storeCalls.get()).isEqualTo(calls);
        lag.refreshAll();
        assertThat(records()).isEqualTo(15);
    }

    @Test
    void refresh_storeFails_lagIsNaNAndCountedNotZero() {
        lag.track(key, 4, false);
        next.set(-1);
        lag.refreshAll();
        lag.refreshAll();
        assertThat(records()).isNaN();
        assertThat(registry.get("tributary.group.lag").gauge().value()).isNaN();
        assertThat(registry.get("tributary.group.lag.failures").counter().count())
                .isEqualTo(2);
        next.set(10);
        lag.refreshAll();
        assertThat(records()).isEqualTo(5);
    }

    @Test
    void refresh_streamDeleted_removesItsGauges() {
        lag.track(key, 4, false);
        streams.delete("s");
        lag.refreshAll();
        assertThat(registry.find("tributary.group.lag.records").gauges()).isEmpty();
        assertThat(registry.find("tributary.group.lag").gauges()).isEmpty();
    }
}
