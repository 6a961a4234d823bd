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
import org.apache.pulsar.client.api.CompressionType;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.ProducerAccessMode;
import org.apache.pulsar.client.api.ProducerBuilder;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SizeUnit;

/**
 * The raw Pulsar baselines of {@code bench hub}: the bench's load written straight to Pulsar with a plain client, one
 * topic per shard, each thread's batches to the topics in turn. The load's window bounds the batches in flight, as
 * with the hub. Two modes:
 *
 * <ul>
 *   <li>{@link Mode#BATCHES} (target {@code raw}), as the Pulsar store writes: each batch is one message whose value is
 *       the batch's stored bytes (the records encoded and compressed as the hub's producer encodes them, done once per
 *       batch size ahead of the run, so this side does no per-record work) with 12 string properties, as many as the
 *       store's header; producers configured as the store's: exclusive access, no client batching or compression, no
 *       blocking on a full queue, no client memory limit.
 *   <li>{@link Mode#RECORDS} (target {@code raw_records}), as Pulsar's perf tool writes: each record is a message of
 *       {@code recordBytes} (the same bytes as a hub record's payload), batched by the Pulsar client up to the load's
 *       batch size (1 ms linger) and compressed with the load's codec; a batch is acknowledged when all its records
 *       are.
 * </ul>
 *
 * <p>Thread-safe: one {@link WriteLoad.Sender} per load thread over shared producers.
 */
final class RawPulsar implements AutoCloseable {
    private static final int SEND_TIMEOUT_MS = 30_000;
    private static final int QUEUE = 1024;

    /** How batches become Pulsar messages (see the class comment). */
    enum Mode {
        BATCHES,
        RECORDS
    }

    private final PulsarClient client;
    private final List<Producer<byte[]>> producers = new ArrayList<>();
    private final WriteLoad load;
    private final Mode mode;

    /**
     * Connects to {@code serviceUrl} and creates an exclusive producer on each of {@code topics} (full names).
     *
     * @throws IOException when the client or a producer cannot be created (the message names the topic)
     */
    RawPulsar(String serviceUrl, List<String> topics, WriteLoad load, Mode mode) throws IOException {
        this.load = load;
        this.mode = mode;
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
        for (String topic : topics) {
            try {
                producers.add(producer(topic));
            } catch (PulsarClientException e) {
                close();
                throw new IOException("Pulsar producer on " + topic + ": " + e.getMessage(), e);
            }
        }
    }

    private Producer<byte[]> producer(String topic) throws PulsarClientException {
        ProducerBuilder<byte[]> b = client.newProducer(Schema.BYTES)
                .topic(topic)
                .accessMode(ProducerAccessMode.Exclusive)
                .blockIfQueueFull(false)
                .sendTimeout(SEND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (mode == Mode.BATCHES) {
            return b.enableBatching(false).maxPendingMessages(QUEUE).create();
        }
        return b.enableBatching(true)
                .batchingMaxMessages(load.batch())
                .batchingMaxBytes(4 << 20)
                .batchingMaxPublishDelay(1, TimeUnit.MILLISECONDS)
                .compressionType(
                        switch (load.protocolCodec()) {
                            case CODEC_LZ4 -> CompressionType.LZ4;
                            case CODEC_ZSTD -> CompressionType.ZSTD;
                            default -> CompressionType.NONE;
                        })
                // every record of the window may be pending at once
                .maxPendingMessages(load.producers() * load.window() * load.batch())
                .create();
    }

    /** A sender for one load thread. */
    WriteLoad.Sender sender() {
        Map<Integer, byte[]> payloads = new HashMap<>();
        return new WriteLoad.Sender() {
            @Override
            public Supplier<CompletableFuture<?>> prepare(int thread, long chunk, long firstSeq, int n) {
                Producer<byte[]> producer = producers.get((int) ((thread + chunk) % producers.size()));
                if (mode == Mode.RECORDS) {
                    List<byte[]> values = load.records("group-" + thread, firstSeq, n).stream()
                            .map(r -> r.getPayload().toByteArray())
                            .toList();
                    return () -> {
                        CompletableFuture<?>[] sends = new CompletableFuture<?>[values.size()];
                        for (int i = 0; i < sends.length; i++) {
                            sends[i] = producer.sendAsync(values.get(i));
                        }
                        return CompletableFuture.allOf(sends);
                    };
                }
                byte[] value = payloads.computeIfAbsent(n, k -> encode(load, thread, k));
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

    /** A batch of {@code n} of the load's records as stored: encoded and compressed with the load's codec. */
    static byte[] encode(WriteLoad load, int thread, int n) {
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
