package io.tributary.hub.store.pulsar;

import io.tributary.hub.store.ProducerRuns;
import io.tributary.hub.store.StoredBatch;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Reader;
import org.apache.pulsar.client.api.Schema;

/**
 * What a shard's recovery learns from reading its topic from the start up to its own open marker: the sequence index,
 * the producer runs, the next sequence, the last append time, how many resent copies it skipped, and who wrote the
 * shard last (the {@code tb.writer} of the last open marker before its own; null when none says). Not thread-safe: one
 * recovery builds it.
 *
 * <p><b>Where the shard starts.</b> Retention lets Pulsar delete whole ledgers, so the first message still in the topic
 * may be a batch above 0 or a trim marker ({@link BatchMessages}): the first of them fixes the next sequence, and
 * from there on every batch must follow without a gap (a gap fails the scan) and every trim marker must agree with it.
 * Batches below the newest trim marker's horizon ({@code tb.oldest}) are still in the topic only because Pulsar deletes
 * whole ledgers: they are dropped from the index at the end (readers below the horizon are told it was trimmed), but
 * their producer runs are kept, so a resend of one is still a duplicate. A topic that holds nothing of the store's
 * starts at 0.
 */
final class TopicScan {
    /** Messages a reader of a shard topic prefetches (scan, follower, reads): small, the topics hold batches. */
    static final int READER_QUEUE = 32;

    final SequenceIndex index = new SequenceIndex();
    final ProducerRuns runs;
    long next;
    long lastAppendTimeMs;
    int copies;
    String lastWriter;
    /** The newest trim marker's horizon; 0 when none was read. */
    long horizon;
    /** The newest trim marker; null when none was read. */
    private MessageId trimMarker;
    /** Whether the next sequence is known: a batch or a trim marker was read. */
    private boolean anchored;

    /** An empty scan; {@link #upTo} fills one from a topic. */
    TopicScan(int window) {
        runs = new ProducerRuns(window);
    }

    /**
     * Reads {@code topic} from its start up to {@code marker}; each step waits at most {@code timeoutMs}.
     *
     * @throws IOException on a sequence gap, a message past the marker, or a step that timed out
     * @throws IllegalArgumentException on a message that is not a Tributary batch
     */
    static TopicScan upTo(PulsarClient client, String topic, MessageId marker, int producerWindow, long timeoutMs)
            throws IOException {
        TopicScan s = new TopicScan(producerWindow);
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
                    s.finish();
                    return s;
                }
                s.apply(topic, m);
            }
        }
    }

    /**
     * Takes one message of the topic, in topic order: an open marker, a trim marker or a batch. Messages that Pulsar's
     * geo-replication copied from another cluster are the same (it keeps their properties), so a scan in the region
     * that receives the copy rebuilds the home's sequences and producer runs.
     *
     * @throws IOException on a sequence gap or a trim marker that disagrees with the batches before it
     * @throws IllegalArgumentException on a message that is not a Tributary batch
     */
    void apply(String topic, Message<byte[]> m) throws IOException {
        if (BatchMessages.isMarker(m)) {
            lastWriter = BatchMessages.writerOf(m);
            return;
        }
        BatchMessages.Trim trim = BatchMessages.trimOf(m);
        if (trim != null) {
            trim(topic, m.getMessageId(), trim);
        } else {
            batch(topic, m.getMessageId(), BatchMessages.decode(m));
        }
    }

    /** A trim marker: anchors the next sequence when nothing did yet, else must agree with it; raises the horizon. */
    void trim(String topic, MessageId id, BatchMessages.Trim trim) throws IOException {
        if (anchored && trim.next() != next) {
            throw new IOException("trim marker " + id + " in " + topic + " says the next sequence is " + trim.next()
                    + ", the batches before it end at " + next);
        }
        anchored = true;
        next = trim.next();
        horizon = Math.max(horizon, trim.oldest());
        trimMarker = id;
    }

    /** Drops the batches below the horizon from the index (their producer runs stay). */
    void finish() {
        if (trimMarker != null) {
            index.trimmed(horizon, trimMarker);
        }
    }

    /** A batch: the first one anchors the shard (the older ones were trimmed), the others must follow without gap. */
    void batch(String topic, MessageId id, StoredBatch b) throws IOException {
        if (anchored && b.baseSequence() < next) {
            copies++;
            return;
        }
        if (anchored && b.baseSequence() > next) {
            throw new IOException("sequence gap in " + topic + ": batch " + id + " starts at " + b.baseSequence()
                    + ", expected " + next);
        }
        anchored = true;
        index.add(
                b.baseSequence(), b.recordCount(), b.appendTimeMs(), b.payload().remaining(), id);
        runs.record(b.producer(), b.producerFirstSeq(), b.producerLastSeq(), b.baseSequence(), b.recordCount());
        next = b.nextSequence();
        lastAppendTimeMs = Math.max(lastAppendTimeMs, b.appendTimeMs());
    }
}
