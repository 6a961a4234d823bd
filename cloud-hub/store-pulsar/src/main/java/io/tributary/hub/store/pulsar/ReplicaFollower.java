package io.tributary.hub.store.pulsar;

import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardUnavailableException;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Reader;
import org.apache.pulsar.client.api.Schema;

/**
 * A shard's topic read in a region that receives Pulsar's geo-replicated copy of it ({@link
 * PulsarStoreConfig#replica()}): a reader that goes on where the last catch-up stopped and a {@link TopicScan} that
 * takes every message, so the sequences, the index and the producer runs are the home region's (the replicator copies
 * each message with its properties, in the home topic's order). Nothing is written: no open marker, no producer.
 *
 * <p>Threads: thread-safe (its own lock; {@link Replicas} calls {@link #catchUp} under the shard's lock, which guards
 * the scan's index once the shard holds it). Blocking; each step is bounded by the timeout.
 */
final class ReplicaFollower {
    /**
     * What a replica answers appends (and producer lookups) with: retriable, the shard is written in the home region.
     * Reads are served ({@link PulsarShard#installReplica}); the shard's status is {@code REPLICA}.
     */
    static final class ReadOnly extends ShardUnavailableException {
        private static final long serialVersionUID = 1L;
        /** The shard's cause in its {@code ShardInfo} ({@code describe}, {@code /health}). */
        static final String CAUSE = "replica (pulsar.replica): written in the home region, copied here by Pulsar's"
                + " geo-replication; this hub serves reads only";

        ReadOnly(ShardKey key, String topic) {
            super(
                    key,
                    "replica (pulsar.replica): Pulsar's geo-replication copies " + topic + " here from the home"
                            + " region, whose hubs take the writes; this hub serves reads only",
                    null);
        }
    }

    private final PulsarClient client;
    private final String topic;
    private final int producerWindow;
    private final long timeoutMs;
    private Reader<byte[]> reader;
    private TopicScan scan;

    ReplicaFollower(PulsarClient client, String topic, int producerWindow, long timeoutMs) {
        this.client = client;
        this.topic = topic;
        this.producerWindow = producerWindow;
        this.timeoutMs = timeoutMs;
    }

    /**
     * Reads what the topic holds beyond what was read before and returns the scan of all of it. A failure (the topic
     * is not replicated here yet, the broker is down, a gap) drops the reader and the scan: the next call reads the
     * topic from its start again.
     *
     * @throws IOException saying what failed
     */
    synchronized TopicScan catchUp() throws IOException {
        try {
            if (reader == null) {
                scan = new TopicScan(producerWindow);
                reader = client.newReader(Schema.BYTES)
                        .topic(topic)
                        .startMessageId(MessageId.earliest)
                        .receiverQueueSize(TopicScan.READER_QUEUE)
                        .createAsync()
                        .get(timeoutMs, TimeUnit.MILLISECONDS);
            }
            while (reader.hasMessageAvailableAsync().get(timeoutMs, TimeUnit.MILLISECONDS)) {
                Message<byte[]> m = reader.readNext((int) timeoutMs, TimeUnit.MILLISECONDS);
                if (m == null) {
                    throw new IOException("no message within " + timeoutMs + " ms though one is available");
                }
                scan.apply(topic, m);
            }
            scan.finish();
            return scan;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while reading " + topic, e);
        } catch (ExecutionException | TimeoutException | IOException | RuntimeException e) {
            close();
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new IOException("reading the replicated " + topic + " failed: " + cause, cause);
        }
    }

    /** Closes the reader (in the background); the next catch-up starts afresh. */
    synchronized void close() {
        if (reader != null) {
            reader.closeAsync();
            reader = null;
        }
        scan = null;
    }
}
