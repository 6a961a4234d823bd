package io.tributary.hub.client.spi;

import io.tributary.hub.client.core.FencedException;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.client.internal.HubConnection;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Nack;
import io.tributary.protocol.v1.NackReason;
import io.tributary.protocol.v1.Pong;
import io.tributary.protocol.v1.ReadError;
import io.tributary.protocol.v1.ReadErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link HubSession}'s handling of the current connection's frames, and its redirect-following: hands each frame to
 * the {@link HubSessionListener}, moves the session on the first redirect of a connection (a {@code Nack
 * NACK_REASON_NOT_HOME}, a {@code ReadError} or {@code LeaseAssignment} or {@code CheckpointAck} that names another
 * hub) and paces moves that follow one another without an acknowledged batch or a served read in between; answers the
 * hub's {@code Ping}s; a {@code ConnectionError ERROR_CODE_FENCED} fences the session.
 *
 * <p>Thread rules: every method must be called on the session's <em>session thread</em>, as every {@link
 * HubSessionListener} method is called on it.
 */
final class SessionFrames {
    private static final Logger log = LoggerFactory.getLogger(HubSession.class);

    private final HubSession session;
    private final String name;
    private final EndpointRotation endpoints;
    private final HubSessionListener listener;
    /** Paces moves that follow one another without an acknowledged batch in between (a redirect loop). */
    private final Backoff redirectBackoff;
    /** Moves since a batch was last acknowledged: the first is immediate, later ones back off. */
    private int movesInARow;
    /** The stream of the last batch sent, for the redirect's log line (an owner sends one stream). */
    private String stream = "";

    SessionFrames(
            HubSession session,
            String name,
            EndpointRotation endpoints,
            HubSessionListener listener,
            Backoff redirectBackoff) {
        this.session = session;
        this.name = name;
        this.endpoints = endpoints;
        this.listener = listener;
        this.redirectBackoff = redirectBackoff;
    }

    /** Notes the stream of a batch about to be sent, for the redirect's log line. */
    void sending(Frame frame) {
        if (frame.getBodyCase() == Frame.BodyCase.BATCH) {
            stream = frame.getBatch().getStream();
        }
    }

    /** A frame of the current connection {@code c}, which proved good already. */
    void onFrame(HubConnection c, Frame frame) {
        switch (frame.getBodyCase()) {
            case BATCH_ACK -> {
                movesInARow = 0; // this hub takes writes: the next redirect is news, not a loop
                redirectBackoff.reset();
                listener.batchAck(frame.getBatchAck());
            }
            case NACK -> {
                listener.nack(frame.getNack());
                Nack nack = frame.getNack();
                if (nack.getReason() == NackReason.NACK_REASON_NOT_HOME) {
                    moveTo(c, nack.getHomeEndpoint(), nack.getHomeRegion(), "stream " + stream + "'s batches");
                }
            }
            case THROTTLE -> {
                session.pause(frame.getThrottle().getRetryAfterMs());
                listener.throttle(frame.getThrottle());
            }
            case READ_RESULT -> {
                movesInARow = 0; // this hub serves reads: the next redirect is news, not a loop
                redirectBackoff.reset();
                listener.readResult(frame.getReadResult());
            }
            case READ_ERROR -> {
                ReadError error = frame.getReadError();
                listener.readError(error);
                if (error.getCode() == ReadErrorCode.READ_ERROR_CODE_SHARD_UNAVAILABLE
                        && !error.getWriterEndpoint().isEmpty()) {
                    moveTo(c, error.getWriterEndpoint(), "", "reads of stream " + stream);
                }
            }
            case LEASE_ASSIGNMENT -> {
                listener.leaseAssignment(frame.getLeaseAssignment());
                String coordinator = frame.getLeaseAssignment().getCoordinatorEndpoint();
                if (!coordinator.isEmpty()) {
                    moveTo(c, coordinator, "", "its consumer group's leases");
                } else {
                    movesInARow = 0; // this hub runs the group: the next redirect is news, not a loop
                    redirectBackoff.reset();
                }
            }
            case CHECKPOINT_ACK -> {
                listener.checkpointAck(frame.getCheckpointAck());
                String coordinator = frame.getCheckpointAck().getCoordinatorEndpoint();
                if (!coordinator.isEmpty()) {
                    moveTo(c, coordinator, "", "its consumer group's checkpoints");
                }
            }
            case PING ->
                c.send(Frame.newBuilder()
                        .setPong(Pong.newBuilder()
                                .setNonce(frame.getPing().getNonce())
                                .setSendTimeNanos(frame.getPing().getSendTimeNanos()))
                        .build());
            case PONG -> {}
            case ERROR -> {
                if (frame.getError().getCode() == ErrorCode.ERROR_CODE_FENCED) {
                    session.fence(
                            c.endpoint(), new FencedException(frame.getError().getMessage()));
                } else {
                    // The hub closes the connection after an error; its close is the loss.
                    log.warn(
                            "hub {} error to {}: {} {}",
                            c.endpoint(),
                            name,
                            frame.getError().getCode(),
                            frame.getError().getMessage());
                }
            }
            default -> listener.otherFrame(frame);
        }
    }

    /**
     * The hub on {@code c} does not write what {@code what} needs (the stream's home is another region, or another hub
     * writes the shard): closes {@code c} and connects to {@code endpoint} if it is one of the endpoints, else to the
     * next endpoint, which becomes the preferred one. Only the first redirect of a connection gets here: the
     * connection is no longer current after it, so the frames that follow are ignored.
     */
    private void moveTo(HubConnection c, String endpoint, String region, String what) {
        if (!session.isCurrent(c)) {
            return; // the owner closed the session, or the connection went, while handling the frame
        }
        boolean configured = endpoints.redirect(endpoint);
        long delay = movesInARow++ == 0 ? 0 : redirectBackoff.nextDelayMillis();
        HubEndpoint target = endpoints.current();
        String when =
                delay == 0 ? "" : " in " + delay + " ms (" + movesInARow + " moves without an acknowledged batch)";
        String inRegion = region.isEmpty() ? "" : " (region " + region + ")";
        if (configured) {
            log.info("hub {} sends {} to the hub at {}{}: moving{}", c.endpoint(), what, target, inRegion, when);
        } else {
            log.info(
                    "hub {} sends {} to the hub at '{}'{}, which is not a configured endpoint: moving to {}{}",
                    c.endpoint(),
                    what,
                    endpoint,
                    inRegion,
                    target,
                    when);
        }
        session.moved(c, target, region, delay);
    }
}
