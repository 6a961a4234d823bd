package io.tributary.hub.store.pulsar;

import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.RetentionPolicy;
import io.tributary.hub.store.SampleBatches;
import io.tributary.hub.store.ShardKey;
import java.io.PrintStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Child process of {@link PulsarShardStoreFailureIT} and {@link PulsarRetentionIT}: a store that appends batches
 * {@code id = 0, 1, ...} (producer run {@code id..id}) to one shard until killed, 16 in flight, printing {@code ACK
 * <base> <id> .} per acknowledged batch (the dot marks a complete line). With a retention size, it also applies that
 * retention every {@value #TRIM_EVERY} batches and prints {@code TRIM <oldest> .} when a pass completed. Gives up by
 * itself after a bounded number of batches or seconds.
 *
 * <p>Arguments: service URL, admin URL, stream, shard id, producer agent id, lane, epoch, and optionally the bytes of
 * payload to retain (absent or 0: no retention).
 */
public final class PulsarCrashAppender {
    private static final int MAX_BATCHES = 20_000;
    private static final long MAX_MILLIS = 30_000;
    private static final int TRIM_EVERY = 25;

    private PulsarCrashAppender() {}

    public static void main(String[] args) throws Exception {
        ShardKey shard = new ShardKey(args[2], args[3]);
        ProducerKey producer = new ProducerKey(args[4], args[5], Long.parseLong(args[6]));
        PrintStream out = System.out;
        long retainBytes = args.length > 7 ? Long.parseLong(args[7]) : 0;
        Semaphore inFlight = new Semaphore(16);
        long deadline = System.currentTimeMillis() + MAX_MILLIS;
        try (PulsarShardStore store = new PulsarShardStore(
                PulsarStoreConfig.builder(args[0], URI.create(args[1]))
                        .namespace("it")
                        .operationTimeout(Duration.ofSeconds(20))
                        .build(),
                Clock.systemUTC())) {
            store.open(shard);
            for (long id = 0; id < MAX_BATCHES && System.currentTimeMillis() < deadline; id++) {
                if (!inFlight.tryAcquire(20, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("appends stopped completing");
                }
                long sent = id;
                store.append(shard, SampleBatches.batch(producer, id, id, 1)).whenComplete((r, e) -> {
                    if (e == null) {
                        synchronized (out) {
                            out.println("ACK " + r.baseSequence() + " " + sent + " .");
                            out.flush();
                        }
                    } else {
                        e.printStackTrace();
                    }
                    inFlight.release();
                });
                if (retainBytes > 0 && id % TRIM_EVERY == TRIM_EVERY - 1) {
                    store.enforceRetention(shard, new RetentionPolicy(0, retainBytes))
                            .whenComplete((r, e) -> {
                                if (e == null) {
                                    synchronized (out) {
                                        out.println("TRIM " + r.oldestSequence() + " .");
                                        out.flush();
                                    }
                                } else {
                                    e.printStackTrace();
                                }
                            });
                }
            }
        }
    }
}
