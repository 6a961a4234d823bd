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
import io.tributary.hub.store.ShardWrittenElsewhereException;
import io.tributary.hub.store.StoreBusyException;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.ProducerAccessMode;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard on one Pulsar topic: its exclusive producer, the state rebuilt from the topic (sequence index, producer
 * runs, high-water mark) and a reader kept for sequential reads.
 *
 * <p><b>Open.</b> {@link #recover} first takes the topic with an {@link ProducerAccessMode#Exclusive} producer named
 * after this store's writer ({@link WriterName}; a second writer is refused by the broker, and the shard is then {@link
 * ShardStatus#WRITTEN_ELSEWHERE} here, naming the holder), then writes an open marker (with that name) and reads the
 * topic from its start up to that marker. Whatever a previous writer got stored is before the marker, so the scan sees
 * the complete shard, and no one else can append after it. Batches carry their base sequence (see {@link
 * BatchMessages}); the scan checks that they are contiguous and skips a copy of an earlier batch (a send the Pulsar
 * client repeated after a reconnection, its first acknowledgement lost), so the high-water mark after the scan is the
 * end of the last batch. Cost: one full read of the topic per open. When the last marker before its own names another
 * writer, the open was a takeover.
 *
 * <p><b>Append.</b> Under the shard's lock: check the producer run, assign the base sequence, send asynchronously
 * (Pulsar keeps a producer's sends in order). The acknowledgement hops to the store's ack thread, which publishes the
 * batch (index, high-water mark) in order and completes the future: an append completes only after Pulsar's durable
 * acknowledgement. Any send failure (timeout, fenced, broker error) takes the shard OFFLINE, as its in-flight sends
 * have an unknown outcome; {@link #recover} (a reopen) learns the truth from the topic.
 *
 * <p>Threads: appends, lookups and info from any thread under this object's lock; reads serialised by the {@link
 * TopicReader} so that they never block appends; {@link #recover} and {@link #close} by the store, under its lock.
 */
final class PulsarShard {
    private static final Logger LOG = LoggerFactory.getLogger(PulsarShard.class);
    private static final byte[] EMPTY = new byte[0];

    private final ShardKey key;
    private final String topic;
    private final PulsarClient client;
    private final PulsarStoreConfig config;
    private final Clock clock;
    private final Executor acks;
    private final Writers writers;
    private final String localName;
    private final TopicReader reader;

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
    // The producer name that held the topic at the last refused recovery (null: unknown or none).
    private String holder;
    // Whether the topic was ever found to exist (recovered from it, or refused by its holder): a takeover try must
    // not create it again once it is gone.
    private boolean topicSeen;
    private boolean closed;
    // The close of a producer let go by goOffline: a reopen waits for it, else the broker may still see it as the
    // holder.
    private CompletableFuture<Void> letGo = CompletableFuture.completedFuture(null);

    PulsarShard(
            ShardKey key,
            String topic,
            String localName,
            PulsarClient client,
            PulsarStoreConfig config,
            Clock clock,
            Executor acks,
            Writers writers) {
        this.key = key;
        this.topic = topic;
        this.localName = localName;
        this.writers = writers;
        this.client = client;
        this.config = config;
        this.clock = clock;
        this.acks = acks;
        this.runs = new ProducerRuns(config.producerWindow());
        this.reader = new TopicReader(client, topic, config.operationTimeout().toMillis());
        this.offline = new ShardUnavailableException(key, "not recovered yet", null);
    }

    String topic() {
        return topic;
    }

    /**
     * Takes the topic and rebuilds the shard's state from it (see the class comment). Blocking.
     *
     * @throws ShardWrittenElsewhereException when another producer holds the topic; the shard is then {@link
     *     ShardStatus#WRITTEN_ELSEWHERE}
     * @throws ShardUnavailableException when it fails otherwise; the shard is then OFFLINE
     */
    void recover() {
        closeQuietly();
        ShardWrittenElsewhereException elsewhereBefore;
        synchronized (this) {
            elsewhereBefore = offline instanceof ShardWrittenElsewhereException e ? e : null;
        }
        Producer<byte[]> p = null;
        try {
            p = client.newProducer(Schema.BYTES)
                    .topic(topic)
                    .producerName(writers.self().producerName())
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
                    .property(BatchMessages.WRITER, writers.self().producerName())
                    .send();
            TopicScan scan = TopicScan.upTo(
                    client,
                    topic,
                    marker,
                    config.producerWindow(),
                    config.operationTimeout().toMillis());
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
                topicSeen = true;
            }
            writers.tookOver(key, scan.lastWriter, elsewhereBefore);
            LOG.info(
                    "{}: recovered from {}: {} batches, next sequence {}, {} resent copies skipped",
                    key,
                    topic,
                    scan.index.size(),
                    scan.next,
                    scan.copies);
        } catch (PulsarClientException.ProducerFencedException | PulsarClientException.ProducerBusyException e) {
            Optional<String> holderName = writers.holderOf(key, localName, e);
            ShardWrittenElsewhereException elsewhere = writers.elsewhere(key, holderName, e);
            synchronized (this) {
                holder = holderName.orElse(null);
                topicSeen = true;
            }
            if (elsewhereBefore == null || !elsewhereBefore.writer().equals(elsewhere.writer())) {
                LOG.info(
                        "{}: written by {}; this hub does not write it{}",
                        key,
                        elsewhere.writer(),
                        redirecting(elsewhere));
            }
            throw failRecovery(p, elsewhere);
        } catch (PulsarClientException e) {
            throw failRecovery(p, new ShardUnavailableException(key, "open failed on " + topic + ": " + e, e));
        } catch (IOException | RuntimeException e) {
            throw failRecovery(p, new ShardUnavailableException(key, "recovery of " + topic + " failed: " + e, e));
        }
    }

    private static String redirecting(ShardWrittenElsewhereException e) {
        return e.writerEndpoint().isEmpty()
                ? " (appends are refused as retriable until it takes the shard over)"
                : ", its producers are sent to " + e.writerEndpoint();
    }

    private <E extends ShardUnavailableException> E failRecovery(Producer<byte[]> p, E failure) {
        synchronized (this) {
            offline = failure;
            closed = false; // the store still holds the shard (recover's close let go of the old producer only)
            if (p != null) {
                letGo = p.closeAsync();
            }
        }
        return failure;
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
        ShardStatus status;
        String cause;
        if (offline == null && !closed) {
            status = ShardStatus.ONLINE;
            cause = "";
        } else if (offline instanceof ShardWrittenElsewhereException e
                && !closed
                && !e.writerEndpoint().isEmpty()) {
            // This store's index is empty or stale (the shard moved on at its writer): no positions to tell. (With no
            // endpoint to send producers to, the shard counts as OFFLINE below: this hub cannot serve them.)
            return new ShardInfo(
                    key, -1, -1, -1, 0, ShardStatus.WRITTEN_ELSEWHERE, "written by another hub: " + e.writer());
        } else {
            status = ShardStatus.OFFLINE;
            cause = unavailable().getMessage();
        }
        return new ShardInfo(key, oldest, highWaterMark, index.bytes(), index.size() > 0 ? 1 : 0, status, cause);
    }

    /** Whether appends are served: recovered, not offline, not closed. */
    synchronized boolean online() {
        return offline == null && !closed;
    }

    /**
     * The producer that held the topic when this shard was last found written elsewhere; null when it is not, or the
     * holder is unknown.
     */
    synchronized String holder() {
        return offline instanceof ShardWrittenElsewhereException && !closed ? holder : null;
    }

    synchronized boolean topicSeen() {
        return topicSeen;
    }

    /** The topic is gone: OFFLINE with {@code reason} (replacing any earlier one, a holder included), once logged. */
    synchronized void goneOffline(String reason) {
        if (offline != null && offline.getMessage().endsWith(reason)) {
            return; // said already
        }
        goOffline(reason, null); // when it was ONLINE: logs, and lets go of the producer
        if (!offline.getMessage().endsWith(reason)) { // an earlier reason (a holder, a failed send): replaced
            LOG.warn("{}: OFFLINE: {}", key, reason);
            offline = new ShardUnavailableException(key, reason, null);
        }
        holder = null;
    }

    synchronized boolean isClosed() {
        return closed;
    }

    synchronized long sequenceForTimestamp(long timestampMs) {
        int i = index.firstAppendedAtOrAfter(timestampMs);
        return i < index.size() ? index.base(i) : highWaterMark;
    }

    ReadResult read(long from, int maxRecords, int maxBytes) {
        TopicReader.Plan plan = plan(from, maxRecords, maxBytes);
        if (plan.ids().isEmpty()) {
            return new ReadResult(List.of(), from, plan.highWaterMark());
        }
        try {
            return new ReadResult(reader.fetch(plan), plan.next(), plan.highWaterMark());
        } catch (IOException | RuntimeException e) {
            // A read that fails leaves the shard ONLINE (a broker restart is transient): the reader starts afresh.
            throw new ShardUnavailableException(key, "read from " + topic + " failed: " + e, e);
        }
    }

    private synchronized TopicReader.Plan plan(long from, int maxRecords, int maxBytes) {
        if (offline != null || closed) {
            throw unavailable();
        }
        return TopicReader.plan(key, index, highWaterMark, from, maxRecords, maxBytes);
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
        reader.close();
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
