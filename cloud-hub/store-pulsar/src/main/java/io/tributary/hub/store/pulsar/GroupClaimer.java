package io.tributary.hub.store.pulsar;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.hub.group.CheckpointStore;
import io.tributary.hub.group.GroupKey;
import io.tributary.hub.group.GroupStore.Claim;
import io.tributary.hub.group.GroupStore.Coordinating;
import io.tributary.hub.group.GroupStore.Elsewhere;
import io.tributary.hub.group.GroupStore.Unavailable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.ProducerAccessMode;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PulsarGroupStore}'s claim and fence: takes a group topic with a producer in {@link
 * ProducerAccessMode#Exclusive} mode named by this hub's {@link WriterName} (creating the topic if missing), writes a
 * claim marker and reads the rows up to it; or, when the broker refuses the producer, says which hub holds the topic.
 * Counts takeovers of another coordinator's group.
 *
 * <p>Threads: thread-safe. Claims run on the store's pool ({@code pulsar-groups-N}) and block on Pulsar.
 */
final class GroupClaimer {
    private static final Logger LOG = LoggerFactory.getLogger(PulsarGroupStore.class);

    private final PulsarClient client;
    private final PulsarAdminRest admin;
    private final PulsarGroupStore.Settings settings;
    private final WriterName self;
    private final GroupTopics topics;
    private final Map<GroupKey, PulsarGroupStore.Held> held;
    private final Map<String, Boolean> created = new ConcurrentHashMap<>();
    private final Counter takeovers;
    private final Consumer<GroupKey> releaser;
    private final BooleanSupplier closing;
    private final MeterRegistry registry;

    /**
     * @param held the store's held groups, which a claim adds to
     * @param releaser the store's release of a group
     * @param closing whether the store is closing
     */
    GroupClaimer(
            PulsarClient client,
            PulsarAdminRest admin,
            PulsarGroupStore.Settings settings,
            WriterName self,
            GroupTopics topics,
            Map<GroupKey, PulsarGroupStore.Held> held,
            Consumer<GroupKey> releaser,
            BooleanSupplier closing,
            MeterRegistry registry) {
        this.client = client;
        this.admin = admin;
        this.settings = settings;
        this.self = self;
        this.topics = topics;
        this.held = held;
        this.releaser = releaser;
        this.closing = closing;
        this.registry = registry;
        this.takeovers = Counter.builder("tributary.store.pulsar.group.takeovers")
                .description("Consumer groups this hub took over from another coordinator (another hub, or an earlier"
                        + " run of this one) on the Pulsar store")
                .register(registry);
    }

    /** Takes the topic, writes a claim marker and reads the rows up to it; or says who holds the topic. */
    Claim take(GroupKey key) throws IOException {
        PulsarGroupStore.Held already = held.get(key);
        Producer<byte[]> producer;
        if (already != null && already.producer.isConnected()) {
            producer = already.producer;
        } else {
            if (already != null) {
                release(key);
            }
            String local = PulsarGroupStore.localName(key);
            ensureTopic(local);
            try {
                producer = await(
                        client.newProducer(Schema.BYTES)
                                .topic(topic(key))
                                .producerName(self.producerName())
                                .accessMode(ProducerAccessMode.Exclusive)
                                .enableBatching(false)
                                .sendTimeout((int) settings.operationTimeout().toMillis(), TimeUnit.MILLISECONDS)
                                .createAsync(),
                        "taking " + topic(key));
            } catch (IOException e) {
                if (e.getCause() instanceof PulsarClientException.ProducerBusyException
                        || e.getCause() instanceof PulsarClientException.ProducerFencedException) {
                    return elsewhere(key, local, (PulsarClientException) e.getCause());
                }
                throw e;
            }
        }
        try {
            MessageId marker = await(
                    producer.newMessage()
                            .key(PulsarGroupStore.CLAIM_KEY)
                            .value(self.producerName().getBytes(StandardCharsets.UTF_8))
                            .sendAsync(),
                    "writing the claim marker to " + topic(key));
            GroupTopics.Loaded loaded = topics.readTo(key, marker);
            PulsarGroupStore.Held h = new PulsarGroupStore.Held(producer);
            held.put(key, h);
            if (closing.getAsBoolean()) {
                release(key);
                throw new IOException("the group store is closing");
            }
            String previous = loaded.previousClaim();
            if (previous != null && !previous.equals(self.producerName())) {
                takeovers.increment();
                String was =
                        WriterName.parse(previous).map(WriterName::toString).orElse("'" + previous + "'");
                LOG.info(
                        "took over consumer group {} (was coordinated by {}): {} shards with state, tokens up to {}",
                        key,
                        was,
                        loaded.rows().size(),
                        maxToken(loaded.rows()));
            } else {
                LOG.info(
                        "coordinating consumer group {}: {} shards with state",
                        key,
                        loaded.rows().size());
            }
            return new Coordinating(loaded.rows());
        } catch (IOException | RuntimeException e) {
            held.remove(key);
            producer.closeAsync();
            throw e;
        }
    }

