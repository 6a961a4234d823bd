package io.tributary.hub.store.pulsar;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardWrittenElsewhereException;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.pulsar.client.api.PulsarClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This store's writer name and what it learns of other writers: who holds a shard's topic when the broker refuses this
 * store's exclusive producer, and the takeovers it counts ({@code tributary_store_pulsar_takeovers_total}) and logs.
 * Thread-safe.
 */
final class Writers {
    private static final Logger LOG = LoggerFactory.getLogger(Writers.class);
    /** How the broker names the holder when it refuses a second exclusive producer (Pulsar 2.8 to 4.x). */
    private static final String HOLDER = "existing exclusive producer: ";

    private final WriterName self;
    private final PulsarAdminRest admin;
    private final PulsarStoreConfig config;
    private final Counter takeovers;

    Writers(WriterName self, PulsarAdminRest admin, PulsarStoreConfig config, MeterRegistry registry) {
        this.self = self;
        this.admin = admin;
        this.config = config;
        this.takeovers = Counter.builder("tributary.store.pulsar.takeovers")
                .description("Shards this hub took over from another writer (another hub, or an earlier run of this"
                        + " one) on the Pulsar store")
                .register(registry);
    }

    WriterName self() {
        return self;
    }

    /**
     * The producer that holds {@code localTopic}, which refused this store's exclusive producer with {@code refusal}:
     * named by the refusal, else the first publisher in the topic's stats; empty when neither says.
     */
    Optional<String> holderOf(ShardKey key, String localTopic, PulsarClientException refusal) {
        Optional<String> holder = holderIn(refusal.getMessage());
        if (holder.isEmpty()) {
            try {
                List<String> names = admin.producerNames(config.tenant(), config.namespace(), localTopic);
                holder = names == null ? Optional.empty() : names.stream().findFirst();
            } catch (IOException | RuntimeException e) {
                LOG.debug("{}: who holds the topic is unknown: {}", key, e.toString());
            }
        }
        return holder;
    }

    /** What the admin API says of a topic before a takeover try. */
    enum TopicState {
        /** The producer that refused this store last time still publishes: a try would be refused again. */
        HELD,
        /** The topic does not exist (any more). */
        MISSING,
        /** Neither (or the stats could not be read): try to take it. */
        TRY
    }

    /**
     * Reads the topic's stats before a takeover try: a try while the holder still publishes would make the broker
     * refuse (and the client log) another exclusive producer; a try on a topic that is gone would create it anew
     * (brokers auto-create topics by default). {@code holder} may be null (unknown).
     */
    TopicState probe(ShardKey key, String localTopic, String holder) {
        try {
            List<String> names = admin.producerNames(config.tenant(), config.namespace(), localTopic);
            if (names == null) {
                return TopicState.MISSING;
            }
            return holder != null && names.contains(holder) ? TopicState.HELD : TopicState.TRY;
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: topic stats unavailable, trying to take the topic: {}", key, e.toString());
            return TopicState.TRY;
        }
    }

    /**
     * The exception for a shard whose topic {@code holder} holds: names it and its endpoint, which is empty when
     * producers cannot be sent there (an earlier run of this hub, a holder without an endpoint, one that is not a
     * Tributary store, or none known).
     */
    ShardWrittenElsewhereException elsewhere(ShardKey key, Optional<String> holder, PulsarClientException refusal) {
        if (holder.isEmpty()) {
            return new ShardWrittenElsewhereException(
                    key, "an unknown writer (" + refusal.getMessage() + ")", "", refusal);
        }
        Optional<WriterName> writer = WriterName.parse(holder.get());
        if (writer.isEmpty()) {
            return new ShardWrittenElsewhereException(key, "producer '" + holder.get() + "', not a hub", "", refusal);
        }
        WriterName w = writer.get();
        if (w.endpoint().equals(self.endpoint())) {
            // Its connection has not dropped yet (a hub restarted faster than the broker noticed): no redirect to us.
            return new ShardWrittenElsewhereException(key, w + ", an earlier run of this hub", "", refusal);
        }
        return new ShardWrittenElsewhereException(key, w.toString(), w.endpoint(), refusal);
    }

    static Optional<String> holderIn(String message) {
        if (message == null) {
            return Optional.empty();
        }
        int at = message.indexOf(HOLDER);
        if (at < 0) {
            return Optional.empty();
        }
        // The client wraps the broker's text in JSON: {"errorMsg":"Topic has … producer: NAME","reqId":…}
        String rest = message.substring(at + HOLDER.length());
        int quote = rest.indexOf('"');
        String name = (quote < 0 ? rest : rest.substring(0, quote)).trim();
        return name.isEmpty() || name.equals("null") ? Optional.empty() : Optional.of(name);
    }

    /**
     * A recovery of {@code key} took the topic; {@code previous} named the last writer in its open marker. Logs and
     * counts a takeover when that was another writer; returns whether it was.
     */
    boolean tookOver(ShardKey key, String previous, ShardWrittenElsewhereException seenBefore) {
        if (previous == null || previous.equals(self.producerName())) {
            return false;
        }
        String was = WriterName.parse(previous).map(WriterName::toString).orElse("'" + previous + "'");
        takeovers.increment();
        LOG.info(
                "took over shard {} (was written by {}{})",
                key,
                was,
                seenBefore == null ? "" : ", which this hub redirected to until now");
        return true;
    }
}
