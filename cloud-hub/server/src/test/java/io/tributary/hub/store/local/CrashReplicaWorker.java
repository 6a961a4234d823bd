package io.tributary.hub.store.local;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.StoredBatch;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * Child process of {@link LocalShardStoreReplicaCrashIT}: loops replicated appends, truncates and resets on one shard
 * until killed. Before each operation it prints {@code OP <kind> <high-water mark before> <after> .} (the trailing dot
 * marks a complete line), so that the parent knows which states the shard may reopen in. Any unexpected answer ends
 * it with a stack trace on stderr. Gives up by itself after a bounded number of operations or seconds, so a forgotten
 * child cannot run forever.
 *
 * <p>Arguments: data directory, seed (also makes the batch ids of this run distinct).
 */
public final class CrashReplicaWorker {
    static final ShardKey SHARD = new ShardKey("replica-crash", "0");
    private static final int MAX_OPS = 20_000;
    private static final long MAX_MILLIS = 20_000;

    private final LocalShardStore store;
    private final Random random;
    private final ProducerKey producer;
    private final PrintStream out = System.out;
    private long nextId;
    private long producerSeq;

    private CrashReplicaWorker(LocalShardStore store, long seed) {
        this.store = store;
        this.random = new Random(seed);
        this.producer = new ProducerKey("replica-agent", "", seed);
        this.nextId = seed * 1_000_000L;
    }

    /** Small segments and index intervals, so that truncates cross segment and index boundaries. */
    static LocalStoreConfig config(Path dataDir) {
        return LocalStoreConfig.builder(dataDir)
                .segmentMaxBytes(4096)
                .indexIntervalBytes(512)
                .build();
    }

    public static void main(String[] args) {
        long deadline = System.currentTimeMillis() + MAX_MILLIS;
        try (LocalShardStore store =
                new LocalShardStore(config(Path.of(args[0])), Clock.systemUTC(), new SimpleMeterRegistry())) {
            store.open(SHARD);
            CrashReplicaWorker worker = new CrashReplicaWorker(store, Long.parseLong(args[1]));
            for (int op = 0; op < MAX_OPS && System.currentTimeMillis() < deadline; op++) {
                worker.step();
            }
        }
    }

    private void step() {
        ShardInfo info = store.info(SHARD);
        long hwm = info.nextSequence();
        int dice = random.nextInt(10);
        if (dice < 5 || hwm == info.oldestSequence()) {
            appendRun(hwm);
        } else if (dice < 8) {
            List<StoredBatch> tail = store.read(SHARD, Math.max(info.oldestSequence(), hwm - 40), 1000, 1 << 20)
                    .batches();
            long from = tail.get(random.nextInt(tail.size())).baseSequence();
            print("truncate", hwm, from);
            check(store.truncate(SHARD, from).join() == hwm - from, "truncate removed the wrong count");
        } else {
            long next = hwm + random.nextInt(20);
            print("reset", hwm, next);
            store.resetTo(SHARD, next).join();
        }
    }

    /** One to eight replicated batches at the high-water mark, all in flight at once (so in few group commits). */
    private void appendRun(long hwm) {
        List<StoredBatch> batches = new ArrayList<>();
        long base = hwm;
        for (int i = 0, n = 1 + random.nextInt(8); i < n; i++) {
            int records = 1 + random.nextInt(3);
            long id = nextId++;
            batches.add(new StoredBatch(
                    base,
                    records,
                    7,
                    System.currentTimeMillis(),
                    1000 + id,
                    2000 + id,
                    producer,
                    producerSeq,
                    producerSeq + records - 1,
                    ByteBuffer.wrap(TestBatches.payload(id))));
            base += records;
            producerSeq += records;
        }
        print("append", hwm, base);
        List<CompletableFuture<AppendResult>> pending =
                batches.stream().map(b -> store.appendReplica(SHARD, b)).toList();
        for (CompletableFuture<AppendResult> f : pending) {
            check(f.join().status() == AppendResult.Status.APPENDED, "replicated batch not appended");
        }
    }

    private void print(String kind, long before, long after) {
        out.println("OP " + kind + " " + before + " " + after + " .");
        out.flush();
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }
}
