package io.tributary.hub.store.pulsar;

import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.BatchToAppend;
import io.tributary.hub.store.ProducerGapException;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ProducerLookup;
import io.tributary.hub.store.ProducerRuns;
import io.tributary.hub.store.ProducerSequenceException;
import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.hub.store.StoreBusyException;
import io.tributary.hub.store.StoredBatch;
import io.tributary.hub.store.TrimmedException;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.ProducerAccessMode;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Reader;
import org.apache.pulsar.client.api.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard on one Pulsar topic: its exclusive producer, the state rebuilt from the topic (sequence index, producer
 * runs, high-water mark) and a reader kept for sequential reads.
 *
 * <p><b>Open.</b> {@link #recover} first takes the topic with an {@link ProducerAccessMode#Exclusive} producer (a
 * second writer is refused by the broker), then writes an open marker and reads the topic from its start up to that
 * marker. Whatever a previous writer got stored is before the marker, so the scan sees the complete shard, and no one
 * else can append after it. Batches carry their base sequence (see {@link BatchMessages}); the scan checks that they
 * are contiguous and skips a copy of an earlier batch (a send the Pulsar client repeated after a reconnection, its
 * first acknowledgement lost), so the high-water mark after the scan is the end of the last batch. Cost: one full
 * read of the topic per open.
 *
 * <p><b>Append.</b> Under the shard's lock: check the producer run, assign the base sequence, send asynchronously
 * (Pulsar keeps a producer's sends in order). The acknowledgement hops to the store's ack thread, which publishes the
 * batch (index, high-water mark) in order and completes the future: an append completes only after Pulsar's durable
 * acknowledgement. Any send failure (timeout, fenced, broker error) takes the shard OFFLINE, as its in-flight sends
 * have an unknown outcome; {@link #recover} (a reopen) learns the truth from the topic.
 *
 * <p>Threads: appends, lookups and info from any thread under this object's lock; reads serialised by a separate
 * read lock so that they never block appends; {@link #recover} and {@link #close} by the store, under its lock.
 */
final class PulsarShard {
    private static final Logger LOG = LoggerFactory.getLogger(PulsarShard.class);
    private static final byte[] EMPTY = new byte[0];
    private static final int READER_QUEUE = 32;

    private final ShardKey key;
    private final String topic;
    private final PulsarClient client;
    private final PulsarStoreConfig config;
    private final Clock clock;
    private final Executor acks;
    private final Object readLock = new Object();

    // Guarded by this.
    private Producer<byte[]> producer;
    private ProducerRuns runs;
    private SequenceIndex index = new SequenceIndex();
    private long nextAssigned;
    private long highWaterMark;
    private long lastAppendTimeMs;
    private int pending;
    private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);
    private ShardUnavailableException offline;
    private boolean closed;
    // The close of a producer let go by goOffline: a reopen waits for it, else the broker may still see it as the
    // holder.
    private CompletableFuture<Void> letGo = CompletableFuture.completedFuture(null);

    // Guarded by readLock: a reader left where the last read stopped, so the next sequential read goes on from there.
    private Reader<byte[]> reader;
    private long readerNextBase = -1;

    PulsarShard(ShardKey key, String topic, PulsarClient client, PulsarStoreConfig config, Clock clock, Executor acks) {
        this.key = key;
        this.topic = topic;
        this.client = client;
        this.config = config;
        this.clock = clock;
        this.acks = acks;
        this.runs = new ProducerRuns(config.producerWindow());
        this.offline = new ShardUnavailableException(key, "not recovered yet", null);
    }

    String topic() {
        return topic;
    }

    /**
     * Takes the topic and rebuilds the shard's state from it (see the class comment). Blocking.
     *
     * @throws ShardUnavailableException when it fails; the shard is then OFFLINE
     */
    void recover() {
        closeQuietly();
        Producer<byte[]> p = null;
        try {
            p = client.newProducer(Schema.BYTES)
                    .topic(topic)
                    .accessMode(ProducerAccessMode.Exclusive)
                    .enableBatching(false)
                    .blockIfQueueFull(false)
                    .maxPendingMessages(config.queueCapacity())
                    .sendTimeout((int) config.operationTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .create();
            MessageId marker = p.newMessage()
                    .value(EMPTY)
                    .property(BatchMessages.VERSION, "1")
                    .property(BatchMessages.KIND, BatchMessages.KIND_OPEN)
                    .send();
            Scan scan = scan(marker);
            synchronized (this) {
                producer = p;
                runs = scan.runs;
                index = scan.index;
                highWaterMark = scan.next;
                nextAssigned = scan.next;
                lastAppendTimeMs = scan.lastAppendTimeMs;
                pending = 0;
                lastSend = CompletableFuture.completedFuture(null);
                offline = null;
                closed = false;
            }
            LOG.info(
                    "{}: recovered from {}: {} batches, next sequence {}, {} resent copies skipped",
                    key,
                    topic,
                    scan.index.size(),
                    scan.next,
                    scan.copies);
        } catch (PulsarClientException.ProducerFencedException | PulsarClientException.ProducerBusyException e) {
            throw failRecovery(
                    p,
                    "another writer holds topic " + topic + " (exclusive producer), this store may not write: "
                            + e.getMessage(),
                    e);
        } catch (PulsarClientException e) {
            throw failRecovery(p, "open failed on " + topic + ": " + e, e);
        } catch (IOException | RuntimeException e) {
            throw failRecovery(p, "recovery of " + topic + " failed: " + e, e);
        }
    }

    private ShardUnavailableException failRecovery(Producer<byte[]> p, String reason, Throwable cause) {
        ShardUnavailableException failure = new ShardUnavailableException(key, reason, cause);
        synchronized (this) {
            offline = failure;
            if (p != null) {
                letGo = p.closeAsync();
            }
        }
        return failure;
    }

    private static final class Scan {
        final SequenceIndex index = new SequenceIndex();
        final ProducerRuns runs;
        long next;
        long lastAppendTimeMs;
        int copies;

        Scan(int window) {
            runs = new ProducerRuns(window);
        }
    }

    /** Reads the topic from its start up to {@code marker}. */
    private Scan scan(MessageId marker) throws IOException {
        Scan s = new Scan(config.producerWindow());
        long timeoutMs = config.operationTimeout().toMillis();
        try (Reader<byte[]> r = client.newReader(Schema.BYTES)
                .topic(topic)
                .startMessageId(MessageId.earliest)
                .receiverQueueSize(READER_QUEUE)
                .create()) {
            // Ends at the marker; each step is bounded by the timeout.
            while (true) {
                Message<byte[]> m = r.readNext((int) timeoutMs, TimeUnit.MILLISECONDS);
                if (m == null) {
                    throw new IOException("no message within " + timeoutMs + " ms before the open marker " + marker);
                }
                int c = m.getMessageId().compareTo(marker);
                if (c >= 0) {
                    if (c > 0) {
                        throw new IOException("read past the open marker " + marker + " to " + m.getMessageId());
                    }
                    return s;
                }
                if (BatchMessages.isMarker(m)) {
                    continue;
                }
                StoredBatch b = BatchMessages.decode(m);
                if (s.index.size() > 0 && b.baseSequence() < s.next) {
                    s.copies++;
                    continue;
                }
                if (s.index.size() > 0 && b.baseSequence() > s.next) {
                    throw new IOException("sequence gap in " + topic + ": batch " + m.getMessageId() + " starts at "
                            + b.baseSequence() + ", expected " + s.next);
                }
                s.index.add(
                        b.baseSequence(),
                        b.recordCount(),
                        b.appendTimeMs(),
                        b.payload().remaining(),
                        m.getMessageId());
                s.runs.record(
                        b.producer(), b.producerFirstSeq(), b.producerLastSeq(), b.baseSequence(), b.recordCount());
                s.next = b.nextSequence();
                s.lastAppendTimeMs = Math.max(s.lastAppendTimeMs, b.appendTimeMs());
            }
        }
    }

    CompletableFuture<AppendResult> append(BatchToAppend b) {
        if (b.payloadSize() > config.maxBatchBytes()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "payload of " + b.payloadSize() + " bytes exceeds maxBatchBytes " + config.maxBatchBytes()));
        }
        synchronized (this) {
            if (offline != null || closed) {
                return CompletableFuture.failedFuture(unavailable());
            }
            ProducerLookup seen = runs.lookup(b.producer(), b.producerFirstSeq(), b.producerLastSeq());
            switch (seen.outcome()) {
                case DUPLICATE -> {
                    return afterPendingSends(
                            new AppendResult(seen.baseSequence(), seen.recordCount(), AppendResult.Status.DUPLICATE));
                }
                case ALREADY_COVERED -> {
                    return afterPendingSends(new AppendResult(-1, b.recordCount(), AppendResult.Status.DUPLICATE));
                }
                case OVERLAP -> {
                    return CompletableFuture.failedFuture(new ProducerSequenceException(
                            key, b.producer(), b.producerFirstSeq(), b.producerLastSeq(), seen.highestStoredSeq()));
                }
                case GAP -> {
                    if (!b.allowGap()) {
                        return CompletableFuture.failedFuture(new ProducerGapException(
                                key, b.producer(), b.producerFirstSeq(), seen.highestStoredSeq()));
                    }
                }
                default -> {}
            }
            if (pending >= config.queueCapacity()) {
                return CompletableFuture.failedFuture(new StoreBusyException(key, config.queueCapacity()));
            }
            long base = nextAssigned;
            long appendTimeMs = Math.max(lastAppendTimeMs, clock.millis());
            byte[] value = new byte[b.payloadSize()];
            b.payload().duplicate().get(value);
            // The run is recorded before the send, so a retry arriving meanwhile is a DUPLICATE that waits for it.
            nextAssigned = base + b.recordCount();
            lastAppendTimeMs = appendTimeMs;
            runs.record(b.producer(), b.producerFirstSeq(), b.producerLastSeq(), base, b.recordCount());
            pending++;
            CompletableFuture<MessageId> sent;
            try {
                sent = producer.newMessage()
                        .value(value)
                        .properties(BatchMessages.properties(b, base, appendTimeMs))
                        .sendAsync();
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            CompletableFuture<AppendResult> result =
                    sent.handleAsync((id, error) -> acknowledged(b, base, appendTimeMs, value.length, id, error), acks);
            lastSend = result;
            return result;
        }
    }

    /** On the ack thread, in send order: publishes the batch, or takes the shard OFFLINE. */
    private synchronized AppendResult acknowledged(
            BatchToAppend b, long base, long appendTimeMs, int bytes, MessageId id, Throwable error) {
        pending--;
        if (offline != null) {
            throw new CompletionException(offline);
        }
        if (error != null) {
            Throwable cause =
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            String reason = cause instanceof PulsarClientException.ProducerFencedException
                    ? "fenced: another writer took topic " + topic + ": " + cause.getMessage()
                    : "send to " + topic + " failed, outcome of in-flight batches unknown until reopened: " + cause;
            throw new CompletionException(goOffline(reason, cause));
        }
        if (base != highWaterMark) {
            throw new CompletionException(goOffline(
                    "acknowledged out of order: batch at " + base + ", high-water mark " + highWaterMark, null));
        }
        index.add(base, b.recordCount(), appendTimeMs, bytes, id);
        highWaterMark = base + b.recordCount();
        return new AppendResult(base, b.recordCount(), AppendResult.Status.APPENDED);
    }

    /** Completes with {@code answer} once every send queued before completed (the run it names is durable then). */
    private CompletableFuture<AppendResult> afterPendingSends(AppendResult answer) {
        return lastSend.handle((x, error) -> {
            if (error != null) {
                throw new CompletionException(unavailable());
            }
            return answer;
        });
    }

    /** As {@link #append}'s check, answering a run that is still in flight once it is durable. */
    CompletableFuture<ProducerLookup> lookupProducer(ProducerKey producer, long first, long last) {
        synchronized (this) {
            if (offline != null || closed) {
                return CompletableFuture.failedFuture(unavailable());
            }
            ProducerLookup answer = runs.lookup(producer, first, last);
            return lastSend.handle((x, error) -> {
                if (error != null) {
                    throw new CompletionException(unavailable());
                }
                return answer;
            });
        }
    }

    private synchronized ShardUnavailableException unavailable() {
        if (offline != null) {
            return offline;
        }
        return new ShardUnavailableException(key, closed ? "shard closed" : "a send failed", null);
    }

    /** Takes the shard OFFLINE (once) and lets go of the topic, so that a reopen or another store can take it. */
    synchronized ShardUnavailableException goOffline(String reason, Throwable cause) {
        if (offline == null) {
            offline = new ShardUnavailableException(key, reason, cause);
            LOG.warn("{}: OFFLINE: {}", key, reason, cause);
            if (producer != null) {
                letGo = producer.closeAsync();
                producer = null;
            }
        }
        return offline;
    }

    synchronized ShardInfo info() {
        long oldest = index.size() > 0 ? index.base(0) : highWaterMark;
        return new ShardInfo(
                key,
                oldest,
                highWaterMark,
                index.bytes(),
                index.size() > 0 ? 1 : 0,
                offline == null && !closed ? ShardStatus.ONLINE : ShardStatus.OFFLINE,
                offline == null && !closed ? "" : unavailable().getMessage());
    }

    synchronized long sequenceForTimestamp(long timestampMs) {
        int i = index.firstAppendedAtOrAfter(timestampMs);
        return i < index.size() ? index.base(i) : highWaterMark;
    }

    /** The batches a read returns, chosen under the shard's lock; fetched without it. */
    private record Plan(List<MessageId> ids, List<Long> bases, long next, long highWaterMark) {}

    ReadResult read(long from, int maxRecords, int maxBytes) {
        Plan plan = plan(from, maxRecords, maxBytes);
        if (plan.ids().isEmpty()) {
            return new ReadResult(List.of(), from, plan.highWaterMark());
        }
        synchronized (readLock) {
            try {
                return new ReadResult(fetch(plan), plan.next(), plan.highWaterMark());
            } catch (IOException | RuntimeException e) {
                // A read that fails leaves the shard ONLINE (a broker restart is transient): start afresh next time.
                closeReader();
                throw new ShardUnavailableException(key, "read from " + topic + " failed: " + e, e);
            }
        }
    }

    private synchronized Plan plan(long from, int maxRecords, int maxBytes) {
        if (offline != null || closed) {
            throw unavailable();
        }
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

    /** Reads the planned messages, skipping markers and resent copies between them. Under the read lock. */
    private List<StoredBatch> fetch(Plan plan) throws IOException {
        if (reader == null || readerNextBase != plan.bases().get(0)) {
            closeReader();
            reader = client.newReader(Schema.BYTES)
                    .topic(topic)
                    .startMessageId(plan.ids().get(0))
                    .startMessageIdInclusive()
                    .receiverQueueSize(READER_QUEUE)
                    .create();
        }
        long timeoutMs = config.operationTimeout().toMillis();
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

    private void closeReader() {
        if (reader != null) {
            reader.closeAsync();
            reader = null;
            readerNextBase = -1;
        }
    }

    /** Lets go of the topic: completes (or fails) the sends in flight, closes producer and reader. */
    CompletableFuture<Void> close() {
        Producer<byte[]> p;
        CompletableFuture<Void> previous;
        synchronized (this) {
            // Sends in flight still complete (acknowledged() publishes them); new calls are refused.
            p = producer;
            producer = null;
            closed = true;
            previous = letGo;
        }
        synchronized (readLock) {
            closeReader();
        }
        return p == null ? previous : CompletableFuture.allOf(previous, p.closeAsync());
    }

    private void closeQuietly() {
        try {
            close().get(config.operationTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.debug("{}: closing the previous producer failed: {}", key, e.toString());
        }
    }
}
