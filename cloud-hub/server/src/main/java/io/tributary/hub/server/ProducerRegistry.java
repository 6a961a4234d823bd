package io.tributary.hub.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.hub.epoch.GrantTable;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Epoch grants of the agents and producers connected to this hub, and fencing: when an id gets a new grant, its
 * connections that hold an older one are closed with {@code ConnectionError FENCED}, and a batch sent under a grant
 * that is no longer current is refused the same way (so a grant given while an older connection was still in its
 * handshake fences that connection at its first batch).
 *
 * <p>Thread rules: thread-safe. {@link #claim} runs the durable grant on {@code executor} (it fsyncs), never on the
 * caller's event loop.
 */
public final class ProducerRegistry {
    private static final Logger log = LoggerFactory.getLogger(ProducerRegistry.class);

    private final GrantTable grants;
    private final Executor executor;
    private final Map<String, Set<Session>> live = new ConcurrentHashMap<>();
    private final Counter granted;
    private final Counter fenced;

    public ProducerRegistry(GrantTable grants, Executor executor, MeterRegistry registry) {
        this.grants = grants;
        this.executor = executor;
        this.granted = Counter.builder("tributary.hub.epoch.grants")
                .description("New epoch grants given to agents and producers (each fences the id's earlier holder)")
                .register(registry);
        this.fenced = Counter.builder("tributary.hub.epoch.fenced")
                .description("Connections and handshakes refused because a newer instance of the id holds its grant")
                .register(registry);
    }

    /** Claims a grant for {@code id} presenting {@code presented}, off the caller's thread. */
    CompletableFuture<GrantTable.Claim> claim(String id, long presented) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        GrantTable.Claim claim = grants.claim(id, presented);
                        if (claim instanceof GrantTable.Claim.Granted g && g.grant() != presented) {
                            granted.increment();
                        }
                        return claim;
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                },
                executor);
    }

    /** A connection now holds its grant: remember it, and fence the id's connections under older grants. */
    void connected(Session session, long superseded) {
        live.computeIfAbsent(session.agentId(), k -> ConcurrentHashMap.newKeySet())
                .add(session);
        if (superseded != 0) {
            log.warn(
                    "{} holds a new epoch grant; an instance of {} with grant {} is fenced from now on",
                    session,
                    session.agentId(),
                    Long.toHexString(superseded));
        }
        for (Session other : live.getOrDefault(session.agentId(), Set.of())) {
            if (other != session && other.grantedEpoch() != session.grantedEpoch()) {
                fence(other);
            }
        }
    }

    /** The agent and producer connections that hold a grant now, in no order: a snapshot, any thread. */
    public List<Session> connections() {
        return live.values().stream()
                .flatMap(Set::stream)
                .filter(Session::isOpen)
                .toList();
    }

    /** The connection closed. */
    void closed(Session session) {
        live.computeIfPresent(session.agentId(), (k, set) -> {
            set.remove(session);
            return set.isEmpty() ? null : set;
        });
    }

    /**
     * Whether the connection's grant is still its id's newest; when not, the connection is fenced (closed with
     * {@code FENCED}) and false returned. Any thread; a map read on the fast path.
     */
    public boolean checkCurrent(Session session) {
        if (grants.isCurrent(session.agentId(), session.grantedEpoch())) {
            return true;
        }
        fence(session);
        return false;
    }

    /** Counts a handshake refused as fenced. */
    void refusedFenced() {
        fenced.increment();
    }

    private void fence(Session s) {
        fenced.increment();
        String message = "fenced: a newer instance of " + s.agentId() + " holds epoch grant "
                + Long.toHexString(grants.current(s.agentId())) + " (this connection holds "
                + Long.toHexString(s.grantedEpoch())
                + "); stop this instance — its unacknowledged records stay with it";
        log.error("Fencing {}: {}", s, message);
        s.fence(message);
    }
}
