package io.tributary.hub.store.pulsar;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.ProducerAccessMode;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Schema;

/**
 * What a writer puts into its shard's topic besides batches ({@link BatchMessages}): the open marker when it takes
 * the topic, followed by the scan up to it ({@link #take}), and the trim marker before retention lets Pulsar delete
 * anything ({@link #sendTrim}). Stateless.
 */
final class ShardMarkers {
    private static final byte[] EMPTY = new byte[0];

    /** A taken topic: this writer's exclusive producer, and what the topic held before its open marker. */
    record Taken(Producer<byte[]> producer, TopicScan scan) {}

    private ShardMarkers() {}

    /**
     * Takes {@code topic} with an {@link ProducerAccessMode#Exclusive} producer named {@code writer}, writes an open
     * marker and reads the topic up to it (see {@link PulsarShard}). Blocking.
     *
     * @param created called with the producer as soon as it exists, so that the caller lets go of it when a later
     *     step fails
     * @throws PulsarClientException when the producer or the marker fails (another writer holds the topic: {@link
     *     PulsarClientException.ProducerFencedException} or {@link PulsarClientException.ProducerBusyException})
     * @throws IOException when the scan fails (a gap, a timeout)
     */
    static Taken take(
            PulsarClient client,
            String topic,
            PulsarStoreConfig config,
            String writer,
            Consumer<Producer<byte[]>> created)
            throws PulsarClientException, IOException {
        Producer<byte[]> p = client.newProducer(Schema.BYTES)
                .topic(topic)
                .producerName(writer)
                .accessMode(ProducerAccessMode.Exclusive)
                .enableBatching(false)
                .blockIfQueueFull(false)
                .maxPendingMessages(config.queueCapacity())
                .sendTimeout((int) config.operationTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .create();
        created.accept(p);
        MessageId marker = p.newMessage()
                .value(EMPTY)
                .property(BatchMessages.VERSION, "1")
                .property(BatchMessages.KIND, BatchMessages.KIND_OPEN)
                .property(BatchMessages.WRITER, writer)
                .send();
        TopicScan scan = TopicScan.upTo(
                client,
                topic,
                marker,
                config.producerWindow(),
                config.operationTimeout().toMillis());
        return new Taken(p, scan);
    }

    /**
     * Sends a trim marker: after the trim, {@code oldest} is the oldest sequence retained and {@code next} the sequence
     * of the first batch sent after the marker. Call under the shard's lock, so that {@code next} is exact.
     */
    static CompletableFuture<MessageId> sendTrim(Producer<byte[]> p, String writer, long oldest, long next) {
        try {
            return p.newMessage()
                    .value(EMPTY)
                    .properties(BatchMessages.trimMarker(writer, oldest, next))
                    .sendAsync();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
