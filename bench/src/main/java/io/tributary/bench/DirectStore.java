package io.tributary.bench;

import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.BatchToAppend;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.pulsar.PulsarShardStore;
import io.tributary.hub.store.pulsar.PulsarStoreConfig;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The {@code direct} target of {@code bench hub}: the Pulsar store ({@link PulsarShardStore}, as a hub configures it)
 * in the bench JVM, appended to without a hub, so that its write path is measured apart from the hub's protocol and
 * validation. The batches are the {@code raw} target's: stored bytes encoded once per batch size ahead of the run.
 * Each load thread appends as its own producer, one lane per shard, so every run continues its lane's sequence.
 * Thread-safe: one {@link WriteLoad.Sender} per load thread over the shared store.
 */
final class DirectStore implements AutoCloseable {
    private final PulsarShardStore store;
    private final List<ShardKey> shards = new ArrayList<>();
    private final WriteLoad load;
    // [thread][shard]: the next producer sequence of the thread's lane on the shard, kept across runs (row t is only
    // used by load thread t; runs are one after the other).
    private final long[][] nextSeq;

    /**
     * Opens {@code stream}'s shards (topics {@code public/tributary/<stream>.shard-NNNNNN}) on the broker.
     *
     * @throws java.io.IOException when the broker cannot be reached
     * @throws io.tributary.hub.store.ShardUnavailableException when a shard does not open
     */
    DirectStore(String serviceUrl, URI adminUrl, String stream, WriteLoad load) throws java.io.IOException {
        this.load = load;
        this.nextSeq = new long[load.producers()][load.shards()];
        this.store = new PulsarShardStore(
                PulsarStoreConfig.builder(serviceUrl, adminUrl).build(), Clock.systemUTC());
        try {
            store.checkReachable();
            for (int i = 0; i < load.shards(); i++) {
                ShardKey key = new ShardKey(stream, String.format("shard-%06d", i));
                store.open(key);
                shards.add(key);
            }
        } catch (java.io.IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** A sender for one load thread: its batches go to the shards in turn, starting at the thread's index. */
    WriteLoad.Sender sender() {
        Map<Integer, byte[]> payloads = new HashMap<>();
        return new WriteLoad.Sender() {
            @Override
            public Supplier<CompletableFuture<?>> prepare(int thread, long chunk, long firstSeq, int n) {
                int shard = (int) ((thread + chunk) % shards.size());
                byte[] value = payloads.computeIfAbsent(n, k -> RawPulsar.encode(load, thread, k));
                ProducerKey producer = new ProducerKey("bench-direct-" + thread, "s" + shard, 1);
                // The sequences are taken when the batch is sent: a batch prepared but not sent (the phase's time was
                // up) must not leave a gap in its lane.
                return () -> {
                    long now = System.currentTimeMillis();
                    long first = nextSeq[thread][shard];
                    nextSeq[thread][shard] += n;
                    BatchToAppend batch = new BatchToAppend(
                            ByteBuffer.wrap(value),
                            load.protocolCodec().getNumber(),
                            n,
                            now,
                            now,
                            producer,
                            first,
                            first + n - 1);
                    return store.append(shards.get(shard), batch).thenAccept(r -> {
                        if (r.status() != AppendResult.Status.APPENDED) {
                            throw new IllegalStateException("batch answered " + r.status() + ", not appended");
                        }
                    });
                };
            }

            @Override
            public void close() {
                // the store is shared; DirectStore.close closes it
            }
        };
    }

    @Override
    public void close() {
        store.close();
    }
}
