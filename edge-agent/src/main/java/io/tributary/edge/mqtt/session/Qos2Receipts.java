package io.tributary.edge.mqtt.session;

import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.buffer.MarkerIdentity;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Which inbound QoS 2 publishes of persistent sessions are stored and not yet released (PUBREL), remembered durably so
 * that a client resending one after the agent crashed (PUBLISH with DUP, its PUBREC never arrived) is answered without
 * storing it twice, and its PUBREL finds it: exactly once across a SIGKILL, not only across a reconnect.
 *
 * <p><b>Why it is exact.</b> A receipt is written in the same buffer commit as its record (a buffer marker), so after
 * a crash a receipt exists only for a stored record. It is voided by a commit durable <i>before</i> PUBCOMP, the
 * moment the client may reuse the packet id; and every receipt of a client is voided before the CONNACK of a fresh
 * persistent session of that client (clean start, or its old one expired), whose packet ids start anew. So a receipt
 * never matches a message that was not stored. Each receipt has a slot of its own (a slot is taken again only once
 * its void is durable), so none is ever forgotten — unless {@value #MAX_SLOTS} are held at once: then a publish is
 * stored without one ({@link Write#none}; the caller counts it), and resent after a crash it would be stored twice.
 *
 * <p><b>On disk</b> (buffer markers, kept in the buffer log's commits and snapshots): markers {@code
 * mqtt-qos2/<slot>}, slots numbered from 0 without gaps (the lowest free one is taken, so the table grows to the most
 * receipts ever held at once and no further: buffer markers are never deleted, and client ids come and go). A slot's
 * position: epoch = an ordinal that grows with every write (so each write moves the marker forward), sequence =
 * {@code [live: bit 62][packet id: bits 61-46][client key: bits 45-0]}, client key = 46 bits of SHA-256 of the client
 * identifier (two clients' keys collide with probability 2^-46).
 *
 * <p>Threads: every method from any thread (synchronized, all short).
 */
public final class Qos2Receipts {

    /** The most receipts held at once. */
    public static final int MAX_SLOTS = 1 << 16;

    static final String PREFIX = "mqtt-qos2/";
    private static final long KEY_MASK = (1L << 46) - 1;
    private static final long LIVE = 1L << 62;

    /**
     * Markers to commit (with a record, or alone), then to report with {@link #committed} or {@link #failed}.
     *
     * @param marks marker name → position; empty for nothing to write
     */
    public record Write(Map<String, LanePosition> marks) {
        private static final Write NONE = new Write(Map.of());

        /** Nothing to write. */
        public static Write none() {
            return NONE;
        }

        public boolean isEmpty() {
            return marks.isEmpty();
        }
    }

    /** Committed value of each slot (the sequence of its marker); 0 when empty or voided. */
    private long[] values = new long[64];
    /** Committed epoch of each slot's marker. */
    private long[] epochs = new long[64];
    /** Epoch and value of the last write handed out for each slot: while it is in flight, the slot is not free. */
    private long[] issuedEpochs = new long[64];

    private long[] issuedValues = new long[64];
    /** Slots live, or written by a write in flight: not to be given to another receipt. */
    private final BitSet busy = new BitSet();
    /** Committed live receipts: value (without the live bit) → slot. */
    private final Map<Long, Integer> live = new HashMap<>();

    private long ordinal;

    /**
     * Loads the committed receipts: {@code committed} gives a marker's position (BEFORE_FIRST when never moved). Every
     * name is asked for: a slot whose first write was refused leaves a gap below slots written after it.
     */
    public Qos2Receipts(Function<String, LanePosition> committed) {
        for (int i = 0; i < MAX_SLOTS; i++) {
            LanePosition p = committed.apply(PREFIX + i);
            if (p.epoch() < 0) {
                continue;
            }
            grow(i);
            issuedEpochs[i] = p.epoch();
            issuedValues[i] = p.sequence();
            apply(i, p);
            ordinal = Math.max(ordinal, p.epoch());
        }
    }

    /** 46 bits of SHA-256 of the client identifier. */
    public static long key(String clientId) {
        return MarkerIdentity.of(clientId.getBytes(StandardCharsets.UTF_8));
    }

    /** The packet ids of {@code key}'s client with a live receipt: stored, not released. */
    public synchronized Set<Integer> held(long key) {
        Set<Integer> out = new TreeSet<>();
        for (long v : live.keySet()) {
            if ((v & KEY_MASK) == key) {
                out.add((int) (v >>> 46));
            }
        }
        return out;
    }

    /** Live receipts in all. */
    public synchronized int live() {
        return live.size();
    }

    /** The receipt to commit with the record of a QoS 2 publish; {@link Write#none} when {@value #MAX_SLOTS} are held. */
    public synchronized Write storing(long key, int packetId) {
        long v = value(key, packetId);
        Integer held = live.get(v);
        int slot = held != null ? held : busy.nextClearBit(0);
        if (slot >= MAX_SLOTS) {
            return Write.NONE;
        }
        grow(slot);
        return new Write(Map.of(PREFIX + slot, issue(slot, v | LIVE)));
    }

    /** The void of the receipt at PUBREL; {@link Write#none} when there is none. */
    public synchronized Write releasing(long key, int packetId) {
        Integer slot = live.get(value(key, packetId));
        return slot == null ? Write.NONE : new Write(Map.of(PREFIX + slot, issue(slot, 0)));
    }

    /** The voids of every live receipt of {@code key}'s client (a fresh session); {@link Write#none} when none. */
    public synchronized Write voiding(long key) {
        Map<String, LanePosition> out = new HashMap<>();
        for (int slot = busy.nextSetBit(0); slot >= 0; slot = busy.nextSetBit(slot + 1)) {
            // committed live receipts, and stores still in flight (of the session being replaced): the void's later
            // epoch wins over such a store whenever it commits
            if (ofKey(values[slot], key) || ofKey(issuedValues[slot], key)) {
                out.put(PREFIX + slot, issue(slot, 0));
            }
        }
        return out.isEmpty() ? Write.NONE : new Write(out);
    }

    /** The write is durable (a marker older than its slot's is ignored, as the buffer does). */
    public synchronized void committed(Write write) {
        write.marks().forEach((name, pos) -> {
            int slot = slot(name);
            if (pos.epoch() > epochs[slot]) {
                apply(slot, pos);
            }
        });
    }

    /**
     * The write was refused or failed: a slot it took is free again unless it holds a live receipt or a later write is
     * in flight. (A write that failed may still have reached the disk; its slot is then written again before reuse
     * only if the caller voids it — see InboundReceipts.)
     */
    public synchronized void failed(Write write) {
        write.marks().forEach((name, pos) -> {
            int slot = slot(name);
            if (issuedEpochs[slot] == pos.epoch()) {
                issuedEpochs[slot] = epochs[slot];
                issuedValues[slot] = values[slot];
                freeIfDone(slot);
            }
        });
    }

    /**
     * The voids of the slots {@code write} took, for a write whose failure is ambiguous (an I/O error: it may have
     * reached the disk): the slot stays taken until the void is durable ({@link #committed}).
     */
    public synchronized Write abandoning(Write write) {
        Map<String, LanePosition> out = new HashMap<>();
        write.marks().forEach((name, pos) -> {
            int slot = slot(name);
            if (issuedEpochs[slot] == pos.epoch()) {
                out.put(name, issue(slot, 0));
            }
        });
        return out.isEmpty() ? Write.NONE : new Write(out);
    }

    private LanePosition issue(int slot, long value) {
        busy.set(slot);
        issuedEpochs[slot] = ++ordinal;
        issuedValues[slot] = value;
        return new LanePosition(ordinal, value);
    }

    private void apply(int slot, LanePosition pos) {
        long old = values[slot];
        if ((old & LIVE) != 0) {
            live.remove(old & ~LIVE, slot);
        }
        epochs[slot] = pos.epoch();
        values[slot] = pos.sequence();
        if ((pos.sequence() & LIVE) != 0) {
            live.put(pos.sequence() & ~LIVE, slot);
        }
        freeIfDone(slot);
    }

    /** Busy while live or while a write issued later than the committed one is in flight. */
    private void freeIfDone(int slot) {
        if ((values[slot] & LIVE) != 0 || issuedEpochs[slot] > epochs[slot]) {
            busy.set(slot);
        } else {
            busy.clear(slot);
        }
    }

    private static boolean ofKey(long value, long key) {
        return (value & LIVE) != 0 && (value & KEY_MASK) == key;
    }

    private void grow(int slot) {
        if (slot >= values.length) {
            int n = Math.min(MAX_SLOTS, Math.max(slot + 1, values.length * 2));
            values = Arrays.copyOf(values, n);
            epochs = Arrays.copyOf(epochs, n);
            issuedEpochs = Arrays.copyOf(issuedEpochs, n);
            issuedValues = Arrays.copyOf(issuedValues, n);
        }
    }

    private static int slot(String name) {
        return Integer.parseInt(name.substring(PREFIX.length()));
    }

    private static long value(long key, int packetId) {
        return ((long) (packetId & 0xFFFF) << 46) | (key & KEY_MASK);
    }
}
