package io.tributary.hub.store.pulsar;

import io.tributary.hub.store.AppendResult;
import io.tributary.hub.store.BatchToAppend;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ProducerLookup;
import io.tributary.hub.store.ProducerRuns;
import io.tributary.hub.store.ReadResult;
import io.tributary.hub.store.RetentionPolicy;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardStoreException;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.hub.store.ShardWrittenElsewhereException;
import io.tributary.hub.store.StoreBusyException;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard on one Pulsar topic: its exclusive producer, the state rebuilt from the topic (sequence index, producer
 * runs, high-water mark) and a reader kept for sequential reads.
 *
 * <p><b>Open.</b> {@link #recover} takes the topic with an exclusive producer, writes an open marker and rebuilds the
 * state from what the topic holds before it: see {@link ShardRecovery}.
 *
 * <p><b>Append.</b> Under the shard's lock: check the producer run, assign the base sequence, send asynchronously
 * (Pulsar keeps a producer's sends in order). The acknowledgement hops to the store's ack thread, which publishes the
 * batch (index, high-water mark) in order and completes the future: an append completes only after Pulsar's durable
 * acknowledgement. Any send failure (timeout, fenced, broker error) takes the shard OFFLINE, as its in-flight sends
 * have an unknown outcome; {@link #recover} (a reopen) learns the truth from the topic.
 *
 * <p><b>Retention.</b> {@link #trim} writes a trim marker (through the same producer, so in order with the batches)
 * and, once it is durable, forgets the trimmed batches: reads below the new oldest sequence get a {@link
 * TrimmedException}. What Pulsar deletes, and when, is {@link ShardRetention}'s business ({@link #retainFrom}).
 *
 * <p>Threads: appends, lookups and info from any thread under this object's lock; reads serialised by the {@link
 * TopicReader} so that they never block appends; {@link #recover} and {@link #close} by the store, under its lock.
 */
final class PulsarShard {
    private static final Logger LOG = LoggerFactory.getLogger(PulsarShard.class);

    private final ShardKey key;
    private final String topic;
    private final PulsarStoreConfig config;
    private final Clock clock;
    private final Executor acks;
    private final Writers writers;
    private final TopicReader reader;
    private final ShardRecovery recovery;

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
        this.writers = writers;
        this.config = config;
        this.clock = clock;
        this.acks = acks;
        this.runs = new ProducerRuns(config.producerWindow());
        this.reader = new TopicReader(client, topic, config.operationTimeout().toMillis());
        this.recovery = new ShardRecovery(key, topic, localName, client, config, writers);
        this.offline = new ShardUnavailableException(key, "not recovered yet", null);
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
        recovery.recover(this);
    }

    /** The refusal of the last recovery when another writer held the topic; null otherwise. */
    synchronized ShardWrittenElsewhereException writtenElsewhere() {
        return offline instanceof ShardWrittenElsewhereException e ? e : null;
    }

    /** A recovery took the topic: the shard is ONLINE with the producer and the state rebuilt from the topic. */
    synchronized void install(Producer<byte[]> p, TopicScan scan) {
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

    /** A replica's catch-up ({@link ReplicaFollower}): the home's state as far as it arrived; appends get readOnly. */
    synchronized void installReplica(TopicScan scan, ReplicaFollower.ReadOnly readOnly) {
        install(null, scan);
        offline = readOnly;
    }

    /** A recovery was refused: {@code holderName} (null: unknown) holds the topic, which therefore exists. */
    synchronized void heldBy(String holderName) {
        holder = holderName;
        topicSeen = true;
    }

    /** A recovery failed: the shard is OFFLINE with {@code failure}, and lets go of {@code p} (null: none made). */
    <E extends ShardUnavailableException> E failRecovery(Producer<byte[]> p, E failure) {
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
            AppendResult duplicate;
            try {
                duplicate = RunCheck.duplicateOrNull(
                        key, b, runs.lookup(b.producer(), b.producerFirstSeq(), b.producerLastSeq()));
            } catch (ShardStoreException e) {
                return CompletableFuture.failedFuture(e);
            }
            if (duplicate != null) {
                return afterPendingSends(duplicate);
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
            throw new CompletionException(sendFailed(error));
        }
        if (base != highWaterMark) {
            throw new CompletionException(goOffline(
                    "acknowledged out of order: batch at " + base + ", high-water mark " + highWaterMark, null));
        }
        index.add(base, b.recordCount(), appendTimeMs, bytes, id);
        highWaterMark = base + b.recordCount();
        return new AppendResult(base, b.recordCount(), AppendResult.Status.APPENDED);
    }

    /** A send (of a batch or a marker) failed: its outcome, and that of the sends after it, is unknown. */
    private ShardUnavailableException sendFailed(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        String reason = cause instanceof PulsarClientException.ProducerFencedException
                ? "fenced: another writer took topic " + topic + ": " + cause.getMessage()
                : "send to " + topic + " failed, outcome of in-flight batches unknown until reopened: " + cause;
        return goOffline(reason, cause);
    }

    /** Completes with {@code answer} once every send queued before completed (the run it names is durable then). */
    private <T> CompletableFuture<T> afterPendingSends(T answer) {
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
            return afterPendingSends(runs.lookup(producer, first, last));
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
        return ShardInfos.of(key, writers.self().toString(), offline, closed, index, highWaterMark, this::unavailable);
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

    /**
     * Trims the batches {@code policy} no longer retains at {@code nowMs} ({@link ShardRetention#victims}): sends a
     * trim marker, and once Pulsar acknowledged it drops them from the index. Completes with what was dropped, at once
     * with nothing when nothing is due; a failed marker send takes the shard OFFLINE, as a failed batch send does.
     */
    CompletableFuture<SequenceIndex.Dropped> trim(RetentionPolicy policy, long nowMs) {
        synchronized (this) {
            if (offline != null || closed) {
                return CompletableFuture.failedFuture(unavailable());
            }
            int victims = ShardRetention.victims(index, policy, nowMs);
            if (victims == 0) {
                return CompletableFuture.completedFuture(new SequenceIndex.Dropped(0, 0, 0));
            }
            long oldest = victims < index.size() ? index.base(victims) : highWaterMark;
            return ShardMarkers.sendTrim(producer, writers.self().producerName(), oldest, nextAssigned)
                    .handleAsync((id, error) -> trimmed(oldest, id, error), acks);
        }
    }

    /** On the ack thread, after the batches sent before the marker: the marker is durable, the trim takes effect. */
    private synchronized SequenceIndex.Dropped trimmed(long oldest, MessageId marker, Throwable error) {
        if (offline != null || closed) {
            throw new CompletionException(unavailable());
        }
        if (error != null) {
            throw new CompletionException(sendFailed(error));
        }
        return index.trimmed(oldest, marker);
    }

    /** {@link SequenceIndex#retainFrom}; null when the shard is not ONLINE either. */
    synchronized MessageId retainFrom() {
        return offline != null || closed ? null : index.retainFrom();
    }

    synchronized long sequenceForTimestamp(long timestampMs) {
        int i = index.firstAppendedAtOrAfter(timestampMs);
        return i < index.size() ? index.base(i) : highWaterMark;
    }

    ReadResult read(long from, int maxRecords, int maxBytes) {
        return reader.read(key, plan(from, maxRecords, maxBytes), from, () -> info().oldestSequence());
    }

    private synchronized TopicReader.Plan plan(long from, int maxRecords, int maxBytes) {
        if ((offline != null && !(offline instanceof ReplicaFollower.ReadOnly)) || closed) {
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
