package io.tributary.hub.store.pulsar;

import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.hub.store.StoredBatch;
import io.tributary.hub.store.TrimmedException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Reader;
import org.apache.pulsar.client.api.Schema;

/**
 * The reads of one shard's topic: which batches a read returns ({@link #plan}, from the shard's index), and a Pulsar
 * reader left where the last read stopped, so that the next sequential read
 * goes on from there without a seek. Threads: reads are serialised on this object (never under the shard's lock, so
 * they do not block appends); a failed fetch drops the reader and the next one starts afresh.
 */
final class TopicReader {

    /** The batches a read returns, chosen under the shard's lock from its index; fetched without it. */
    record Plan(List<MessageId> ids, List<Long> bases, long next, long highWaterMark) {}

    private final PulsarClient client;
    private final String topic;
    private final long timeoutMs;
    private Reader<byte[]> reader;
    private long readerNextBase = -1;

    TopicReader(PulsarClient client, String topic, long timeoutMs) {
        this.client = client;
        this.topic = topic;
        this.timeoutMs = timeoutMs;
    }

    /**
     * The batches to read from {@code from}: whole batches, at least one when {@code from} is below the high-water
     * mark, then as many as fit {@code maxRecords} and {@code maxBytes}. Under the shard's lock (it reads its index).
     *
     * @throws TrimmedException when {@code from} is below the oldest batch
     * @throws IllegalArgumentException when {@code from} is above the high-water mark
     */
    static Plan plan(ShardKey key, SequenceIndex index, long highWaterMark, long from, int maxRecords, int maxBytes) {
        long oldest = index.size() > 0 ? index.base(0) : highWaterMark;
        if (from < oldest) {
            throw new TrimmedException(key, from, oldest);
        }
        if (from > highWaterMark) {
            throw new IllegalArgumentException(
                    key + ": read from " + from + " is above the high-water mark " + highWaterMark);
        }
        List<MessageId> ids = new ArrayList<>();
        List<Long> bases = new ArrayList<>();
        long next = from;
        if (from < highWaterMark) {
            long records = 0;
            long bytes = 0;
            for (int i = index.containing(from); i < index.size(); i++) {
                records += index.count(i);
                bytes += index.payloadBytes(i);
                if (!ids.isEmpty() && (records > maxRecords || bytes > maxBytes)) {
                    break;
                }
                ids.add(index.id(i));
                bases.add(index.base(i));
                next = index.base(i) + index.count(i);
            }
        }
        return new Plan(ids, bases, next, highWaterMark);
    }

    /**
     * Reads what {@code plan} (from {@code from}) names. A failed fetch leaves the shard ONLINE (a broker restart is
     * transient; the next read starts afresh), unless retention trimmed {@code from} meanwhile ({@code oldest} is then
     * above it, and Pulsar may have deleted its ledger): that is a {@link TrimmedException}.
     *
     * @throws ShardUnavailableException when the fetch failed
     */
    ReadResult read(ShardKey key, Plan plan, long from, LongSupplier oldest) {
        if (plan.ids().isEmpty()) {
            return new ReadResult(List.of(), from, plan.highWaterMark());
        }
        try {
            return new ReadResult(fetch(plan), plan.next(), plan.highWaterMark());
        } catch (IOException | RuntimeException e) {
            long now = oldest.getAsLong();
            if (from < now) {
                throw new TrimmedException(key, from, now);
            }
            throw new ShardUnavailableException(key, "read from " + topic + " failed: " + e, e);
        }
    }

    /** Reads the planned messages, skipping markers and resent copies between them. */
    synchronized List<StoredBatch> fetch(Plan plan) throws IOException {
        try {
            return fetchOrFail(plan);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private List<StoredBatch> fetchOrFail(Plan plan) throws IOException {
        if (reader == null || readerNextBase != plan.bases().get(0)) {
            close();
            reader = client.newReader(Schema.BYTES)
                    .topic(topic)
                    .startMessageId(plan.ids().get(0))
                    .startMessageIdInclusive()
                    .receiverQueueSize(TopicScan.READER_QUEUE)
                    .create();
        }
        List<StoredBatch> batches = new ArrayList<>(plan.ids().size());
        for (int i = 0; i < plan.ids().size(); i++) {
            MessageId wanted = plan.ids().get(i);
            // Bounded: each message is before or at the wanted one, and each wait by the timeout.
            while (true) {
                Message<byte[]> m = reader.readNext((int) timeoutMs, TimeUnit.MILLISECONDS);
                if (m == null) {
                    throw new IOException("no message within " + timeoutMs + " ms, expected " + wanted);
                }
                int c = m.getMessageId().compareTo(wanted);
                if (c > 0) {
                    throw new IOException("batch " + wanted + " missing, read " + m.getMessageId());
                }
                if (c == 0) {
                    StoredBatch b = BatchMessages.decode(m);
                    if (b.baseSequence() != plan.bases().get(i)) {
                        throw new IOException("batch " + wanted + " holds base " + b.baseSequence() + ", indexed "
                                + plan.bases().get(i));
                    }
                    batches.add(b);
                    break;
                }
            }
        }
        readerNextBase = plan.next();
        return batches;
    }

    /** Closes the reader (in the background); the next fetch opens a new one. */
    synchronized void close() {
        if (reader != null) {
            reader.closeAsync();
            reader = null;
            readerNextBase = -1;
        }
    }
}
