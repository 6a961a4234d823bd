package io.tributary.edge.mqtt;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Sessions by client identifier. A CONNECT with an id that is in use takes the session over; the previous channel
 * is returned so the caller can disconnect it. Disconnected sessions are dropped at once (clean session / expiry
 * 0) or after their expiry interval, by a task on the last owner's event loop.
 *
 * <p>Threads: any event loop; all operations are atomic per client id.
 */
final class SessionRegistry {

    /** Result of {@link #attach}. {@code previousOwner} is null when no other channel held the id. */
    record Attached(Session session, boolean sessionPresent, Channel previousOwner) {}

    private final ConcurrentMap<String, Session> sessions = new ConcurrentHashMap<>();

    /** The clients connected now (a session with an open channel), in no order: a snapshot, any thread. */
    java.util.List<MqttClientInfo> connected() {
        java.util.List<MqttClientInfo> clients = new java.util.ArrayList<>();
        for (Session s : sessions.values()) {
            Channel owner = s.owner();
            if (owner != null && owner.isActive()) {
                clients.add(new MqttClientInfo(s.clientId(), String.valueOf(owner.remoteAddress())));
            }
        }
        return clients;
    }

    /** Binds {@code clientId} to {@code channel}, reusing the stored session unless {@code cleanStart}. */
    Attached attach(String clientId, boolean cleanStart, Channel channel) {
        Channel[] previous = new Channel[1];
        boolean[] present = new boolean[1];
        Session session = sessions.compute(clientId, (id, old) -> {
            if (old != null) {
                previous[0] = old.owner();
            }
            if (old == null || cleanStart) {
                return new Session(id, channel);
            }
            present[0] = true;
            old.owner(channel);
            return old;
        });
        return new Attached(session, present[0], previous[0]);
    }

    /**
     * Called when {@code channel} closes. Does nothing when another channel has taken the session over; otherwise
     * drops the session now ({@code expiry} zero) or schedules its removal.
     */
    void detach(Session session, Channel channel, Duration expiry) {
        if (session.owner() != channel) {
            return;
        }
        long stamp = session.detach();
        if (expiry.isZero()) {
            sessions.remove(session.clientId(), session);
            return;
        }
        channel.eventLoop()
                .schedule(
                        () -> {
                            if (session.stillDetached(stamp)) {
                                sessions.remove(session.clientId(), session);
                            }
                        },
                        expiry.toMillis(),
                        TimeUnit.MILLISECONDS);
    }

    /** Number of stored sessions, connected or not. */
    int size() {
        return sessions.size();
    }
}
