package io.tributary.edge.mqtt.session;

import io.tributary.edge.mqtt.pubsub.Subscription;
import io.tributary.edge.state.Fields;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The entries of the session journal ({@link SessionStore}). Every body starts with {@code byte type ; int64 seq ;
 * string client-id}; integers big-endian, strings as int32 length + UTF-8 bytes:
 *
 * <pre>
 * 1 STATE     int64 expiry-seconds ; int64 detached-at millis (0: connected) ; int32 n ; n × subscription
 *             — the whole session: created (CONNACK), or one session of a compacted journal. Clears what the
 *               client id had before, queued messages included.
 * 2 SUB       subscription                      — added or replaced (same filter as written)
 * 3 UNSUB     string key                        — the filter as the client wrote it
 * 4 END       (nothing)                         — the session ended (expiry, clean start)
 * 5 DETACHED  int64 expiry-seconds ; int64 at millis (0: attached again)
 * 6 MSG       int32 packet-id ; byte qos ; byte retain ; int32 n ; n × int32 subscription-id ; int32 length ; message
 * 7 REL       int64 msg-seq                     — the subscriber sent PUBREC for that QoS 2 message
 * 8 ACK       int64 msg-seq                     — the message is done (PUBACK / PUBCOMP) or dropped
 * 9 POSITION  (client id empty)                 — first entry of a compacted journal
 * subscription: string filter ; byte shared ; [string group] ; byte qos ; byte no-local ; byte retain-as-published ;
 *               byte retain-handling ; int32 subscription-id
 * </pre>
 *
 * {@code seq} numbers entries 1, 2, 3, … in journal order; a MSG's seq is its identity for REL and ACK, and a compacted
 * journal keeps it. The {@code message} bytes are the broker's own encoding, opaque here. Stateless, thread-safe.
 */
final class SessionEntries {

    static final byte STATE = 1;
    static final byte SUB = 2;
    static final byte UNSUB = 3;
    static final byte END = 4;
    static final byte DETACHED = 5;
    static final byte MSG = 6;
    static final byte REL = 7;
    static final byte ACK = 8;
    static final byte POSITION = 9;

    private SessionEntries() {}

    interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    static byte[] entry(byte type, long seq, String clientId, Writer rest) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(type);
            out.writeLong(seq);
            Fields.string(out, clientId);
            rest.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        }
        return bytes.toByteArray();
    }

    static byte type(ByteBuffer body) {
        return body.get(0);
    }

    static long seq(ByteBuffer body) {
        return body.getLong(1);
    }

    static String clientId(ByteBuffer body) {
        return Fields.string(body.duplicate().position(9));
    }

    /** The body after its header (type, seq, client id), positioned for the type's fields. */
    static ByteBuffer rest(ByteBuffer body) {
        ByteBuffer b = body.duplicate().position(9);
        int length = b.getInt();
        return b.position(b.position() + length);
    }

    static void subscription(DataOutputStream out, Subscription s) throws IOException {
        Fields.string(out, s.filter());
        out.writeByte(s.group() == null ? 0 : 1);
        if (s.group() != null) {
            Fields.string(out, s.group());
        }
        out.writeByte(s.qos());
        out.writeByte(s.noLocal() ? 1 : 0);
        out.writeByte(s.retainAsPublished() ? 1 : 0);
        out.writeByte(s.retainHandling());
        out.writeInt(s.subscriptionId());
    }

    static Subscription subscription(ByteBuffer b) {
        String filter = Fields.string(b);
        String group = b.get() == 0 ? null : Fields.string(b);
        int qos = b.get();
        boolean noLocal = b.get() != 0;
        boolean rap = b.get() != 0;
        int rh = b.get();
        return new Subscription(filter, group, qos, noLocal, rap, rh, b.getInt());
    }

    static List<Subscription> subscriptions(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) {
            throw new IllegalArgumentException("subscription count " + n);
        }
        List<Subscription> subs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            subs.add(subscription(b));
        }
        return subs;
    }
}
