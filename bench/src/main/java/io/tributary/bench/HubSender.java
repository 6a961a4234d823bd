package io.tributary.bench;

import io.tributary.hub.client.Producer;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.protocol.v1.Record;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * One load thread's way into a hub's stream: its own {@link Producer} (batches of {@code batch} records, linger 1 ms),
 * keys {@code group-<thread>-<k>} taken in turn, four per shard over all threads, so a put is one batch of one key.
 * Used by one thread.
 */
final class HubSender implements WriteLoad.Sender {
    private final Producer producer;
    private final WriteLoad load;
    private final int keys;

    HubSender(ClientResources resources, ClientOptions client, String stream, WriteLoad load) {
        this.load = load;
        this.keys = Math.max(1, load.shards() * 4 / load.producers());
        ProducerOptions options = ProducerOptions.defaults(stream)
                .withCodec(load.protocolCodec())
                .withBatching(load.batch(), Duration.ofMillis(1), load.window() * 2);
        this.producer = Producer.create(resources, client, options);
    }

    @Override
    public Supplier<CompletableFuture<?>> prepare(int thread, long chunk, long firstSeq, int n) {
        String key = "group-" + thread + "-" + (chunk % keys);
        List<Record.Builder> records = load.records(key, firstSeq, n);
        return () -> CompletableFuture.allOf(producer.putAll(key, records).toArray(CompletableFuture[]::new));
    }

    @Override
    public void close() {
        producer.close();
    }
}
