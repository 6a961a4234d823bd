package io.tributary.edge.mqtt;

import io.tributary.edge.mqtt.pubsub.Subscription;
import io.tributary.edge.mqtt.pubsub.SubscriptionIndex;
import io.tributary.edge.mqtt.pubsub.TopicFilters;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's local broker: who subscribed to what, the retained messages ({@link RetainedMessages}), and the
 * hand-off of accepted publishes to the {@link Outbound} of each matching, connected subscriber. A QoS 1/2 message
 * for a persistent session goes through its queue ({@link PersistentSessions}), connected or not; a QoS 0 message for
 * a subscriber that is not connected is lost, counted as {@code offline}.
 *
 * <p>Threads: any; {@link #publish} does not block. Changes to one session's subscriptions are serialised on the
 * session, so that a subscription cannot outlive a session that is being dropped.
 */
final class LocalBroker {

    private static final Logger log = LoggerFactory.getLogger(LocalBroker.class);

    /** Wildcard scans of the retained messages, one at a time; the thread ends when idle (nothing to close). */
    private final ThreadPoolExecutor scans =
            new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "retained-scan");
                t.setDaemon(true);
                return t;
            });

    private final SubscriptionIndex<Session> index = new SubscriptionIndex<>();
    private final RetainedMessages retained;
    private final DeliveryDrops drops;
    private PersistentSessions persistent;

    LocalBroker(RetainedMessages retained, DeliveryDrops drops) {
        this.retained = retained;
        this.drops = drops;
    }

    /** Set once, before the server starts (the two refer to each other). */
    void persistentSessions(PersistentSessions persistent) {
        this.persistent = persistent;
    }

    /**
     * Takes an accepted publish: keeps (or clears) it as the topic's retained message when its RETAIN flag is set,
     * and delivers it to its subscribers (QoS lowered to each one's granted maximum; RETAIN kept only for Retain As
     * Published subscriptions, MQTT 5 §3.3.1.3). An empty retained payload is still delivered.
     *
     * @return completes when the retained change and the message's place in each persistent session's queue are
     *     durable (the PUBACK waits for it); completed for others
     */
    CompletionStage<Void> publish(LocalMessage message) {
        return publish(message, null);
    }

    /**
     * {@link #publish(LocalMessage)} by a connection that waits ({@link SubscriberWait}) when a subscriber's queue is
     * past half full; on that connection's event loop.
     */
    CompletionStage<Void> publish(LocalMessage message, SubscriberWait publisher) {
        CompletionStage<Void> durable = message.retain() ? retained.retain(message) : NOTHING_TO_STORE;
        if (index.size() == 0) {
            return durable; // an ingest-only edge: no walk, no allocation per publish
        }
        Map<Session, SubscriptionIndex.Matched> targets =
                index.match(message.topic(), message.publisher(), s -> s.outbound() != null);
        List<CompletableFuture<Void>> queued = new java.util.ArrayList<>(0);
        targets.forEach((session, matched) -> {
            Outbound.Delivery delivery = new Outbound.Delivery(
                    message,
                    Math.min(message.qos(), matched.qos()),
                    matched.retainAsPublished() && message.retain(),
                    matched.subscriptionIds());
            if (delivery.qos() > 0 && session.queue() != null) {
                CompletableFuture<Void> stored = persistent.enqueue(session, delivery);
                if (stored != null) {
                    queued.add(stored);
                    return;
                }
                if (session.queue() != null) {
                    return; // not queued: the bounds dropped it (counted)
                }
            }
            Outbound outbound = session.outbound();
            if (outbound == null) {
                drops.dropped(session.clientId(), message.topic(), "offline");
                return;
            }
            // never for its own queue: a connection paused on it could not read the acks that drain it
            outbound.offer(delivery, session == message.publisher() ? null : publisher);
        });
        if (queued.isEmpty()) {
            return durable;
        }
        queued.add(durable.toCompletableFuture());
        return CompletableFuture.allOf(queued.toArray(CompletableFuture[]::new));
    }

    private static final CompletionStage<Void> NOTHING_TO_STORE = CompletableFuture.completedFuture(null);

    /**
     * Adds or replaces one subscription of {@code session}.
     *
     * @return true when a subscription with the same filter existed (it is replaced)
     */
    boolean subscribe(Session session, Subscription subscription) {
        synchronized (session) {
            if (session.ended()) {
                return false;
            }
            session.subscriptions().put(subscription.key(), subscription);
            return index.add(session, subscription);
        }
    }

    /** Removes the subscription {@code key} (the filter as the client wrote it); false when there was none. */
    boolean unsubscribe(Session session, String key) {
        synchronized (session) {
            Subscription s = session.subscriptions().remove(key);
            return s != null && index.remove(session, s.filter(), s.group());
        }
    }

    /** The session ended (clean start, expiry, takeover with clean start): its subscriptions go. */
    void drop(Session session) {
        synchronized (session) {
            session.end();
            for (Subscription s : session.subscriptions().values()) {
                index.remove(session, s.filter(), s.group());
            }
            session.subscriptions().clear();
        }
    }

    /**
     * Sends the retained messages matching a subscription just granted, as its Retain Handling asks (0: always, 1:
     * only for a new subscription, 2: never; MQTT 3.1.1 always). Shared subscriptions get none (MQTT 5 §4.8.2).
     * Each goes with RETAIN set, at the lower of its QoS and the granted one.
     */
    void sendRetained(Outbound outbound, Subscription subscription, boolean existed, long nowMillis) {
        if (subscription.shared()
                || subscription.retainHandling() == 2
                || (subscription.retainHandling() == 1 && existed)) {
            return;
        }
        List<Integer> ids = subscription.subscriptionId() == 0 ? List.of() : List.of(subscription.subscriptionId());
        outbound.offerRetained(scan(subscription.filter(), nowMillis), subscription.qos(), ids);
    }

    /**
     * The retained messages matching {@code filter}: a topic name is one lookup, done here; a wildcard filter reads
     * every retained topic (about 0.4 s per 100,000 from MapDB), so it runs on the scan thread, not the event loop.
     */
    private CompletionStage<List<LocalMessage>> scan(String filter, long nowMillis) {
        if (TopicFilters.isTopicName(filter)) {
            return CompletableFuture.completedFuture(retained.matching(filter, nowMillis));
        }
        try {
            return CompletableFuture.supplyAsync(() -> retained.matching(filter, nowMillis), scans)
                    .exceptionally(e -> {
                        log.warn("Cannot read the retained messages for '{}'; none are sent", filter, e);
                        return List.of();
                    });
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(List.of());
        }
    }

    /** The live retained messages whose topics match {@code filter} (a valid, non-shared filter). */
    List<LocalMessage> retained(String filter, long nowMillis) {
        return retained.matching(filter, nowMillis);
    }

    /** Stops the scan thread (bounded wait), before the retained store it reads is closed. */
    void close() {
        scans.shutdownNow();
        try {
            if (!scans.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("A retained-message scan is still running at stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Topics with a retained message. */
    int retainedMessages() {
        return retained.size();
    }

    /** Subscriptions held, over all sessions. */
    int subscriptions() {
        return index.size();
    }
}
