package io.tributary.hub.metrics;

import io.tributary.protocol.log.LogRateLimiter;
import java.util.Set;

/**
 * The categories of log lines a peer of the hub can cause (one per refused handshake, bad frame, broken connection or
 * refused batch), each rate-limited on its own ({@link LogRateLimiter}: at most {@value LogRateLimiter#DEFAULT_LINES}
 * a minute, the rest counted in {@code tributary_hub_log_suppressed_total{category}}), so that a client looping on a
 * wrong token or on malformed batches cannot flood the hub's log.
 */
public final class PeerLog {
    /** A connection refused with an Error frame: authentication failed, protocol violation. */
    public static final String REFUSED = "refused";
    /** A connection closed because its bytes were not a frame (malformed, too large). */
    public static final String FRAME = "frame";
    /** A connection that failed (an exception, an Error frame from the peer) or was lost. */
    public static final String CONNECTION = "connection";
    /** A connection closed for silence (idle-timeout). */
    public static final String IDLE = "idle";
    /** A batch refused for good (non-retriable Nack): malformed, unknown stream, bad request. */
    public static final String BATCH_REFUSED = "batch_refused";

    /** A batch sent to the hub that writes its shard (another hub of a shared store): one line per producer move. */
    public static final String REDIRECTED = "redirected";

    static final Set<String> CATEGORIES = Set.of(REFUSED, FRAME, CONNECTION, IDLE, BATCH_REFUSED, REDIRECTED);

    private PeerLog() {}
}
