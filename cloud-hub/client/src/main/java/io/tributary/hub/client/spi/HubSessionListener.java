package io.tributary.hub.client.spi;

import io.tributary.hub.client.core.FencedException;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.protocol.v1.BatchAck;
import io.tributary.protocol.v1.CheckpointAck;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.LeaseAssignment;
import io.tributary.protocol.v1.Nack;
import io.tributary.protocol.v1.ReadError;
import io.tributary.protocol.v1.ReadResult;
import io.tributary.protocol.v1.Throttle;
import io.tributary.protocol.v1.Welcome;
import org.slf4j.LoggerFactory;

/**
 * What the session reports to its owner. Called on the session thread only. The frame methods receive the hub's
 * frames of the current connection, routed by kind; their defaults ignore them.
 */
public interface HubSessionListener {
    /** An attempt to connect to {@code endpoint} begins. */
    default void connecting(HubEndpoint endpoint) {}

    /**
     * Connected to {@code endpoint}: the handshake is done and the epoch grant (if any) is held. Everything the
     * owner had sent without an answer is unanswered for good: resend it now.
     */
    void connected(HubEndpoint endpoint, Welcome welcome);

    /**
     * The current connection is gone ({@code reason} says why); a reconnect follows, from the preferred endpoint,
     * in {@code retryInMillis}.
     */
    default void lost(HubEndpoint endpoint, String reason, long retryInMillis) {}

    /**
     * The hub on {@code from} does not write the batch's shard: the stream's home is another region, or another hub
     * of the region writes the shard (the {@code NOT_HOME} nack, or a read error naming the writer, was just handed
     * to {@link #nack} or {@link #readError}): the session closed that connection and connects to {@code to}, from
     * now on its preferred endpoint, in {@code retryInMillis} (0 unless moves follow one another without an
     * acknowledged batch or a served read). {@code homeRegion} is the region the hub named (empty for a read error).
     * Called instead of {@link #lost}, and like it: everything sent without an answer is
     * unanswered for good; send it again after {@link #connected}. The default handles it as a loss.
     */
    default void redirected(HubEndpoint from, HubEndpoint to, String homeRegion, long retryInMillis) {
        String region = homeRegion.isEmpty() ? "" : " (region " + homeRegion + ")";
        lost(from, "not the hub that writes the stream's shard: moving to " + to + region, retryInMillis);
    }

    /** An attempt failed; the next one, to the next endpoint, follows in {@code retryInMillis}. */
    default void attemptFailed(HubEndpoint endpoint, String reason, long retryInMillis) {}

    /**
     * The hub fenced this instance (a newer one holds a newer grant). The session has stopped for good. Only
     * grant holders are fenced; the default handles it as a refusal.
     */
    default void fenced(HubEndpoint endpoint, FencedException e) {
        refused(endpoint, e);
    }

    /** The hub refused the connection and retrying cannot help. The session has stopped for good. */
    void refused(HubEndpoint endpoint, HubClientException e);

    /** A throttle pause is over and the session is connected: batches may go again. */
    default void resumed() {}

    default void batchAck(BatchAck ack) {}

    /**
     * The hub refused a batch. A {@code NACK_REASON_NOT_HOME} nack is followed at once by {@link #redirected} (unless
     * the session stopped meanwhile): send the batch again on the next connection, without a delay of its own.
     */
    default void nack(Nack nack) {}

    /** The hub throttled a batch; the session has paused sending already ({@link HubSession#isReady()}). */
    default void throttle(Throttle throttle) {}

    default void readResult(ReadResult result) {}

    default void readError(ReadError error) {}

    default void leaseAssignment(LeaseAssignment assignment) {}

    default void checkpointAck(CheckpointAck ack) {}

    /** Any other frame from the hub. */
    default void otherFrame(Frame frame) {
        LoggerFactory.getLogger(HubSession.class).debug("ignoring {} from the hub", frame.getBodyCase());
    }
}
