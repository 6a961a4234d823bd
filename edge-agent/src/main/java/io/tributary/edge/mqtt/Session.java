package io.tributary.edge.mqtt;

import io.netty.channel.Channel;
import io.tributary.edge.mqtt.pubsub.Subscription;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The server-side state kept per client identifier: the packet ids of inbound QoS 2 publishes between PUBLISH and
 * PUBREL, so a redelivered PUBLISH (DUP) is not stored twice, and the client's subscriptions. Kept while the client
 * is connected and, after it disconnects, for its session expiry interval. A persistent session (expiry above 0) also
 * has a {@link SessionQueue} of the QoS 1/2 messages its client has not acknowledged, and is journaled by
 * {@link PersistentSessions} so that it survives a restart (its inbound QoS 2 packet ids through {@link InboundReceipts}).
 *
 * <p>Threads: the owning channel's event loop mostly, but a sink callback of a taken-over connection may still
 * touch it from another loop; fields are therefore concurrent/volatile.
 */
final class Session {

    /** State of an inbound QoS 2 packet id. */
    enum Qos2State {
        /** Handed to the sink, not yet durable. */
        PENDING,
        /** Durable; PUBREC sent or due; waiting for PUBREL. */
        STORED
    }

    private final String clientId;
    private final ConcurrentMap<Integer, Qos2State> qos2 = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    /** Token of the will waiting for its delay ({@link Wills}); taken once, by its task or by a reconnect. */
    private final AtomicReference<Runnable> pendingWill = new AtomicReference<>();

    private volatile Channel owner;
    private volatile Outbound outbound;
    private volatile SessionQueue queue;
    private volatile boolean ended;
    private volatile long detachCount;

    Session(String clientId, Channel owner) {
        this.clientId = clientId;
        this.owner = owner;
    }

    String clientId() {
        return clientId;
    }

    Channel owner() {
        return owner;
    }

    void owner(Channel owner) {
        this.owner = owner;
    }

    /** Marks the session disconnected; returns a stamp that a later {@link #stillDetached} call compares. */
    long detach() {
        owner = null;
        return ++detachCount;
    }

    /** True when nobody re-attached since the {@link #detach()} that returned {@code stamp}. */
    boolean stillDetached(long stamp) {
        return owner == null && detachCount == stamp;
    }

    /** Where messages for this session go while a connection holds it; null while disconnected. */
    Outbound outbound() {
        return outbound;
    }

    void outbound(Outbound outbound) {
        this.outbound = outbound;
    }

    /** Clears the outbound only if it is still {@code expected} (a takeover may have set a newer one). */
    void clearOutbound(Outbound expected) {
        if (outbound == expected) {
            outbound = null;
        }
    }

    /** The queue of a persistent session, null for one that ends with its connection. */
    SessionQueue queue() {
        return queue;
    }

    /** Set and cleared by {@link PersistentSessions} under this session's monitor. */
    void queue(SessionQueue queue) {
        this.queue = queue;
    }

    /** Subscriptions by the filter as the client wrote it; changed only through {@link LocalBroker}. */
    ConcurrentMap<String, Subscription> subscriptions() {
        return subscriptions;
    }

    boolean ended() {
        return ended;
    }

    void end() {
        ended = true;
    }

    /** Marks a QoS 2 packet id pending; returns the previous state, or null when the id was free. */
    Qos2State beginQos2(int packetId) {
        return qos2.putIfAbsent(packetId, Qos2State.PENDING);
    }

    void qos2Stored(int packetId) {
        qos2.replace(packetId, Qos2State.PENDING, Qos2State.STORED);
    }

    /** A packet id stored before a restart and not released ({@link InboundReceipts}): a resend is a duplicate. */
    void restoreQos2(int packetId) {
        qos2.put(packetId, Qos2State.STORED);
    }

    /** The inbound QoS 2 packet ids stored and not yet released. */
    java.util.List<Integer> storedQos2() {
        return qos2.entrySet().stream()
                .filter(e -> e.getValue() == Qos2State.STORED)
                .map(java.util.Map.Entry::getKey)
                .toList();
    }

    /** The state of an inbound QoS 2 packet id, null when it is free. */
    Qos2State qos2(int packetId) {
        return qos2.get(packetId);
    }

    /** Forgets a packet id (PUBREL, or a refused publish); returns true when it was known. */
    boolean releaseQos2(int packetId) {
        return qos2.remove(packetId) != null;
    }

    int inflightQos2() {
        return qos2.size();
    }

    /** Records that a will waits for its delay; {@code publish} publishes it (once taken). */
    void pendingWill(Runnable publish) {
        pendingWill.set(publish);
    }

    /** True, exactly once, when the will {@code publish} is still waiting: the caller publishes it. */
    boolean takePendingWill(Runnable publish) {
        return pendingWill.compareAndSet(publish, null);
    }

    /** Takes whichever will is waiting (a new connection decides its fate); null when there was none. */
    Runnable takePendingWill() {
        return pendingWill.getAndSet(null);
    }
}
