package io.tributary.hub.store.local;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ShardKey;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Child process of {@link LocalShardStoreCrashIT}: appends batches to one shard until killed, printing one line per
 * acknowledged batch: {@code ACK <base> <count> <id> .} (the trailing dot marks a complete line). Gives up by itself
 * after a bounded number of batches or seconds, so a forgotten child cannot run forever.
 *
 * <p>Arguments: data directory, first batch id, producer epoch.
 */
public final class CrashAppender {
    static final ShardKey SHARD = new ShardKey("crash", "0");
    private static final int MAX_BATCHES = 20_000;
    private static final long MAX_MILLIS = 20_000;

    private CrashAppender() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long firstId = Long.parseLong(args[1]);
        ProducerKey producer = new ProducerKey("crash-agent", "", Long.parseLong(args[2]));
        PrintStream out = System.out;
        Semaphore inFlight = new Semaphore(8);
        long deadline = System.currentTimeMillis() + MAX_MILLIS;
        try (LocalShardStore store = new LocalShardStore(
                LocalStoreConfig.builder(dir).segmentMaxBytes(16 * 1024).build(),
                Clock.systemUTC(),
                new SimpleMeterRegistry())) {
            store.open(SHARD);
            long producerSeq = 0;
            for (int i = 0; i < MAX_BATCHES && System.currentTimeMillis() < deadline; i++) {
                if (!inFlight.tryAcquire(5, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("appends stopped completing");
                }
                long id = firstId + i;
                int records = 1 + (int) (id % 3);
                store.append(SHARD, TestBatches.batch(producer, id, producerSeq, records))
                        .whenComplete((r, e) -> {
                            if (e == null) {
                                synchronized (out) {
                                    out.println("ACK " + r.baseSequence() + " " + r.recordCount() + " " + id + " .");
                                    out.flush();
                                }
                            } else {
                                e.printStackTrace();
                            }
                            inFlight.release();
                        });
                producerSeq += records;
            }
        }
    }
}
