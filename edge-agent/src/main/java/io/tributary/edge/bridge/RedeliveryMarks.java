package io.tributary.edge.bridge;

import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.buffer.MarkerIdentity;
import io.tributary.edge.mqtt.MarkingSink;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What the bridge remembers, durably, about the messages it stored, so that one the broker delivers again after the
 * agent stored it is acknowledged without being stored twice — after a crash of the agent as well as after a lost
 * connection. A message is known by its packet id and an <i>identity</i>: at QoS 2 the incarnation {@link
 * BridgeInbox} gave it (unique, so exact), at QoS 1 a hash of topic and payload.
 *
 * <p><b>Why it is safe.</b> The bridge writes a message's entry ({@code STORED}: packet id and identity) in the same
 * commit as the record. QoS 2: an incarnation is never reused, so an arrival matching its entry is the message we
 * have: exactly once. QoS 1: a packet id stays the message's own until the broker receives our PUBACK; only then may
 * it reuse the id, for a message that may have the same topic and payload. So the entry turns {@code ACKED} in a
 * commit that is durable <i>before</i> the PUBACK is sent, and only a {@code STORED} entry counts: de-duplication
 * never drops a message that was not stored.
 *
 * <p><b>What is left.</b> QoS 1: when the agent dies or the link drops after an entry turned {@code ACKED} but before
 * the broker received the PUBACK, the redelivery is stored again (a duplicate, never a loss). A broker that lost our session (CONNACK without session present) redelivers nothing: the bridge
 * voids every entry (at once in memory, and durably before it subscribes; a void the buffer refused is written at the
 * next CONNACK, whatever that one says); if the agent dies before that commit, stale entries stay valid and a later
 * message with a reused id and the very same topic and payload could be taken for a redelivery. QoS 0 messages have no
 * packet id and get no entry.
 *
 * <p><b>On disk</b> (buffer markers, kept in the buffer log's commits and snapshots): {@value #SLOTS} markers {@code
 * bridge/<client id>/<slot>}, slot = packet id mod {@value #SLOTS}, each at position (epoch = a write ordinal that
 * grows with every mark, so each write moves its marker forward; sequence = {@code [acked: bit 62][packet id: bits
 * 61-46][identity: bits 45-0]}); and {@code bridge/<client id>/session} at (the ordinal at which the broker last started
 * a fresh session, 0): entries written before it are void. Two packet ids in flight in one slot (more than {@value
 * #SLOTS} unacknowledged messages) only cost de-duplication of the older one.
 *
 * <p>Threads: every method may be called from any thread (synchronized; all are short).
 */
final class RedeliveryMarks {
    static final int SLOTS = 1024;
    private static final long IDENTITY_MASK = (1L << 46) - 1;
    private static final long ACKED = 1L << 62;

    private final String prefix;
    /** Committed state of each slot: its position, BEFORE_FIRST when empty. */
    private final LanePosition[] slots = new LanePosition[SLOTS];
    /** Stores in flight, by packet id: complete with whether the record was stored. */
    private final Map<Integer, Pending> pending = new HashMap<>();

    private long ordinal;
    private long sessionStart;

    private record Pending(long identity, CompletableFuture<Boolean> stored) {}

    /** Loads the committed marks of {@code clientId}'s bridge. */
    RedeliveryMarks(String clientId, MarkingSink sink) {
        this.prefix = "bridge/" + clientId + "/";
        long max = 0;
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = sink.mark(prefix + i);
            max = Math.max(max, slots[i].epoch());
        }
        LanePosition session = sink.mark(sessionName());
        sessionStart = Math.max(0, session.epoch());
        this.ordinal = Math.max(max, sessionStart);
    }

    /** 46 bits of SHA-256 over topic and payload: the identity of a QoS 1 message. */
    static long hash(String topic, byte[] payload) {
        return MarkerIdentity.of(topic.getBytes(StandardCharsets.UTF_8), payload);
    }

    /**
     * Whether a message with this packet id and identity was stored already: completed true for a redelivery of a stored,
     * unacknowledged message; pending while such a store is still in flight (then its outcome); false otherwise. The
     * DUP flag is not needed (a QoS 2 message the client restores from its files after a restart may not carry it).
     */
    synchronized CompletableFuture<Boolean> storedAlready(int packetId, long identity) {
        Pending p = pending.get(packetId);
        if (p != null && p.identity == identity) {
            return p.stored.thenApply(stored -> stored);
        }
        LanePosition at = slots[slot(packetId)];
        long v = at.sequence();
        boolean match = at.epoch() > sessionStart
                && (v & ACKED) == 0
                && ((v >>> 46) & 0xFFFF) == packetId
                && (v & IDENTITY_MASK) == identity;
        return CompletableFuture.completedFuture(match);
    }

    /** Notes a store in flight and returns the mark to commit with its record; {@link #stored} ends it. */
    synchronized Map<String, LanePosition> storing(int packetId, long identity) {
        pending.put(packetId, new Pending(identity, new CompletableFuture<>()));
        return position(packetId, identity, false);
    }

    /** The end of a store begun by {@link #storing}: its mark is committed when {@code ok}. */
    void stored(int packetId, Map<String, LanePosition> mark, boolean ok) {
        Pending p;
        synchronized (this) {
            if (ok) {
                committed(mark);
            }
            p = pending.remove(packetId);
        }
        if (p != null) {
            p.stored.complete(ok); // outside the lock: waiting redeliveries continue on this thread
        }
    }

    /** The mark that turns the message's entry ACKED; commit it before acknowledging to the broker. */
    synchronized Map<String, LanePosition> acking(int packetId, long identity) {
        return position(packetId, identity, true);
    }

    /**
     * The mark that voids every entry written so far: the broker started a fresh session (it redelivers nothing). The
     * entries stop counting here at once; the mark makes that durable (until it is, a crash brings them back).
     */
    synchronized Map<String, LanePosition> freshSession() {
        sessionStart = ++ordinal;
        return Map.of(sessionName(), new LanePosition(sessionStart, 0));
    }

    /** Applies a mark once its commit is durable. */
    synchronized void committed(Map<String, LanePosition> mark) {
        mark.forEach((name, pos) -> {
            if (name.equals(sessionName())) {
                sessionStart = Math.max(sessionStart, pos.epoch());
            } else {
                int slot = Integer.parseInt(name.substring(prefix.length()));
                if (pos.isAfter(slots[slot])) {
                    slots[slot] = pos;
                }
            }
        });
    }

    private Map<String, LanePosition> position(int packetId, long identity, boolean acked) {
        long v = (acked ? ACKED : 0) | ((long) (packetId & 0xFFFF) << 46) | (identity & IDENTITY_MASK);
        return Map.of(prefix + slot(packetId), new LanePosition(++ordinal, v));
    }

    private String sessionName() {
        return prefix + "session";
    }

    private static int slot(int packetId) {
        return Math.floorMod(packetId, SLOTS);
    }
}
