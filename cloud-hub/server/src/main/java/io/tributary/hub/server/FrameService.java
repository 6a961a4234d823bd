package io.tributary.hub.server;

import io.tributary.protocol.v1.Frame;

/**
 * Handles the frames of one kind of work (ingest, admin, consumer reads, replication) on an authenticated session.
 * The {@link SessionHandler} routes each frame body to the service registered for it.
 *
 * <p>Thread rules: {@link #onFrame} and {@link #onClosed} run on the session's event loop and must not block; hand
 * disk work to another executor and come back with {@link Session#execute}.
 */
public interface FrameService {
    void onFrame(Session session, Frame frame);

    /** The session closed; release what it held. */
    default void onClosed(Session session) {}
}
