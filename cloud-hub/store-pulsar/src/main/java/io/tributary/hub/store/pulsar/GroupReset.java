package io.tributary.hub.store.pulsar;

import io.tributary.hub.group.CheckpointStore;
import io.tributary.hub.group.GroupKey;
import io.tributary.hub.group.GroupStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 * The {@link PulsarGroupStore}'s reset of a deleted stream's group ({@link GroupStore#reset}): takes the group's topic
 * with an exclusive producer, writes a claim marker, reads the rows up to it, writes each again as {@link
 * GroupStore#nothingProcessed}, and closes the producer.
 *
 * <p>Taking the topic: in {@link ProducerAccessMode#Exclusive} mode while its coordinator (another hub) lets it go —
 * that hub hears of the deletion through the catalog within moments and releases the stream's groups — tried again
 * for up to {@link #HANDOVER}; then in {@link ProducerAccessMode#ExclusiveWithFencing} mode: the broker closes the
 * coordinator's producer and raises the topic's epoch, so that producer cannot come back, not even reconnecting, and
 * its hub's fence check loses the group. Fencing is the fallback, not the rule, because a fenced producer's send still
 * on its way makes the broker close that hub's whole connection, and with it the hub's other groups.
 *
 * <p>Why not delete the topic: the tokens would go (a new group would grant ones an old member may hold), and a
 * coordinator's reconnecting producer could meet a new topic with a fresh epoch. Here a claim made later (by any hub)
 * reads the reset rows, whose tokens are above every token a member of the old stream holds; the marker orders the
 * reset after whatever the former coordinator got stored, as a claim's does.
 *
 * <p>A topic that does not exist (no member ever joined, or it was removed) has nothing to reset: the producer does
 * not create it (the namespace has no automatic topic creation).
 *
 * <p>Threads: thread-safe (no state of its own); resets block, and run on the store's pool ({@code pulsar-groups-N}).
 */
final class GroupReset {
    private static final Logger LOG = LoggerFactory.getLogger(PulsarGroupStore.class);
    /** How long a coordinator may take to let go before it is fenced: catalog news arrives in milliseconds. */
    static final Duration HANDOVER = Duration.ofSeconds(1);

    private static final long RETRY_MILLIS = 100;

    private final PulsarClient client;
    private final PulsarGroupStore.Settings settings;
    private final WriterName self;
    private final GroupTopics topics;

    GroupReset(PulsarClient client, PulsarGroupStore.Settings settings, WriterName self, GroupTopics topics) {
        this.client = client;
        this.settings = settings;
        this.self = self;
        this.topics = topics;
    }

    /** The topic's producer: exclusive once its holder let go, or fencing the holder after {@link #HANDOVER}. */
    private Producer<byte[]> take(String topic) throws IOException {
        long fenceAt = System.nanoTime() + HANDOVER.toNanos();
        while (true) {
            boolean fence = System.nanoTime() - fenceAt >= 0;
            try {
                return topics.await(
                        client.newProducer(Schema.BYTES)
                                .topic(topic)
                                .producerName(self.producerName())
                                .accessMode(
                                        fence ? ProducerAccessMode.ExclusiveWithFencing : ProducerAccessMode.Exclusive)
                                .enableBatching(false)
                                .sendTimeout((int) settings.operationTimeout().toMillis(), TimeUnit.MILLISECONDS)
                                .createAsync(),
                        (fence ? "fencing " : "taking ") + topic);
            } catch (IOException e) {
                if (fence
                        || !(e.getCause() instanceof PulsarClientException.ProducerBusyException
                                || e.getCause() instanceof PulsarClientException.ProducerFencedException)) {
                    throw e;
                }
            }
            try {
                TimeUnit.MILLISECONDS.sleep(RETRY_MILLIS); // a pool thread, for at most the handover
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted taking " + topic, e);
            }
        }
    }

    /** Resets the group's rows; returns how many. Throws when they may not be reset. */
    int reset(GroupKey key) throws IOException {
        String topic = topics.topic(key);
        Producer<byte[]> producer;
        try {
            producer = take(topic);
        } catch (IOException e) {
            if (GroupTopics.missing(e)) {
                return 0;
            }
            throw e;
        }
        try {
            MessageId marker = topics.await(
                    producer.newMessage()
                            .key(PulsarGroupStore.CLAIM_KEY)
                            .value(self.producerName().getBytes(StandardCharsets.UTF_8))
                            .sendAsync(),
                    "writing the claim marker to " + topic);
            GroupTopics.Loaded loaded = topics.readTo(key, marker);
            List<CompletableFuture<MessageId>> sends = new ArrayList<>();
            for (CheckpointStore.Row r :
                    GroupStore.nothingProcessed(loaded.rows().values())) {
                sends.add(producer.newMessage()
                        .key(r.shardId())
                        .value(GroupTopics.encode(r))
                        .sendAsync());
            }
            topics.await(CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)), "resetting " + topic);
            String was = loaded.previousClaim() == null
                    ? "none"
                    : WriterName.parse(loaded.previousClaim())
                            .map(WriterName::toString)
                            .orElse("'" + loaded.previousClaim() + "'");
            LOG.info(
                    "consumer group {} of a deleted stream reset: {} shards to nothing processed (last coordinator: {})",
                    key,
                    sends.size(),
                    was);
            return sends.size();
        } finally {
            // Let go at once: the next claim (a stream created again) may be any hub's.
            try {
                topics.await(producer.closeAsync(), "letting go of " + topic);
            } catch (IOException e) {
                LOG.warn("group {}: {}", key, e.getMessage());
            }
        }
    }
}
