package io.tributary.hub.store.pulsar;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.SizeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Pulsar client of a {@link PulsarShardStore}, built from its settings, and the store's shutdown. Stateless. */
final class StoreClient {
    private static final Logger LOG = LoggerFactory.getLogger(PulsarShardStore.class);

    private StoreClient() {}

    /**
     * A client of {@link PulsarStoreConfig#serviceUrl()}, every operation and the connect bounded by {@link
     * PulsarStoreConfig#operationTimeout()}. It connects lazily: nothing is sent before its first use.
     *
     * @throws UncheckedIOException when the client cannot be built (a malformed service URL)
     */
    static PulsarClient of(PulsarStoreConfig config) {
        try {
            return PulsarClient.builder()
                    .serviceUrl(config.serviceUrl())
                    .operationTimeout((int) config.operationTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .connectionTimeout((int) config.operationTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    // Our queueCapacity x maxBatchBytes bounds what is in flight; the client must not refuse a send
                    // after the store assigned it a sequence.
                    .memoryLimit(0, SizeUnit.BYTES)
                    .build();
        } catch (PulsarClientException e) {
            throw new UncheckedIOException(new IOException("Pulsar client for " + config.serviceUrl() + ": " + e, e));
        }
    }

    /**
     * The end of a store: waits (each step bounded by {@code timeout}) for its shards' closes (sends in flight complete
     * or fail), then for its ack thread, then lets the client shut down in the background.
     */
    static void shutDown(
            PulsarClient client, ExecutorService acks, List<CompletableFuture<Void>> shardCloses, Duration timeout) {
        try {
            CompletableFuture.allOf(shardCloses.stream()
                            .map(c -> c.exceptionally(e -> null))
                            .toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("closing the shards' producers: {}", e.toString());
        }
        acks.shutdown();
        try {
            if (!acks.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("acknowledgements still running at close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Not waited for: the client's event loops shut down with Netty's quiet period (about 2 s); every producer
        // and reader is closed already.
        client.closeAsync().whenComplete((x, e) -> {
            if (e != null) {
                LOG.warn("closing the Pulsar client: {}", e.toString());
            }
        });
    }
}
