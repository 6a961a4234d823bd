package io.tributary.hub.client.spi;

import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.FencedException;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.client.internal.Connector;
import io.tributary.hub.client.internal.FrameListener;
import io.tributary.hub.client.internal.HubConnection;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.PeerRole;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A reconnecting, failing-over link to the hub: the one link under {@link io.tributary.hub.client.Producer}, {@link
 * io.tributary.hub.client.ShardReader}, {@link io.tributary.hub.client.group.GroupConsumer} and the edge agent's
 * forwarder. The session owns the link; its owner keeps its own data (what is unacknowledged, what to resend).
 *
 * <ul>
 *   <li><b>Endpoints</b> ({@link ClientOptions#endpoints()}) are tried in order of preference. A failed attempt
 *       moves to the next endpoint (wrapping around); a connection that is lost restarts at the preferred one (the
 *       first, until a redirect), so the session returns to the preferred hub. Between attempts it waits a jittered
 *       exponential {@link Backoff}, reset by a good connection: one that delivered a frame after its Welcome (a
 *       connection lost right after its handshake keeps the backoff growing).
 *   <li><b>Redirects</b>: the first {@code Nack NACK_REASON_NOT_HOME} of a connection (the hub is not the stream's home
 *       region, or not the hub of its region that writes the batch's shard) — and likewise the first {@code ReadError
 *       READ_ERROR_CODE_SHARD_UNAVAILABLE} that names a {@code writer_endpoint} (another hub writes, and serves, the
 *       shard), and the first {@code LeaseAssignment} or {@code CheckpointAck} that names a {@code coordinator_endpoint}
 *       (another hub coordinates the consumer group) — is handed to {@link HubSessionListener#nack} (or {@code
 *       readError}, {@code leaseAssignment}, {@code checkpointAck}) and then moves the session: it
 *       closes the connection and connects to the endpoint equal to the nack's {@code home_endpoint} (the error's
 *       {@code writer_endpoint}), or to the next endpoint when that is not in the list (never to an address the user
 *       did not configure: TLS and credentials are configured for the list). That endpoint becomes the preferred one.
 *       The first move since a batch was acknowledged or a read served is immediate; further
 *       ones wait a backoff of their own, so two hubs that each name the other do not make the session spin. The owner
 *       hears {@link HubSessionListener#redirected} instead of {@code lost}.
 *   <li><b>One at a time</b>: at most one connection, and at most one connect attempt or reconnect timer pending.
 *       Each attempt schedules the next only from its own outcome: its failure, the loss or redirect of the connection
 *       it opened, or that connection found closed already when the attempt's answer is handled (then its close came
 *       first and was ignored as not current: the connection counts as lost, never as current). Frames and closes of a
 *       connection that is not the current one are ignored.
 *   <li><b>Liveness</b>: under the session each connection pings the hub when idle and closes itself after three
 *       {@link ClientOptions#keepAlive()} intervals without hearing anything (a half-open link); that is a loss like
 *       any other. The session answers the hub's {@code Ping}s.
 *   <li><b>Throttle</b>: a {@code Throttle} pauses sending: {@link #isReady()} is false until its {@code
 *       retry_after_ms} has passed, then {@link HubSessionListener#resumed()} is called. Owners send batches only when ready;
 *       control frames (credit, heartbeats, checkpoints) may go at any time.
 *   <li><b>Epoch grants</b> (agents and producers, {@link HubSessionBuilder#epochGrant}): every Hello presents the grant the
 *       owner holds ({@code agent_epoch}, 0 for none); the Welcome's {@code granted_epoch} must be non-zero and, when
 *       one is held, the same. A first grant is handed to {@link EpochGrant#hold} before the connection counts as
 *       connected, so the owner can make it durable before anything is sent under it. A missing or different grant is
 *       a failed attempt.
 *   <li><b>Fencing</b>: a {@code ConnectionError ERROR_CODE_FENCED}, at the handshake or on a live connection, stops
 *       the session for good and calls {@link HubSessionListener#fenced}. A non-retriable refusal (bad credentials) stops it and
 *       calls {@link HubSessionListener#refused}, unless {@link HubSessionBuilder#retryRefusals()} asked to keep trying.
 * </ul>
 *
 * <p>Thread rules: a session lives on one executor, its <em>session thread</em> ({@link HubSessionBuilder#executor}: a Netty
 * event loop, or e.g. an agent's single-threaded scheduler). Every {@link HubSessionListener} method is called on it, and every
 * method of the session except {@link #start()} and {@link #close()} must be called on it. When the executor is a
 * Netty event loop the connections live on that same loop and callbacks run without a hand-off; otherwise Netty's
 * callbacks hop onto the executor in the order they happened. Listener methods must not block for long: they hold up
 * every other callback of the session.
 *
 * <p>Stability: this is the service-provider interface for agents that send their own pre-encoded batches (the edge
 * agent's forwarder). It changes only together with the agents that use it; applications use the public clients.
 */
public final class HubSession implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HubSession.class);

    private final String name;
    private final EndpointRotation endpoints;
    private final ScheduledExecutorService executor;
    private final SessionThread sessionThread;
    private final Connector connector;
    private final EpochGrant grant;
    private final boolean retryRefusals;
    private final HubSessionListener listener;
    private final Backoff backoff;
    private final SessionFrames frames;
    private final ThrottlePause throttle;

    // Session-thread state (volatile where close() reads or writes it from another thread).
    private volatile HubConnection connection;
    private long generation;
    private boolean pending;
    private boolean started;
    private volatile boolean stopped;
    /**
     * Whether the current connection proved good: a frame arrived after its Welcome. Only then does its loss start
     * the backoff again; a link that dies right after every handshake would otherwise be retried at the initial delay
     * forever (a reconnect storm on a flapping uplink).
     */
    private boolean provedGood;

    HubSession(HubSessionBuilder b, HubSessionListener listener) {
        this.name = b.peerId;
        this.endpoints = new EndpointRotation(b.client.endpoints());
        this.executor = b.executor != null ? b.executor : b.resources.group().next();
        this.sessionThread = new SessionThread(executor);
        this.grant = b.grant;
        this.retryRefusals = b.retryRefusals;
        this.listener = listener;
        this.backoff = new Backoff(b.backoffInitial, b.backoffMax);
        this.frames = new SessionFrames(this, name, endpoints, listener, new Backoff(b.backoffInitial, b.backoffMax));
        this.throttle = new ThrottlePause(executor, () -> {
            if (!stopped && isReady()) {
                listener.resumed();
            }
        });
        this.connector = b.connector(executor);
    }

    /** A session for {@code peerId} (agent, producer or member id) in {@code role}; build, then {@link #start()}. */
    public static HubSessionBuilder builder(
            ClientResources resources, ClientOptions client, PeerRole role, String peerId) {
        return new HubSessionBuilder(resources, client, role, peerId);
    }

    /** Starts connecting (once; later calls do nothing). Any thread. */
    public void start() {
        sessionThread.run(() -> {
            if (!started) {
                started = true;
                connect();
            }
        });
    }

    /** Whether a connection is up (handshake done and the socket open). */
    public boolean isConnected() {
        return connection != null && connection.isOpen();
    }

    /** Connected, and not paused by a throttle: batches may be sent. */
    public boolean isReady() {
        return isConnected() && pausedNanos() == 0;
    }

    /** How much longer a throttle pause lasts, in nanoseconds; 0 when not paused. */
    public long pausedNanos() {
        return throttle.pausedNanos();
    }

    /** Whether the socket takes more without queueing in memory (false when not connected). */
    public boolean isWritable() {
        return isConnected() && connection.isWritable();
    }

    /** Whether the session stopped for good: closed, fenced or refused. */
    public boolean isStopped() {
        return stopped;
    }

    /**
     * Counts connections: changes with each new one. An owner that remembers it with a send can tell later whether an
     * outcome belongs to the connection that is current now.
     */
    public long generation() {
        return generation;
    }

    /** The endpoint of the current connection, or null. */
    public HubEndpoint endpoint() {
        return connection == null ? null : connection.endpoint();
    }

    /**
     * Writes and flushes a frame on the current connection; the future fails with a retriable {@link
     * HubClientException} when there is none or the write fails.
     */
    public CompletableFuture<Void> send(Frame frame) {
        if (connection == null) {
            return CompletableFuture.failedFuture(new HubClientException("not connected to the hub", true));
        }
        frames.sending(frame);
        return connection.send(frame);
    }

    /**
     * Sends nothing (by {@link #isReady()}) for {@code millis}, e.g. after a retriable refusal; a longer pause already
     * in place stays. {@link HubSessionListener#resumed()} follows.
     */
    public void pause(long millis) {
        throttle.pause(millis);
    }

    /**
     * Closes the current connection as unusable (e.g. a write failed with an I/O error); it counts as lost, and the
     * session reconnects as after any loss.
     */
    public void disconnect() {
        if (connection != null) {
            connection.close();
        }
    }

    /**
     * Stops for good: closes the connection; nothing reconnects. Any thread; the connection starts closing before this
     * returns, even if the session's executor is shutting down.
     */
    @Override
    public void close() {
        stopped = true;
        HubConnection c = connection;
        if (c != null) {
            c.close();
        }
        sessionThread.run(this::stop);
    }

    private void connect() {
        if (stopped || pending || connection != null) {
            return;
        }
        pending = true;
        HubEndpoint ep = endpoints.current();
        listener.connecting(ep);
        CompletableFuture<HubConnection> attempt;
        try {
            attempt = connector.connect(ep, grant == null ? 0 : grant.held(), new FrameListener() {
                @Override
                public void onFrame(HubConnection c, Frame frame) {
                    unlessStopped(() -> onHubFrame(c, frame));
                }

                @Override
                public void onClosed(HubConnection c, String reason) {
                    unlessStopped(() -> onClosedConnection(c, reason));
                }
            });
        } catch (RuntimeException e) {
            attempt = CompletableFuture.failedFuture(e);
        }
        attempt.whenComplete((c, err) -> sessionThread.run(() -> onConnectResult(ep, c, err)));
    }

    private void onConnectResult(HubEndpoint ep, HubConnection c, Throwable err) {
        pending = false;
        if (err != null) {
            Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            if (stopped) {
                return;
            }
            if (cause instanceof FencedException f) {
                fence(ep, f);
            } else if (cause instanceof HubClientException h && !h.retriable() && !retryRefusals) {
                log.error("hub {} refused {}: {}", ep, name, h.getMessage());
                stop();
                listener.refused(ep, h);
            } else {
                attemptFailed(ep, cause instanceof HubClientException ? cause.getMessage() : String.valueOf(cause));
            }
            return;
        }
        if (stopped) {
            c.close();
            return;
        }
        if (!c.isOpen()) {
            // Closed before this answer was handled, so its close came first and was ignored as not current. That
            // happens when the handshake completes before the attempt's callback is attached (the future then runs it
            // late, on the caller's thread) and the hub hangs up at once. Taking it as current would leave the session
            // "connected" on a dead connection for good: no close is coming any more, and keepalive does not watch a
            // closed channel. Its frames were ignored too: a fencing among them still counts.
            if (c.fenced()) {
                fence(ep, new FencedException("hub " + ep + " fenced " + name + " right after the handshake"));
            } else {
                lost(c, "closed by the hub right after the handshake");
            }
            return;
        }
        String problem = GrantCheck.holdGrant(grant, c, name);
        if (problem != null) {
            log.error(problem);
            c.close();
            attemptFailed(ep, problem);
            return;
        }
        connection = c;
        generation++;
        provedGood = false;
        listener.connected(ep, c.welcome());
    }

    private void attemptFailed(HubEndpoint ep, String reason) {
        endpoints.attemptFailed();
        long delay = backoff.nextDelayMillis();
        log.debug("{}: cannot use hub {}: {}; next attempt in {} ms", name, ep, reason, delay);
        listener.attemptFailed(ep, reason, delay);
        reconnectIn(delay);
    }

    private void onClosedConnection(HubConnection c, String reason) {
        if (c != connection) {
            return; // an attempt that failed or was never taken: its outcome schedules the next one
        }
        connection = null;
        if (c.fenced()) {
            fence(c.endpoint(), new FencedException("hub " + c.endpoint() + " fenced " + name + ": " + reason));
            return;
        }
        lost(c, reason);
    }

    /** The connection {@code c} is gone: reconnect, from the preferred endpoint, after the backoff. */
    private void lost(HubConnection c, String reason) {
        if (stopped) {
            return;
        }
        endpoints.lost();
        long delay = backoff.nextDelayMillis();
        listener.lost(c.endpoint(), reason, delay);
        reconnectIn(delay);
    }

    private void reconnectIn(long delayMillis) {
        if (stopped) {
            return;
        }
        pending = true;
        executor.schedule(
                () -> {
                    pending = false;
                    connect();
                },
                delayMillis,
                TimeUnit.MILLISECONDS);
    }

    private void onHubFrame(HubConnection c, Frame frame) {
        if (c != connection || stopped) {
            return;
        }
        if (!provedGood) {
            provedGood = true;
            backoff.reset();
        }
        frames.onFrame(c, frame);
    }

    /** Whether {@code c} is the current connection of a session not stopped. */
    boolean isCurrent(HubConnection c) {
        return !stopped && c == connection;
    }

    /** {@link SessionFrames} moved the session off {@code c}, to {@code target} after {@code delay} ms. */
    void moved(HubConnection c, HubEndpoint target, String region, long delay) {
        connection = null; // its close, when it comes, is not current: this move schedules the next attempt
        c.close();
        listener.redirected(c.endpoint(), target, region, delay);
        reconnectIn(delay);
    }

    void fence(HubEndpoint ep, FencedException e) {
        if (stopped) {
            return;
        }
        stop();
        listener.fenced(ep, e);
    }

    private void stop() {
        stopped = true;
        throttle.cancel();
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }

    /**
     * A connection's frame or close, for the session thread — dropped once the session stopped (the session thread
     * would ignore it), so that an owner may shut its executor down right after {@link #close()}: handing it a task then
     * would take the dying pool's lock on the connection's event loop.
     */
    private void unlessStopped(Runnable task) {
        if (!stopped) {
            sessionThread.run(task);
        }
    }

    @Override
    public String toString() {
        return "HubSession[" + name + "]";
    }
}
