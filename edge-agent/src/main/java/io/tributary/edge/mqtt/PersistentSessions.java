package io.tributary.edge.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.edge.mqtt.pubsub.Subscription;
import io.tributary.edge.mqtt.session.SessionStore;
import io.tributary.edge.mqtt.session.StoredMessage;
import io.tributary.edge.mqtt.session.StoredSession;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker side of persistent sessions: keeps each persistent {@link Session}'s {@link SessionQueue} and the
 * {@link SessionStore} (when the server has a state directory) in step, and applies the {@link SessionLimits}.
 *
 * <p>What is promised: a session's creation (CONNACK) and each subscription of it (SUBACK) are durable before they
 * are acknowledged; a QoS 1/2 message for a persistent session is queued (journaled) before the publisher's
 * PUBACK/PUBREC, and leaves the queue only when the subscriber acknowledges it (PUBACK, PUBCOMP), it expires, or the
 * bounds drop it (counted in {@code tributary_edge_mqtt_deliveries_dropped_total{reason="session_queue_full"}}). A
 * QoS 2 message the subscriber sent PUBREC for is journaled as released before the PUBREL, so after a restart it is
 * resumed with PUBREL, never sent twice. QoS 0 messages are not queued for an offline session (reason {@code
 * offline}). Without a state directory the same happens in memory only.
 *
 * <p>Threads: any. Changes to a session's queue and outbound happen under the {@link Session}'s monitor, the lock
 * {@link LocalBroker} takes for its subscriptions.
 */
final class PersistentSessions {

    private static final Logger log = LoggerFactory.getLogger(PersistentSessions.class);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final SessionStore store; // null: in memory only
    private final SessionLimits limits;
    private final DeliveryDrops drops;
    private final Clock clock;
    private final InboundReceipts receipts;
    private final AtomicLong memorySeq = new AtomicLong();
    private final AtomicLong persistent = new AtomicLong();
    private final AtomicLong queued = new AtomicLong();
    private final Counter expired;

    PersistentSessions(
            SessionStore store,
            SessionLimits limits,
            DeliveryDrops drops,
            InboundReceipts receipts,
            Clock clock,
            MeterRegistry m) {
        this.store = store;
        this.limits = limits;
        this.drops = drops;
        this.receipts = receipts;
        this.clock = clock;
        Gauge.builder("tributary.edge.mqtt.sessions.persistent", persistent, AtomicLong::get)
                .description("Sessions kept beyond their connection (clean session 0 / session expiry > 0)")
                .register(m);
        Gauge.builder("tributary.edge.mqtt.sessions.queued", queued, AtomicLong::get)
                .description("QoS 1/2 messages queued for persistent sessions, unacknowledged ones included")
                .baseUnit("messages")
                .register(m);
        this.expired = Counter.builder("tributary.edge.mqtt.sessions.expired")
                .description("Persistent sessions removed because their expiry interval ran out")
                .register(m);
    }

    /** True when no further persistent session may be created. */
    boolean full() {
        return persistent.get() >= limits.maxSessions();
    }

    /** The inbound QoS 2 receipts of persistent sessions: stores and releases go through them. */
    InboundReceipts receipts() {
        return receipts;
    }

    /**
     * A connection took {@code session} (just attached in the registry). Makes it persistent when {@code expiry} is
     * above zero, journaling it (and voiding the inbound QoS 2 receipts of an earlier session of its client); the
     * future completes when the CONNACK may be sent.
     */
    CompletableFuture<Void> connected(Session session, boolean present, Duration expiry) {
        if (present && session.queue() != null) {
            return store == null ? DONE : store.detached(session.clientId(), expiry.toSeconds(), 0);
        }
        if (expiry.isZero()) {
            return DONE;
        }
        synchronized (session) {
            session.queue(new SessionQueue());
        }
        persistent.incrementAndGet();
        // the old session's receipts are void before the new one is journaled: a crash in between must not restore a
        // session holding packet ids it never received
        List<Subscription> subscriptions = List.copyOf(session.subscriptions().values());
        CompletableFuture<Void> voided = receipts.fresh(session);
        return store == null
                ? voided
                : voided.thenCompose(v -> store.create(session.clientId(), expiry.toSeconds(), subscriptions));
    }

    /** The connection of a persistent session ended; it is kept for {@code expiry} from now. */
    void detached(Session session, Duration expiry) {
        if (store != null && session.queue() != null) {
            store.detached(session.clientId(), expiry.toSeconds(), clock.millis());
        }
    }

    /** The session ended (expiry, clean start, zero expiry at disconnect): its queue goes, counted. */
    void ended(Session session, boolean byExpiry) {
        SessionQueue q;
        synchronized (session) {
            q = session.queue();
            session.queue(null);
        }
        if (q == null) {
            return;
        }
        persistent.decrementAndGet();
        if (byExpiry) {
            expired.increment();
            log.info("Session of {} expired with {} queued messages", session.clientId(), q.size());
        }
        for (SessionQueue.Entry e : q.snapshot()) {
            if (q.remove(e)) {
                queued.decrementAndGet();
                drops.dropped(session.clientId(), e.delivery.message().topic(), "session_ended");
            }
        }
        if (store != null) {
            store.end(session.clientId());
        }
        receipts.ended(session.clientId());
    }

    /** Journals a subscription of a persistent session; completes at once for the others. */
    CompletableFuture<Void> subscribed(Session session, Subscription s) {
        return store == null || session.queue() == null ? DONE : store.subscribe(session.clientId(), s);
    }

