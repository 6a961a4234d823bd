package io.tributary.edge.mqtt.auth;

import java.util.HashMap;
import java.util.Map;

/**
 * Counts open connections, globally and per identity, against {@link Limits}. A connection is admitted with
 * {@link #admit} and must be {@link #release}d once closed. Per identity it counts client ids, so a reconnect that
 * takes over its own earlier connection (same client id, which the session registry closes) is not refused while the
 * old one is still open. Thread-safe (one lock; admissions are rare next to publishes).
 */
public final class ConnectionLimits {

    /** Why an admission was refused. */
    public enum Refusal {
        /** {@link Limits#connections()} reached. */
        CONNECTION_LIMIT,
        /** {@link Limits#connectionsPerIdentity()} reached for this identity. */
        IDENTITY_CONNECTION_LIMIT
    }

    /** The outcome of {@link #admit}: a ticket, or the refusal. */
    public record Admission(Ticket ticket, Refusal refusal) {}

    /** An admitted connection; release it once. */
    public final class Ticket {
        private final String identity;
        private final String clientId;
        private boolean released;

        private Ticket(String identity, String clientId) {
            this.identity = identity;
            this.clientId = clientId;
        }
    }

    private final Limits limits;
    private final Map<String, Map<String, Integer>> byIdentity = new HashMap<>();
    private int open;

    public ConnectionLimits(Limits limits) {
        this.limits = limits;
    }

    /**
     * Admits a connection or says why not.
     *
     * @param identity the identity; anonymous ones are counted globally only
     * @param clientId the client id of the CONNECT, or a unique stand-in when the client sent none
     */
    public synchronized Admission admit(Identity identity, String clientId) {
        Map<String, Integer> clients = identity.anonymous() ? null : byIdentity.get(identity.name());
        boolean takeover = clients != null && clients.containsKey(clientId);
        if (!takeover && open >= limits.connections()) {
            return new Admission(null, Refusal.CONNECTION_LIMIT);
        }
        if (!takeover
                && !identity.anonymous()
                && limits.connectionsPerIdentity() > 0
                && clients != null
                && clients.size() >= limits.connectionsPerIdentity()) {
            return new Admission(null, Refusal.IDENTITY_CONNECTION_LIMIT);
        }
        open++;
        if (!identity.anonymous()) {
            byIdentity.computeIfAbsent(identity.name(), k -> new HashMap<>()).merge(clientId, 1, Integer::sum);
        }
        return new Admission(new Ticket(identity.anonymous() ? null : identity.name(), clientId), null);
    }

    /** Releases an admitted connection; a second release of the same ticket does nothing. */
    public synchronized void release(Ticket ticket) {
        if (ticket.released) {
            return;
        }
        ticket.released = true;
        open--;
        if (ticket.identity != null) {
            Map<String, Integer> clients = byIdentity.get(ticket.identity);
            if (clients != null && clients.merge(ticket.clientId, -1, Integer::sum) <= 0) {
                clients.remove(ticket.clientId);
                if (clients.isEmpty()) {
                    byIdentity.remove(ticket.identity);
                }
            }
        }
    }

    /** Connections admitted and not released. */
    public synchronized int open() {
        return open;
    }
}
