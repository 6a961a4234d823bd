package io.tributary.edge.mqtt.session;

import io.tributary.edge.state.Fields;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mapdb.HTreeMap;

/**
 * How journal entries change the two views of the session journal: the sessions (MapDB, client id →
 * {@link SessionRecord}) and the messages still queued (heap, client id → seq → MSG and REL entries). Used when
 * replaying the journal at start and by the writer after each fsync. One thread at a time.
 */
final class SessionViews {

    /** The journal entries of one queued message: its MSG, and its REL once the client sent PUBREC. */
    static final class Live {
        final byte[] msg;
        byte[] rel;

        Live(byte[] msg) {
            this.msg = msg;
        }
    }

    private SessionViews() {}

    /** Applies one entry to the MapDB view of sessions. */
    static void applyToSessions(HTreeMap<String, byte[]> sessions, ByteBuffer body) {
        byte type = SessionEntries.type(body);
        if (type == SessionEntries.POSITION
                || type == SessionEntries.MSG
                || type == SessionEntries.REL
                || type == SessionEntries.ACK) {
            return;
        }
        String clientId = SessionEntries.clientId(body);
        ByteBuffer rest = SessionEntries.rest(body);
        if (type == SessionEntries.STATE) {
            byte[] value = new byte[rest.remaining()];
            rest.get(value);
            sessions.put(clientId, value);
            return;
        }
        if (type == SessionEntries.END) {
            sessions.remove(clientId);
            return;
        }
        byte[] value = sessions.get(clientId);
        if (value == null) {
            return; // a change journaled after the session ended (a race with expiry): nothing to change
        }
        SessionRecord r = SessionRecord.decode(ByteBuffer.wrap(value));
        switch (type) {
            case SessionEntries.SUB -> {
                var s = SessionEntries.subscription(rest);
                r.subscriptions.put(s.key(), s);
            }
            case SessionEntries.UNSUB -> r.subscriptions.remove(Fields.string(rest));
            case SessionEntries.DETACHED -> {
                r.expirySeconds = rest.getLong();
                r.detachedAtMillis = rest.getLong();
            }
            default -> throw new IllegalArgumentException("unknown session journal entry type " + type);
        }
        sessions.put(clientId, r.encode());
    }

    /** Applies one entry to the queued messages. */
    static void applyToQueues(Map<String, LinkedHashMap<Long, Live>> queues, ByteBuffer body) {
        byte type = SessionEntries.type(body);
        switch (type) {
            case SessionEntries.STATE, SessionEntries.END -> queues.remove(SessionEntries.clientId(body));
            case SessionEntries.MSG -> {
                byte[] copy = new byte[body.remaining()];
                body.duplicate().get(copy);
                queues.computeIfAbsent(SessionEntries.clientId(body), k -> new LinkedHashMap<>())
                        .put(SessionEntries.seq(body), new Live(copy));
            }
            case SessionEntries.REL, SessionEntries.ACK -> {
                String clientId = SessionEntries.clientId(body);
                LinkedHashMap<Long, Live> queue = queues.get(clientId);
                long msgSeq = SessionEntries.rest(body).getLong();
                Live live = queue == null ? null : queue.get(msgSeq);
                if (live == null) {
                    return;
                }
                if (type == SessionEntries.ACK) {
                    queue.remove(msgSeq);
                } else {
                    byte[] copy = new byte[body.remaining()];
                    body.duplicate().get(copy);
                    live.rel = copy;
                }
            }
            default -> {
                // session changes do not touch the queue
            }
        }
    }

    /** The messages of one client's queue, oldest first. */
    static List<StoredMessage> stored(LinkedHashMap<Long, Live> queue) {
        List<StoredMessage> out = new ArrayList<>(queue == null ? 0 : queue.size());
        if (queue == null) {
            return out;
        }
        for (Live live : queue.values()) {
            ByteBuffer body = ByteBuffer.wrap(live.msg);
            ByteBuffer b = SessionEntries.rest(body);
            int packetId = b.getInt();
            int qos = b.get();
            boolean retain = b.get() != 0;
            int n = b.getInt();
            List<Integer> ids = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                ids.add(b.getInt());
            }
            out.add(new StoredMessage(
                    SessionEntries.seq(body), packetId, qos, retain, ids, Fields.bytes(b), live.rel != null));
        }
        return out;
    }
}
