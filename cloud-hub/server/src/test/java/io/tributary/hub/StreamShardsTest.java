package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.metrics.ShardGauges;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.stream.KeyMode;
import io.tributary.hub.stream.Retention;
import io.tributary.hub.stream.SharedMemoryCatalog;
import io.tributary.hub.stream.StreamRegistry;
import io.tributary.testsupport.MutableClock;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two hubs' shards follow one shared catalog: the hub that deletes a stream deletes its data; the other only lets go
 * of its shards (the data may already be a new stream's of the same name), and opens the new stream's.
 */
class StreamShardsTest {
    private final MutableClock clock = new MutableClock(1_700_000_000_123L);

    /** A store recording open, delete and release calls as "verb stream/shard". */
    private static ShardStore recording(List<String> calls) {
        return (ShardStore) Proxy.newProxyInstance(
                ShardStore.class.getClassLoader(), new Class<?>[] {ShardStore.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "open" -> {
                            calls.add("open " + args[0]);
                            return new ShardInfo((ShardKey) args[0], 0, 0, 0, 0, ShardStatus.ONLINE, "", "");
                        }
                        case "delete", "release" -> {
                            calls.add(method.getName() + " " + args[0]);
                            return CompletableFuture.completedFuture(null);
                        }
                        case "shards" -> {
                            return Set.of();
                        }
                        default -> throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    @Test
    void deleteThenCreateAgain_theNewShardsOpenOnlyAfterTheOldDataIsDeleted() {
        SharedMemoryCatalog shared = new SharedMemoryCatalog();
        StreamRegistry registry = StreamRegistry.open(shared.view(), clock);
        List<String> calls = new CopyOnWriteArrayList<>();
        ShardStore slowDeletes = (ShardStore) Proxy.newProxyInstance(
                ShardStore.class.getClassLoader(), new Class<?>[] {ShardStore.class}, (proxy, method, args) -> {
                    ShardStore plain = recording(calls);
                    if (method.getName().equals("delete")) {
                        // completes on another thread a little later, as a remote store's deletion does
                        CompletableFuture<Void> done = new CompletableFuture<>();
                        CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS)
                                .execute(() -> {
                                    calls.add("deleted " + args[0]);
                                    done.complete(null);
                                });
                        calls.add("delete " + args[0]);
                        return done;
                    }
                    return method.invoke(plain, args);
                });
        StreamShards.follow(registry, slowDeletes, new ShardGauges(new SimpleMeterRegistry(), slowDeletes));

        registry.create("s", KeyMode.GROUP, new Retention(Duration.ofDays(1), 0), 1);
        registry.delete("s");
        registry.create("s", KeyMode.GROUP, new Retention(Duration.ofDays(1), 0), 1);

        assertThat(calls)
                .containsExactly(
                        "open s/shard-000000",
                        "delete s/shard-000000",
                        "deleted s/shard-000000",
                        "open s/shard-000000");
    }

    @Test
    void streamDeletedAndCreatedAgainOnOneHub_otherHubReleasesAndReopensWithoutDeleting() {
        SharedMemoryCatalog shared = new SharedMemoryCatalog();
        StreamRegistry a = StreamRegistry.open(shared.view(), clock);
        StreamRegistry b = StreamRegistry.open(shared.view(), clock);
        List<String> onA = new CopyOnWriteArrayList<>();
        List<String> onB = new CopyOnWriteArrayList<>();
        StreamShards.follow(a, recording(onA), new ShardGauges(new SimpleMeterRegistry(), recording(onA)));
        StreamShards.follow(b, recording(onB), new ShardGauges(new SimpleMeterRegistry(), recording(onB)));
        a.followCatalog();
        b.followCatalog();

        a.create("s", KeyMode.GROUP, new Retention(Duration.ofDays(1), 0), 1);
        shared.deliver();
        a.delete("s");
        clock.advance(Duration.ofSeconds(1));
        a.create("s", KeyMode.GROUP, new Retention(Duration.ofDays(1), 0), 1);
        shared.deliver(); // b learns of both at once: the catalog has the new stream already

        assertThat(onA).containsExactly("open s/shard-000000", "delete s/shard-000000", "open s/shard-000000");
        assertThat(onB).containsExactly("open s/shard-000000", "release s/shard-000000", "open s/shard-000000");
    }
}
