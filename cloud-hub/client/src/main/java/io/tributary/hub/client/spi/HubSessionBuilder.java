package io.tributary.hub.client.spi;

import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.internal.Connector;
import io.tributary.hub.client.internal.HubConnection;
import io.tributary.protocol.v1.PeerRole;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLException;

/** Builds a {@link HubSession}; not thread-safe. */
public final class HubSessionBuilder {
    final ClientResources resources;
    final ClientOptions client;
    final PeerRole role;
    final String peerId;
    ScheduledExecutorService executor;
    Duration backoffInitial = Duration.ofMillis(100);
    Duration backoffMax = Duration.ofSeconds(10);
    EpochGrant grant;
    boolean retryRefusals;
    Connector connector;

    HubSessionBuilder(ClientResources resources, ClientOptions client, PeerRole role, String peerId) {
        this.resources = Objects.requireNonNull(resources, "resources");
        this.client = Objects.requireNonNull(client, "client");
        this.role = Objects.requireNonNull(role, "role");
        this.peerId = Objects.requireNonNull(peerId, "peerId");
    }

    /**
     * The session thread (see the class's thread rules). Default: one event loop of {@code resources}. With a
     * Netty {@link EventLoop} the connections use that loop too.
     */
    public HubSessionBuilder executor(ScheduledExecutorService value) {
        this.executor = value;
        return this;
    }

    /** Reconnect backoff; default 100 ms doubling up to 10 s, jittered. */
    public HubSessionBuilder backoff(Duration initial, Duration max) {
        this.backoffInitial = initial;
        this.backoffMax = max;
        return this;
    }

    /** For agents and producers: the grant presented in Hello and checked in Welcome (see the class comment). */
    public HubSessionBuilder epochGrant(EpochGrant value) {
        this.grant = value;
        return this;
    }

    /**
     * Keep trying after a non-retriable refusal (e.g. bad credentials) instead of stopping: for agents that must
     * never give up what they hold, where an operator may fix the hub's side. Fencing still stops the session.
     */
    public HubSessionBuilder retryRefusals() {
        this.retryRefusals = true;
        return this;
    }

    /** How connections are opened; tests stage races with it (see the test fixtures' hooks). */
    HubSessionBuilder connector(Connector value) {
        this.connector = value;
        return this;
    }

    public HubSession build(HubSessionListener listener) {
        return new HubSession(this, Objects.requireNonNull(listener, "listener"));
    }

    /**
     * How the session on {@code executor} opens its connections: the test hook's connector, or {@link HubConnection}
     * on that event loop (or one of {@code resources}) with a TLS context built here, once, on the thread that builds
     * the session — reading key and certificate files must not happen on the event loop that reconnects. When the
     * context cannot be built, each connect attempt builds it again and fails with the reason.
     */
    Connector connector(ScheduledExecutorService executor) {
        if (connector != null) {
            return connector;
        }
        EventLoop loop = executor instanceof EventLoop l ? l : resources.group().next();
        SslContext tls = tlsContext();
        return (ep, epoch, frames) ->
                HubConnection.connect(resources, loop, ep, client, role, peerId, epoch, frames, tls);
    }

    private SslContext tlsContext() {
        if (!client.tls()) {
            return null;
        }
        try {
            return HubConnection.sslContext(client);
        } catch (SSLException | RuntimeException e) {
            return null;
        }
    }
}
