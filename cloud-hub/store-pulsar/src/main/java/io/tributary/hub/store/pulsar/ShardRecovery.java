package io.tributary.hub.store.pulsar;

import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.hub.store.ShardWrittenElsewhereException;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.ProducerAccessMode;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opening a shard's topic ({@link PulsarShard#recover}). It first takes the topic with an {@link
 * ProducerAccessMode#Exclusive} producer named after this store's writer ({@link WriterName}; a second writer is refused
 * by the broker, and the shard is then {@link ShardStatus#WRITTEN_ELSEWHERE} here, naming the holder), then writes an
 * open marker (with that name) and reads the topic from its start up to that marker ({@link ShardMarkers#take}).
 * Whatever a previous writer got stored is before the marker, so the scan sees the complete shard, and no one else can
 * append after it. Batches carry their base sequence (see {@link BatchMessages}); the scan ({@link TopicScan}) checks
 * that they are contiguous from where the retained part of the topic starts and skips a copy of an earlier batch (a
 * send the Pulsar client repeated after a reconnection, its first acknowledgement lost), so the high-water mark after
 * the scan is the end of the last batch (or what the newest trim marker says, when retention trimmed them all). Cost:
 * one full read of the retained topic per open. When the last open marker before its own names another writer, the
 * open was a takeover.
 *
 * <p>Threads: the store's, under its lock (one recovery of a shard at a time). Blocking.
 */
final class ShardRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(ShardRecovery.class);

    private final ShardKey key;
    private final String topic;
    private final String localName;
    private final PulsarClient client;
    private final PulsarStoreConfig config;
    private final Writers writers;

    ShardRecovery(
            ShardKey key,
            String topic,
            String localName,
            PulsarClient client,
            PulsarStoreConfig config,
            Writers writers) {
        this.key = key;
        this.topic = topic;
        this.localName = localName;
        this.client = client;
        this.config = config;
        this.writers = writers;
    }

    /**
     * Takes the topic and hands {@code shard} the state rebuilt from it; the caller let go of the shard's previous
     * producer.
     *
     * @throws ShardWrittenElsewhereException when another producer holds the topic
     * @throws ShardUnavailableException when it fails otherwise
     */
    void recover(PulsarShard shard) {
        ShardWrittenElsewhereException elsewhereBefore = shard.writtenElsewhere();
        AtomicReference<Producer<byte[]>> made = new AtomicReference<>();
        try {
            ShardMarkers.Taken taken =
                    ShardMarkers.take(client, topic, config, writers.self().producerName(), made::set);
            TopicScan scan = taken.scan();
            shard.install(taken.producer(), scan);
            writers.tookOver(key, scan.lastWriter, elsewhereBefore);
            LOG.info(
                    "{}: recovered from {}: {} batches from sequence {} (trim horizon {}), next sequence {}, {} resent"
                            + " copies skipped",
                    key,
                    topic,
                    scan.index.size(),
                    scan.index.size() > 0 ? scan.index.base(0) : scan.next,
                    scan.horizon,
                    scan.next,
                    scan.copies);
        } catch (PulsarClientException.ProducerFencedException | PulsarClientException.ProducerBusyException e) {
            Optional<String> holderName = writers.holderOf(key, localName, e);
            ShardWrittenElsewhereException elsewhere = writers.elsewhere(key, holderName, e);
            shard.heldBy(holderName.orElse(null));
            if (elsewhereBefore == null || !elsewhereBefore.writer().equals(elsewhere.writer())) {
                LOG.info(
                        "{}: written by {}; this hub does not write it{}",
                        key,
                        elsewhere.writer(),
                        redirecting(elsewhere));
            }
            throw shard.failRecovery(made.get(), elsewhere);
        } catch (PulsarClientException e) {
            throw shard.failRecovery(
                    made.get(), new ShardUnavailableException(key, "open failed on " + topic + ": " + e, e));
        } catch (IOException | RuntimeException e) {
            throw shard.failRecovery(
                    made.get(), new ShardUnavailableException(key, "recovery of " + topic + " failed: " + e, e));
        }
    }

    private static String redirecting(ShardWrittenElsewhereException e) {
        return e.writerEndpoint().isEmpty()
                ? " (appends are refused as retriable until it takes the shard over)"
                : ", its producers are sent to " + e.writerEndpoint();
    }
}
