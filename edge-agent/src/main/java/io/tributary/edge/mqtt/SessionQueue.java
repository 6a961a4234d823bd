package io.tributary.edge.mqtt;

import io.netty.util.collection.IntObjectHashMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The QoS 1/2 messages of one persistent session that its client has not acknowledged yet, oldest first: queued while
 * it is offline, in flight while it is connected. Mirrors the session's MSG/ACK entries in the session journal
 * ({@link io.tributary.edge.mqtt.session.SessionStore}); {@link PersistentSessions} keeps the two in step.
 *
 * <p>Also the session's packet ids: a queued message gets its id when it is queued (so that a resend after a restart
 * uses the same one), and the connection's other QoS 1/2 deliveries (retained messages on SUBSCRIBE) take theirs
 * from the same space.
 *
 * <p>Threads: any; every method is synchronized on the queue.
 */
final class SessionQueue {

    /**
     * One queued message. {@code durable} is set once it is journaled (under the session's monitor); {@code sent}
     * and {@code released} by the owning connection's event loop.
     */
    static final class Entry {
        final long seq;
        final int packetId;
        final Outbound.Delivery delivery;
        final int bytes;
        volatile boolean durable;
        volatile boolean sent;
        volatile boolean released;

        Entry(long seq, int packetId, Outbound.Delivery delivery, int bytes) {
            this.seq = seq;
            this.packetId = packetId;
            this.delivery = delivery;
            this.bytes = bytes;
        }
    }

    private final LinkedHashMap<Long, Entry> entries = new LinkedHashMap<>();
    /** Packet id → true for a queued message, false for another delivery of the connection in flight. */
    private final IntObjectHashMap<Boolean> packetIds = new IntObjectHashMap<>();

    private long bytes;
    private int nextPacketId = 1;

    synchronized int size() {
        return entries.size();
    }

    synchronized long bytes() {
        return bytes;
    }

    /** A free packet id, now in use (release it with {@link #freePacketId}); 0 when all 65,535 are taken. */
    synchronized int takePacketId() {
        if (packetIds.size() >= 65535) {
            return 0;
        }
        int id = nextPacketId;
        while (packetIds.containsKey(id)) {
            id = id == 65535 ? 1 : id + 1;
        }
        nextPacketId = id == 65535 ? 1 : id + 1;
        packetIds.put(id, Boolean.FALSE);
        return id;
    }

    synchronized void freePacketId(int id) {
        packetIds.remove(id);
    }

    /** Adds a message whose packet id came from {@link #takePacketId} (or, at start, from the journal). */
    synchronized Entry add(long seq, int packetId, Outbound.Delivery delivery, int size) {
        Entry e = new Entry(seq, packetId, delivery, size);
        entries.put(seq, e);
        packetIds.put(packetId, Boolean.TRUE);
        bytes += size;
        return e;
    }

    synchronized boolean contains(Entry e) {
        return entries.get(e.seq) == e;
    }

    /** Removes the message; false when it was gone already (acknowledged, dropped, or the session ended). */
    synchronized boolean remove(Entry e) {
        if (entries.remove(e.seq, e)) {
            packetIds.remove(e.packetId);
            bytes -= e.bytes;
            return true;
        }
        return false;
    }

    /** The oldest message not sent yet (the one the drop-oldest policy gives up), or null. */
    synchronized Entry oldestUnsent() {
        for (Entry e : entries.values()) {
            if (!e.sent) {
                return e;
            }
        }
        return null;
    }

    synchronized List<Entry> snapshot() {
        return new ArrayList<>(entries.values());
    }

    /** The messages already journaled, oldest first: those a new connection may be sent. */
    synchronized List<Entry> durableSnapshot() {
        List<Entry> out = new ArrayList<>(entries.size());
        for (Entry e : entries.values()) {
            if (e.durable) {
                out.add(e);
            }
        }
        return out;
    }
}
