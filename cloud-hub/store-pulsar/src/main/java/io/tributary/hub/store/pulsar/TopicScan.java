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
 */
final class TopicScan {
    private static final int READER_QUEUE = 32;

    final SequenceIndex index = new SequenceIndex();
    final ProducerRuns runs;
    long next;
    long lastAppendTimeMs;
    int copies;
    String lastWriter;

    private TopicScan(int window) {
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
                    return s;
                }
                if (BatchMessages.isMarker(m)) {
                    s.lastWriter = BatchMessages.writerOf(m);
                    continue;
                }
                s.add(topic, m);
            }
        }
    }

    private void add(String topic, Message<byte[]> m) throws IOException {
        StoredBatch b = BatchMessages.decode(m);
        if (index.size() > 0 && b.baseSequence() < next) {
            copies++;
            return;
        }
        if (index.size() > 0 && b.baseSequence() > next) {
            throw new IOException("sequence gap in " + topic + ": batch " + m.getMessageId() + " starts at "
                    + b.baseSequence() + ", expected " + next);
        }
        index.add(
                b.baseSequence(), b.recordCount(), b.appendTimeMs(), b.payload().remaining(), m.getMessageId());
        runs.record(b.producer(), b.producerFirstSeq(), b.producerLastSeq(), b.baseSequence(), b.recordCount());
        next = b.nextSequence();
        lastAppendTimeMs = Math.max(lastAppendTimeMs, b.appendTimeMs());
    }
}
