package io.tributary.hub.store.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ShardKey;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcurrentAppendTest {
    private static final ShardKey SHARD = new ShardKey("s", "0");
    private static final int THREADS = 4;
    private static final int PER_THREAD = 100;

    @TempDir
    Path dir;

    @Test
    void append_fromSeveralThreads_allCompleteWithDistinctContiguousSequences() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (LocalShardStore store = new LocalShardStore(
                LocalStoreConfig.builder(dir).segmentMaxBytes(8192).build(),
                Clock.systemUTC(),
                new SimpleMeterRegistry())) {
            store.open(SHARD);
            List<CompletableFuture<List<AppendResult>>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                ProducerKey producer = new ProducerKey("agent-" + t, "", 1);
                workers.add(CompletableFuture.supplyAsync(
                        () -> {
                            List<CompletableFuture<AppendResult>> pending = new ArrayList<>();
                            for (int i = 0; i < PER_THREAD; i++) {
                                pending.add(store.append(SHARD, TestBatches.batch(producer, i, i * 3L, 3)));
                            }
                            return pending.stream().map(CompletableFuture::join).toList();
                        },
                        pool));
            }

            TreeMap<Long, AppendResult> byBase = new TreeMap<>();
            for (CompletableFuture<List<AppendResult>> w : workers) {
                for (AppendResult r : w.get(30, TimeUnit.SECONDS)) {
                    assertThat(byBase.put(r.baseSequence(), r)).isNull();
                }
            }

            assertThat(byBase).hasSize(THREADS * PER_THREAD);
            long expected = 0;
            for (AppendResult r : byBase.values()) {
                assertThat(r.baseSequence()).isEqualTo(expected);
                expected += r.recordCount();
            }
            assertThat(store.info(SHARD).nextSequence()).isEqualTo(expected);
        } finally {
            pool.shutdownNow();
        }
    }
}
