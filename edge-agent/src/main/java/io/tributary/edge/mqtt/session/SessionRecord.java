package io.tributary.edge.mqtt.session;

import io.tributary.edge.mqtt.pubsub.Subscription;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One session's value in the MapDB view, also the fields of a STATE journal entry ({@link SessionEntries}):
 * {@code int64 expiry-seconds ; int64 detached-at millis ; int32 n ; n × subscription}. Mutable, one thread.
 */
final class SessionRecord {

    long expirySeconds;
    long detachedAtMillis;
    final Map<String, Subscription> subscriptions = new LinkedHashMap<>();

    SessionRecord(long expirySeconds, long detachedAtMillis) {
        this.expirySeconds = expirySeconds;
        this.detachedAtMillis = detachedAtMillis;
    }

    static SessionRecord decode(ByteBuffer b) {
        SessionRecord r = new SessionRecord(b.getLong(), b.getLong());
        for (Subscription s : SessionEntries.subscriptions(b)) {
            r.subscriptions.put(s.key(), s);
        }
        return r;
    }

    void write(DataOutputStream out) throws IOException {
        out.writeLong(expirySeconds);
        out.writeLong(detachedAtMillis);
        out.writeInt(subscriptions.size());
        for (Subscription s : subscriptions.values()) {
            SessionEntries.subscription(out, s);
        }
    }

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 + 32 * subscriptions.size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    StoredSession toStored(String clientId, java.util.List<StoredMessage> queued) {
        return new StoredSession(
                clientId, expirySeconds, detachedAtMillis, new ArrayList<>(subscriptions.values()), queued);
    }
}
