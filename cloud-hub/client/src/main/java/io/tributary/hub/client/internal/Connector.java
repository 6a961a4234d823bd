package io.tributary.hub.client.internal;

import io.tributary.hub.client.core.HubEndpoint;
import java.util.concurrent.CompletableFuture;

/**
 * Opens one {@link HubConnection} for a {@link io.tributary.hub.client.spi.HubSession}: to {@code endpoint},
 * presenting {@code agentEpoch} (0: none) in its Hello; the future completes after the handshake. The session's
 * default connects with {@link HubConnection#connect}; tests substitute their own to stage races.
 *
 * <p>Internal: not part of the client's API.
 */
@FunctionalInterface
public interface Connector {
    CompletableFuture<HubConnection> connect(HubEndpoint endpoint, long agentEpoch, FrameListener listener);
}
