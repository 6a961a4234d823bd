package io.tributary.edge.forward;

import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.hub.client.Backoff;
import io.tributary.hub.client.ClientOptions;
import io.tributary.hub.client.ClientResources;
import io.tributary.hub.client.FencedException;
import io.tributary.hub.client.FrameListener;
import io.tributary.hub.client.HubClientException;
import io.tributary.hub.client.HubConnection;
import io.tributary.hub.client.HubEndpoint;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.PeerRole;
import io.tributary.protocol.v1.Pong;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forwarder's connection to the hub: connects, fails over and reconnects with jittered exponential backoff, and
 * routes the hub's frames. Endpoints are tried in order of preference; a failed attempt moves to the next one
 * (wrapping around), a connection that drops restarts at the first, so the agent returns to its preferred hub.
 *
 * <p>There is at most one connection, and at most one connect attempt or reconnect timer pending: each attempt
 * schedules the next only from its own outcome (failure, loss of the connection it opened, or that connection found
 * closed already when the attempt's answer is handled).
 *
 * <p>Thread rules: forwarder thread only. Netty callbacks (frames, close, connect outcome) hop onto it; frames and
 * closes of a connection that is no longer current are ignored.
 */
final class HubLink {
    private static final Logger log = LoggerFactory.getLogger(Forwarder.class); // one log category per forwarder

    /** Opens one connection; the future completes after the handshake. */
    @FunctionalInterface
    interface Connector {
        CompletableFuture<HubConnection> connect(HubEndpoint endpoint, FrameListener listener);

        /**
         * The agent's connections: {@link HubConnection#connect} with the agent role, presenting the epoch grant the
         * buffer holds (0 before its first connection).
         */
        static Connector agent(ClientResources resources, ClientOptions client, String agentId, LongSupplier grant) {
            return (ep, listener) -> HubConnection.connect(
                    resources, ep, client, PeerRole.PEER_ROLE_AGENT, agentId, grant.getAsLong(), listener);
        }
    }

    private final List<HubEndpoint> endpoints;
    private final Connector connector;
    private final String agentId;
    private final DurableBuffer buffer;
    private final ScheduledExecutorService executor;
    private final ForwarderMetrics metrics;
    private final StatusBoard status;
    private final BatchSender sender;
    private final HubReplies replies;
    private final Backoff backoff;
    private HubConnection connection;
    private int endpointIndex;
    private boolean closed;

    HubLink(
            ForwarderConfig config,
            List<HubEndpoint> endpoints,
            Connector connector,
            String agentId,
            DurableBuffer buffer,
            ScheduledExecutorService executor,
            ForwarderMetrics metrics,
            StatusBoard status,
            BatchSender sender,
            HubReplies replies) {
        this.endpoints = List.copyOf(endpoints);
        this.connector = connector;
        this.agentId = agentId;
        this.buffer = buffer;
        this.executor = executor;
        this.metrics = metrics;
        this.status = status;
        this.sender = sender;
        this.replies = replies;
        this.backoff = new Backoff(config.backoffInitial(), config.backoffMax());
    }

    /** Opens a connection to the current endpoint; its outcome schedules what follows. */
    void connect() {
        if (closed) {
            return;
        }
        HubEndpoint ep = currentEndpoint();
        status.link(LinkState.CONNECTING, ep.toString(), status.current().lastError());
        connector
                .connect(ep, new FrameListener() {
                    @Override
                    public void onFrame(HubConnection c, Frame frame) {
                        executor.execute(() -> onHubFrame(c, frame));
                    }

                    @Override
                    public void onClosed(HubConnection c, String reason) {
                        executor.execute(() -> onDisconnected(c, reason));
                    }
                })
                .whenComplete((conn, err) -> executor.execute(() -> onConnectResult(ep, conn, err)));
    }

    /** Closes the connection for good; no reconnect follows. */
    void close() {
        closed = true;
        if (connection != null) {
            connection.close();
            connection = null;
        }
        status.link(LinkState.DOWN, "", "closed");
    }

    private void onConnectResult(HubEndpoint ep, HubConnection conn, Throwable err) {
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        if (cause instanceof FencedException) {
            fenced(ep, cause.getMessage());
            return;
        }
        if (err != null) {
            String why = err instanceof HubClientException ? err.getMessage() : String.valueOf(err);
            metrics.reconnects.increment();
            endpointIndex++;
            long delay = backoff.nextDelayMillis();
            log.warn("Cannot reach hub {}: {}; trying {} in {} ms", ep, why, currentEndpoint(), delay);
            status.link(LinkState.DOWN, "", why);
            executor.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
            return;
        }
        if (closed) {
            conn.close();
            return;
        }
        if (!conn.isOpen()) {
            // Closed before this answer was handled, so its close came first and was ignored as not current. That
            // happens when the handshake completes before connect() returns (the future then runs our callback late,
            // on this thread) and the hub hangs up at once. Taking it as current would leave the link "up" on a dead
            // connection for good: no close is coming any more, and keepalive does not watch a closed channel.
            lost(conn, "closed by the hub right after the handshake");
            return;
        }
        if (!holdGrant(ep, conn)) {
            return;
        }
        connection = conn;
        backoff.reset();
        sender.connected(conn, conn.grantedEpoch());
        log.info(
                "Connected to hub {} ({} region {}) as agent {} epoch grant {}, opening epoch {}; resending from the"
                        + " acknowledged watermark",
                ep,
                conn.welcome().getHubId(),
                conn.welcome().getRegion(),
                agentId,
                Long.toHexString(conn.grantedEpoch()),
                Long.toHexString(buffer.epoch()));
        status.link(LinkState.UP, ep.toString(), status.current().lastError());
    }

    /**
     * Makes sure the buffer holds the connection's epoch grant before anything is sent under it: a first grant is
     * committed to the buffer (so a crash cannot forget a grant that records went out under). False, with the
     * connection closed and a reconnect scheduled, when the grant is missing or not the one the buffer holds.
     */
    private boolean holdGrant(HubEndpoint ep, HubConnection conn) {
        long grant = conn.grantedEpoch();
        long held = buffer.epochGrant();
        String problem = null;
        if (grant == 0 || (held != 0 && grant != held)) {
            problem = "hub " + ep + " answered epoch grant " + Long.toHexString(grant) + " to an agent holding "
                    + Long.toHexString(held) + " (is the hub older than this agent?)";
        } else if (held == 0) {
            try {
                buffer.recordEpochGrant(grant).get(30, TimeUnit.SECONDS);
                log.info("Agent {} holds epoch grant {} from hub {}", agentId, Long.toHexString(grant), ep);
            } catch (Exception e) {
                problem = "cannot store the epoch grant in the buffer: " + e;
            }
        }
        if (problem == null) {
            return true;
        }
        log.error(problem);
        conn.close();
        metrics.reconnects.increment();
        long delay = backoff.nextDelayMillis();
        status.link(LinkState.DOWN, "", problem);
        executor.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        return false;
    }

    /** The hub fenced this agent: stop for good, keep every record in the buffer, and say so loudly. */
    private void fenced(HubEndpoint ep, String why) {
        if (closed) {
            return;
        }
        closed = true;
        if (connection != null) {
            connection.close();
            connection = null;
        }
        sender.disconnected();
        log.error(
                "FENCED by hub {}: {}. Another edge agent uses the id '{}' and holds a newer epoch grant. This agent"
                        + " stops forwarding; the {} records it holds stay in its buffer. Give every agent its own"
                        + " --agent-id, then restart this one.",
                ep,
                why,
                agentId,
                buffer.storedRecords());
        status.link(LinkState.FENCED, "", "fenced: " + why);
    }

    private HubEndpoint currentEndpoint() {
        return endpoints.get(Math.floorMod(endpointIndex, endpoints.size()));
    }

    private void onDisconnected(HubConnection c, String reason) {
        if (c != connection) {
            return; // an attempt that failed or was never taken: its outcome schedules the next one
        }
        if (c.fenced()) {
            fenced(c.endpoint(), reason);
            return;
        }
        connection = null;
        lost(c, reason);
    }

    /** The connection {@code c} is gone: reconnect, from the preferred endpoint, after the backoff. */
    private void lost(HubConnection c, String reason) {
        metrics.reconnects.increment();
        int unacked = sender.disconnected();
        endpointIndex = 0; // back to the preferred hub
        long delay = backoff.nextDelayMillis();
        log.warn(
                "Lost hub {} ({}); {} batches unacknowledged will be resent; reconnecting in {} ms",
                c.endpoint(),
                reason,
                unacked,
                delay);
        status.link(LinkState.DOWN, "", reason);
        if (!closed) {
            executor.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        }
    }

    private void onHubFrame(HubConnection c, Frame frame) {
        if (c != connection) {
            return;
        }
        switch (frame.getBodyCase()) {
            case BATCH_ACK -> replies.onAck(frame.getBatchAck());
            case NACK -> replies.onNack(frame.getNack());
            case THROTTLE -> replies.onThrottle(frame.getThrottle());
            case PING ->
                c.send(Frame.newBuilder()
                        .setPong(Pong.newBuilder()
                                .setNonce(frame.getPing().getNonce())
                                .setSendTimeNanos(frame.getPing().getSendTimeNanos()))
                        .build());
            case ERROR -> {
                if (frame.getError().getCode() == ErrorCode.ERROR_CODE_FENCED) {
                    fenced(c.endpoint(), frame.getError().getMessage());
                } else {
                    log.warn(
                            "Hub {} error: {} {}",
                            c.endpoint(),
                            frame.getError().getCode(),
                            frame.getError().getMessage());
                }
            }
            default -> log.debug("Ignoring {} from the hub", frame.getBodyCase());
        }
    }
}
