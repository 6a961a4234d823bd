package io.tributary.bench;

import io.tributary.protocol.batch.BatchPayloads;
import io.tributary.protocol.v1.Record;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.ProducerAccessMode;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SizeUnit;

/**
 * The raw Pulsar baseline of {@code bench hub}: the bench's load written straight to Pulsar with a plain client, one
 * topic per shard, as the Pulsar store writes it. Each batch is one message whose value is the batch's stored bytes
 * (the records encoded and compressed as the hub's producer encodes them, done once per batch size ahead of the run,
 * so no per-record work is on this side) with 12 string properties, as many as the store's header. The producers are
 * configured as the store's: exclusive access, no client batching or compression, no blocking on a full queue, no
 * client memory limit. The load's window bounds what is in flight, as with the hub. Thread-safe: one {@link Sender}
 * per load thread over shared producers.
 */
final class RawPulsar implements AutoCloseable {
    private static final int SEND_TIMEOUT_MS = 30_000;
    private static final int QUEUE = 1024;

    private final PulsarClient client;
    private final List<Producer<byte[]>> producers = new ArrayList<>();
    private final List<String> topics = new ArrayList<>();

    /**
     * Connects to {@code serviceUrl} and creates an exclusive producer on each of {@code topics} (full names).
     *
     * @throws IOException when the client or a producer cannot be created (the message names the topic)
     */
    RawPulsar(String serviceUrl, List<String> topicNames) throws IOException {
        try {
            client = PulsarClient.builder()
                    .serviceUrl(serviceUrl)
                    .operationTimeout(SEND_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .memoryLimit(0, SizeUnit.BYTES)
                    .statsInterval(0, TimeUnit.SECONDS) // the bench measures; no periodic stats lines in its log
                    .build();
        } catch (PulsarClientException e) {
            throw new IOException("Pulsar client for " + serviceUrl + ": " + e.getMessage(), e);
        }
        for (String topic : topicNames) {
            try {
                producers.add(client.newProducer(Schema.BYTES)
                        .topic(topic)
                        .accessMode(ProducerAccessMode.Exclusive)
                        .enableBatching(false)
                        .blockIfQueueFull(false)
                        .maxPendingMessages(QUEUE)
                        .sendTimeout(SEND_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                        .create());
                topics.add(topic);
            } catch (PulsarClientException e) {
                close();
                throw new IOException("Pulsar producer on " + topic + ": " + e.getMessage(), e);
            }
        }
    }

    /** A sender for one load thread: its batches go to the topics in turn, starting at the thread's index. */
    WriteLoad.Sender sender(WriteLoad load) {
        Map<Integer, byte[]> payloads = new HashMap<>();
        return new WriteLoad.Sender() {
            @Override
            public Supplier<CompletableFuture<?>> prepare(int thread, long chunk, long firstSeq, int n) {
                byte[] value = payloads.computeIfAbsent(n, k -> encode(load, thread, k));
                Producer<byte[]> producer = producers.get((int) ((thread + chunk) % producers.size()));
                Map<String, String> header = header(thread, firstSeq, n);
                return () ->
                        producer.newMessage().value(value).properties(header).sendAsync();
            }

            @Override
            public void close() {
                // the producers are shared; RawPulsar.close closes them
            }
        };
    }

    private static byte[] encode(WriteLoad load, int thread, int n) {
        List<Record> records = load.records("group-" + thread, 0, n).stream()
                .map(Record.Builder::build)
                .toList();
        return BatchPayloads.encode(records, load.protocolCodec()).payload().toByteArray();
    }

    /** 12 properties of about the sizes of the store's batch header (numbers, an agent id, a lane). */
    private static Map<String, String> header(int thread, long firstSeq, int n) {
        long now = System.currentTimeMillis();
        Map<String, String> p = new HashMap<>(16);
        p.put("b.v", "1");
        p.put("b.base", Long.toString(firstSeq));
        p.put("b.n", Integer.toString(n));
        p.put("b.codec", "1");
        p.put("b.at", Long.toString(now));
        p.put("b.et0", Long.toString(now));
        p.put("b.et1", Long.toString(now));
        p.put("b.agent", "bench-raw-" + thread);
        p.put("b.lane", "default");
        p.put("b.epoch", "1");
        p.put("b.p0", Long.toString(firstSeq));
        p.put("b.p1", Long.toString(firstSeq + n - 1));
        return p;
    }

    List<String> topics() {
        return List.copyOf(topics);
    }

    @Override
    public void close() {
        for (Producer<byte[]> p : producers) {
            p.closeAsync();
        }
        try {
            client.close();
        } catch (PulsarClientException e) {
            System.err.println("closing the raw Pulsar client: " + e.getMessage());
        }
    }
}
