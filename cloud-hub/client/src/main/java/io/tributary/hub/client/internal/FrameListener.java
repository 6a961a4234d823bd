package io.tributary.hub.client.internal;

import io.tributary.protocol.v1.Frame;

/** Receives what a {@link HubConnection} reads. Called on the connection's event loop: do not block. Internal. */
public interface FrameListener {
    void onFrame(HubConnection connection, Frame frame);

    /** The connection closed; {@code reason} describes why (never null). */
    void onClosed(HubConnection connection, String reason);
}
