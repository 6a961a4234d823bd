package io.tributary.edge.mqtt;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Sessions by client identifier. A CONNECT with an id that is in use takes the session over; the previous channel
 * is returned so the caller can disconnect it. Disconnected sessions are dropped at once (clean session / expiry
 * 0) or after their expiry interval, by a task on the last owner's event loop.
 *
 * <p>Threads: any event loop; all operations are atomic per client id.
 */
final class SessionRegistry {

    /**
     * Result of {@link #attach}. {@code previousOwner} is null when no other channel held the id;
     * {@code willCancelled} is true when the previous connection's will was waiting for its delay (it is dropped).
     */
    record Attached(Session session, boolean sessionPresent, Channel previousOwner, boolean willCancelled) {}

    private final ConcurrentMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final Consumer<Session> onEnd;

    /** @param onEnd told of every session that ends (removed, or replaced by a clean start); any thread */
    SessionRegistry(Consumer<Session> onEnd) {
        this.onEnd = onEnd;
    }

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
        Session[] ended = new Session[1];
        boolean[] willCancelled = new boolean[1];
        Session session = sessions.compute(clientId, (id, old) -> {
            if (old != null) {
                previous[0] = old.owner();
                willCancelled[0] = old.takePendingWill(); // MQTT 5 §3.1.2.5: reconnected within the will delay
            }
            if (old == null || cleanStart) {
                ended[0] = old;
                return new Session(id, channel);
            }
            present[0] = true;
            old.owner(channel);
            return old;
        });
        if (ended[0] != null) {
            onEnd.accept(ended[0]);
        }
        return new Attached(session, present[0], previous[0], willCancelled[0]);
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
            if (sessions.remove(session.clientId(), session)) {
                onEnd.accept(session);
            }
            return;
        }
        channel.eventLoop()
                .schedule(
                        () -> {
                            if (session.stillDetached(stamp) && sessions.remove(session.clientId(), session)) {
                                onEnd.accept(session);
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
