package io.tributary.hub.store.pulsar;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.SizeUnit;

/** The Pulsar client of a {@link PulsarShardStore}, built from its settings. Stateless. */
final class StoreClient {
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
}
