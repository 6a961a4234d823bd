package io.tributary.edge.mqtt;

import io.netty.channel.Channel;
import io.tributary.edge.mqtt.session.SessionStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Sessions by client identifier. A CONNECT with an id that is in use takes the session over; the previous channel
 * is returned so the caller can disconnect it. Disconnected sessions are dropped at once (clean session / expiry
 * 0) or after their expiry interval, by a task on the last owner's event loop (for a session restored at start, on
 * an event loop of the server). {@link PersistentSessions} is told of every detach and end.
 *
 * <p>Threads: any event loop; all operations are atomic per client id.
 */
final class SessionRegistry {

    /**
     * Result of {@link #attach}. {@code previousOwner} is null when no other channel held the id;
     * {@code willCancelled} is true when the previous connection's will was waiting for its delay and this connection
     * resumes the session (Clean Start 0: the will is dropped; with Clean Start 1 the session ended and it was published).
     */
    record Attached(Session session, boolean sessionPresent, Channel previousOwner, boolean willCancelled) {}

    /**
     * A session's expiry as last set, for {@link SessionSnapshots} only (the expiry timers do not read it):
     * {@code seconds} its interval; {@code expiresAtMillis} when it ends unless taken again, meaningful only while
     * it is detached.
     */
    record Expiry(long seconds, long expiresAtMillis) {}

    private final ConcurrentMap<String, Session> sessions = new ConcurrentHashMap<>();
    // Beside the session rather than in it: Session stays as the connection code needs it; keys are identities
    private final ConcurrentMap<Session, Expiry> expiries = new ConcurrentHashMap<>();
    private final Consumer<Session> onEnd;
    private final PersistentSessions persistent;
    private final SessionStore store;
    private final Clock clock;

    /**
     * @param onEnd told of every session that ends (removed, or replaced by a clean start); any thread
     * @param store where restored sessions' expiry intervals are read, null without one
     */
    SessionRegistry(Consumer<Session> onEnd, PersistentSessions persistent, SessionStore store, Clock clock) {
        this.onEnd = onEnd;
        this.persistent = persistent;
        this.store = store;
        this.clock = clock;
    }

    private void ended(Session session, boolean byExpiry) {
        expiries.remove(session);
        onEnd.accept(session);
        persistent.ended(session, byExpiry);
    }

    /** Whether a session, connected or not, is stored for {@code clientId}. */
    boolean contains(String clientId) {
        return sessions.containsKey(clientId);
    }

    /** Puts back a session stored before a restart, disconnected, removed after {@code expiry} unless taken. */
    void restore(Session session, Duration expiry, io.netty.util.concurrent.EventExecutor timers) {
        // the interval as journaled; expiry is only what is left of it
        long seconds =
                store == null ? -1 : store.expirySeconds(session.clientId()).orElse(-1);
        expiries.put(
                session, new Expiry(seconds < 0 ? expiry.toSeconds() : seconds, clock.millis() + expiry.toMillis()));
        sessions.put(session.clientId(), session);
        expireLater(session, session.detach(), expiry, timers);
    }

    private void expireLater(Session session, long stamp, Duration expiry, io.netty.util.concurrent.EventExecutor on) {
        on.schedule(
                () -> {
                    if (session.stillDetached(stamp) && sessions.remove(session.clientId(), session)) {
                        ended(session, true);
                    }
                },
                expiry.toMillis(),
                TimeUnit.MILLISECONDS);
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

    /**
     * Binds {@code clientId} to {@code channel}, reusing the stored session unless {@code cleanStart};
     * {@code expiry} is the connection's session expiry (reported by {@link SessionSnapshots}).
     */
    Attached attach(String clientId, boolean cleanStart, Channel channel, Duration expiry) {
        Channel[] previous = new Channel[1];
        boolean[] present = new boolean[1];
        Session[] ended = new Session[1];
        Runnable[] pendingWill = new Runnable[1];
        Session session = sessions.compute(clientId, (id, old) -> {
            if (old != null) {
                previous[0] = old.owner();
                pendingWill[0] = old.takePendingWill(); // MQTT 5 §3.1.3.2.2: reconnected within the will delay
            }
            Session now;
            if (old == null || cleanStart) {
                ended[0] = old;
                now = new Session(id, channel);
            } else {
                present[0] = true;
                old.owner(channel);
                now = old;
            }
            expiries.put(now, new Expiry(expiry.toSeconds(), 0)); // in here: atomic with a removal of the id
            return now;
        });
        if (ended[0] != null) {
            ended(ended[0], false);
        }
        if (pendingWill[0] != null && ended[0] != null) {
            pendingWill[0].run(); // Clean Start 1 ended the session: its will is due now
        }
        return new Attached(session, present[0], previous[0], pendingWill[0] != null && ended[0] == null);
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
                ended(session, false);
            }
            return;
        }
        // replace, not put: a session a clean start already ended must not be noted again (it would stay forever)
        expiries.replace(session, new Expiry(expiry.toSeconds(), clock.millis() + expiry.toMillis()));
        persistent.detached(session, expiry);
        expireLater(session, stamp, expiry, channel.eventLoop());
    }

    /** The sessions stored now, connected or not, in no order: a snapshot, any thread. */
    java.util.List<Session> all() {
        return java.util.List.copyOf(sessions.values());
    }

    /** The session stored for {@code clientId}, connected or not. */
    Optional<Session> session(String clientId) {
        return Optional.ofNullable(sessions.get(clientId));
    }

    /** The expiry last set for {@code session}; zero seconds when none was (a session that just ended). */
    Expiry expiry(Session session) {
        return expiries.getOrDefault(session, new Expiry(0, 0));
    }

    /** Number of stored sessions, connected or not. */
    int size() {
        return sessions.size();
    }
}