    /** Journals an unsubscribe of a persistent session; completes at once for the others. */
    CompletableFuture<Void> unsubscribed(Session session, String key) {
        return store == null || session.queue() == null ? DONE : store.unsubscribe(session.clientId(), key);
    }

    /** Hands {@code outbound} the session's messages, then lets the broker offer it new ones. Its event loop. */
    void attach(Session session, Outbound outbound) {
        List<SessionQueue.Entry> resend;
        synchronized (session) {
            session.outbound(outbound);
            SessionQueue q = session.queue();
            resend = q == null ? List.of() : q.durableSnapshot();
        }
        outbound.resume(resend);
    }

    /**
     * Queues a QoS 1/2 delivery for a persistent session and offers it to its connection, if any.
     *
     * @return completes when the message is durable; null when it was not queued (bounds, counted)
     */
    CompletableFuture<Void> enqueue(Session session, Outbound.Delivery delivery) {
        byte[] bytes = RetainedCodec.set(0, delivery.message());
        String topic = delivery.message().topic();
        CompletableFuture<Void> durable;
        SessionQueue.Entry entry;
        synchronized (session) {
            SessionQueue q = session.queue();
            if (q == null || session.ended()) {
                return null;
            }
            if (!makeRoom(session, q, bytes.length)) {
                drops.dropped(session.clientId(), topic, "session_queue_full");
                return null;
            }
            int packetId = q.takePacketId();
            if (packetId == 0) {
                drops.dropped(session.clientId(), topic, "session_queue_full");
                return null;
            }
            long seq;
            if (store == null) {
                seq = memorySeq.incrementAndGet();
                durable = DONE;
            } else {
                SessionStore.Enqueued e = store.enqueue(
                        session.clientId(),
                        packetId,
                        delivery.qos(),
                        delivery.retain(),
                        delivery.subscriptionIds(),
                        bytes);
                seq = e.seq();
                durable = e.durable();
            }
            entry = q.add(seq, packetId, delivery, bytes.length);
            queued.incrementAndGet();
        }
        // Sent only once durable: a client that saw a QoS 2 message holds its packet id until PUBREL, so a message
        // lost in a crash must never have reached it, or the id's next message would be taken for a duplicate.
        durable.whenComplete((ok, error) -> {
            if (error != null) {
                drops.dropped(session.clientId(), topic, "session_store_failed");
                done(session, entry);
            } else {
                sendWhenDurable(session, entry);
            }
        });
        return durable;
    }

    private static void sendWhenDurable(Session session, SessionQueue.Entry entry) {
        Outbound outbound;
        synchronized (session) { // against attach(): the entry goes either in its snapshot or to its outbound
            entry.durable = true;
            outbound = session.outbound();
        }
        if (outbound != null) {
            outbound.offer(entry.delivery.stored(entry), null); // stored: never waited for
        }
    }

    private boolean makeRoom(Session session, SessionQueue q, int bytes) {
        if (bytes > limits.queueBytes()) {
            return false;
        }
        while (q.size() >= limits.queueMessages() || q.bytes() + bytes > limits.queueBytes()) {
            SessionQueue.Entry oldest = limits.policy() == SessionLimits.Policy.DROP_OLDEST ? q.oldestUnsent() : null;
            if (oldest == null) {
                return false;
            }
            drops.dropped(session.clientId(), oldest.delivery.message().topic(), "session_queue_full");
            done(session, oldest);
        }
        return true;
    }

    /** The message left the queue: acknowledged by the client, expired or dropped. Any thread. */
    void done(Session session, SessionQueue.Entry entry) {
        SessionQueue q = session.queue();
        if (q != null && q.remove(entry)) {
            queued.decrementAndGet();
            if (store != null) {
                store.acked(session.clientId(), entry.seq);
            }
        }
    }

    /** The client sent PUBREC for a queued QoS 2 message; completes when the PUBREL may be sent. */
    CompletableFuture<Void> released(Session session, SessionQueue.Entry entry) {
        entry.released = true;
        return store == null ? DONE : store.released(session.clientId(), entry.seq);
    }

    /** Puts the stored sessions back: subscriptions into {@code broker}, queues, expiry timers. At start. */
    void restore(SessionRegistry registry, LocalBroker broker, io.netty.util.concurrent.EventExecutor timers) {
        if (store == null) {
            return;
        }
        long now = clock.millis();
        int messages = 0;
        int receipted = 0;
        List<StoredSession> stored = store.restored();
        for (StoredSession s : stored) {
            Session session = new Session(s.clientId(), null);
            SessionQueue q = new SessionQueue();
            session.queue(q);
            for (StoredMessage m : s.queued()) {
                LocalMessage message = RetainedCodec.message(ByteBuffer.wrap(m.message()));
                SessionQueue.Entry e = q.add(
                        m.seq(),
                        m.packetId(),
                        new Outbound.Delivery(message, m.qos(), m.retain(), m.subscriptionIds()),
                        m.message().length);
                e.sent = true; // it may have reached the client before the stop: resent with DUP
                e.durable = true;
                e.released = m.released();
                messages++;
            }
            for (Subscription sub : s.subscriptions()) {
                broker.subscribe(session, sub);
            }
            receipted += receipts.restore(session);
            persistent.incrementAndGet();
            queued.addAndGet(q.size());
            long from = s.detachedAtMillis() == 0 ? now : s.detachedAtMillis();
            long left = Math.max(0, from + s.expirySeconds() * 1000 - now);
            registry.restore(session, Duration.ofMillis(left), timers);
        }
        log.info(
                "Restored {} persistent MQTT sessions with {} queued messages and {} inbound QoS 2 publishes awaiting"
                        + " PUBREL",
                stored.size(),
                messages,
                receipted);
    }
}
