package io.tributary.edge.mqtt;

import io.netty.channel.Channel;
import io.tributary.edge.mqtt.pubsub.Subscription;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Read-only snapshots of the sessions in a {@link SessionRegistry}, for {@link MqttServer#sessions()}. Reads the
 * session internals without changing them; nothing on the publish path calls it.
 *
 * <p>Threads: any (an HTTP thread, typically). Each session is read under its monitor — the lock {@link
 * LocalBroker} takes for subscription changes and {@link PersistentSessions} for queue changes — so its
 * subscriptions and queue are seen together; sessions are read one after the other, so the list is not one instant.
 */
final class SessionSnapshots {

    private static final Comparator<Subscription> BY_KEY = Comparator.comparing(Subscription::key);

    private SessionSnapshots() {}

    /** Every session the registry holds, sorted by client id. */
    static List<SessionInfo> all(SessionRegistry registry) {
        return registry.all().stream()
                .filter(s -> !s.ended())
                .map(s -> of(registry, s))
                .sorted(Comparator.comparing(SessionInfo::clientId))
                .toList();
    }

    /** The session of {@code clientId}, if the registry holds one. */
    static Optional<SessionInfo> one(SessionRegistry registry, String clientId) {
        return registry.session(clientId).filter(s -> !s.ended()).map(s -> of(registry, s));
    }

    private static SessionInfo of(SessionRegistry registry, Session s) {
        SessionRegistry.Expiry expiry = registry.expiry(s);
        synchronized (s) {
            Channel owner = s.owner();
            SessionQueue q = s.queue();
            return new SessionInfo(
                    s.clientId(),
                    owner != null && owner.isActive(),
                    q != null,
                    expiry.seconds(),
                    owner == null ? expiry.expiresAtMillis() : 0,
                    s.subscriptions().values().stream().sorted(BY_KEY).toList(),
                    q == null ? 0 : q.size(),
                    q == null ? 0 : q.bytes(),
                    s.inflightQos2());
        }
    }
}