    private static long maxToken(Map<String, CheckpointStore.Row> rows) {
        return rows.values().stream()
                .mapToLong(CheckpointStore.Row::token)
                .max()
                .orElse(0);
    }

    /** Counts a claim's outcome (the store answers some claims from memory, without taking the topic). */
    void counted(Claim c) {
        Counter.builder("tributary.store.pulsar.group.claims")
                .description("Claims of consumer groups by this hub on the Pulsar store, by outcome: coordinating (this"
                        + " hub runs the group), elsewhere (another hub does), unavailable")
                .tag("outcome", c.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT))
                .register(registry)
                .increment();
    }

    /** The answer for a group whose topic {@code refusal} said another producer holds. */
    private Claim elsewhere(GroupKey key, String local, PulsarClientException refusal) {
        Optional<String> holder = Writers.holderIn(refusal.getMessage());
        if (holder.isEmpty()) {
            try {
                List<String> names = admin.producerNames(settings.tenant(), settings.namespace(), local);
                holder = names == null ? Optional.empty() : names.stream().findFirst();
            } catch (IOException | RuntimeException e) {
                LOG.debug("{}: who coordinates it is unknown: {}", key, e.toString());
            }
        }
        if (holder.isEmpty()) {
            return new Unavailable(
                    "group " + key + " is coordinated by an unknown process (" + refusal.getMessage() + ")");
        }
        Optional<WriterName> w = WriterName.parse(holder.get());
        if (w.isEmpty()) {
            return new Unavailable("group " + key + " is held by producer '" + holder.get() + "', not a hub");
        }
        if (w.get().endpoint().isEmpty()) {
            return new Unavailable("group " + key + " is coordinated by " + w.get() + ", which cannot be sent to");
        }
        if (w.get().endpoint().equals(self.endpoint())) {
            // An earlier run of this hub whose connection the broker has not dropped yet: no redirect to ourselves.
            return new Unavailable("group " + key + " is still held by " + w.get() + ", an earlier run of this hub");
        }
        return new Elsewhere(w.get().endpoint(), w.get().toString());
    }

    /** Creates the group's topic (once per process) and sets its compaction threshold when it creates it. */
    private void ensureTopic(String local) throws IOException {
        if (created.containsKey(local)) {
            return;
        }
        admin.createTopic(settings.tenant(), settings.namespace(), local);
        if (settings.compactionThresholdBytes() > 0) {
            admin.setCompactionThreshold(
                    settings.tenant(), settings.namespace(), local, settings.compactionThresholdBytes());
        }
        created.put(local, true);
    }

    private void release(GroupKey key) {
        releaser.accept(key);
    }

    private String topic(GroupKey key) {
        return topics.topic(key);
    }

    private <T> T await(CompletableFuture<T> future, String what) throws IOException {
        return topics.await(future, what);
    }
}
