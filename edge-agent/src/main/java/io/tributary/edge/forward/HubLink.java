package io.tributary.edge.forward;

import io.micrometer.core.instrument.Counter;
import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.hub.client.core.FencedException;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.client.spi.EpochGrant;
import io.tributary.hub.client.spi.HubSession;
import io.tributary.hub.client.spi.HubSessionBuilder;
import io.tributary.hub.client.spi.HubSessionListener;
import io.tributary.protocol.v1.BatchAck;
import io.tributary.protocol.v1.Nack;
import io.tributary.protocol.v1.Throttle;
import io.tributary.protocol.v1.Welcome;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forwarder's side of its {@link HubSession}, the client library's link to the hub (endpoints in order of
 * preference, failover, return to the preferred hub after a loss, backoff, keepalive, throttle pauses, fencing; see
 * there), moving to the stream's home region's hub on a NOT_HOME nack (counted in {@code
 * tributary.edge.forward.redirects}). The link reports the session's state to the {@link StatusBoard} and the metrics,
 * hands connections and losses to the {@link BatchSender} (which resends from the acknowledged watermark) and the hub's
 * answers to {@link HubReplies}, and keeps the agent's epoch grant in the {@link DurableBuffer}: a first grant is
 * committed to the buffer before anything is sent under it, so a crash cannot forget a grant that records went out
 * under.
 *
 * <p>Never gives up on its own: refusals (bad credentials) are retried with backoff until an operator fixes them. Only
 * fencing stops it ({@link LinkState#FENCED}).
 *
 * <p>Thread rules: forwarder thread only; the session runs its callbacks there.
 */
final class HubLink implements HubSessionListener, EpochGrant {
    private static final Logger log = LoggerFactory.getLogger(Forwarder.class); // one log category per forwarder

    private final String agentId;
    private final DurableBuffer buffer;
    private final ForwarderMetrics metrics;
    private final StatusBoard status;
    private final BatchSender sender;
    private final HubReplies replies;
    private final HubSession session;

    HubLink(
            ForwarderConfig config,
            HubSessionBuilder session,
            String agentId,
            DurableBuffer buffer,
            ScheduledExecutorService executor,
            ForwarderMetrics metrics,
            StatusBoard status,
            BatchSender sender,
            HubReplies replies) {
        this.agentId = agentId;
        this.buffer = buffer;
        this.metrics = metrics;
        this.status = status;
        this.sender = sender;
        this.replies = replies;
        this.session = session.executor(executor)
                .backoff(config.backoffInitial(), config.backoffMax())
                .epochGrant(this)
                .retryRefusals()
                .build(this);
    }

    /** Starts connecting. */
    void connect() {
        session.start();
    }

    /** Closes the connection for good; no reconnect follows. */
    void close() {
        session.close();
        status.link(LinkState.DOWN, "", "closed");
    }

    @Override
    public long held() {
        return buffer.epochGrant();
    }

    @Override
    public void hold(long grant) {
        try {
            buffer.recordEpochGrant(grant).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot store the epoch grant in the buffer: " + e, e);
        }
        log.info("Agent {} holds epoch grant {}", agentId, Long.toHexString(grant));
    }

    @Override
    public void connecting(HubEndpoint endpoint) {
        status.link(LinkState.CONNECTING, endpoint.toString(), status.current().lastError());
    }

    @Override
    public void connected(HubEndpoint endpoint, Welcome welcome) {
        sender.connected(session, welcome.getGrantedEpoch());
        log.info(
                "Connected to hub {} ({} region {}) as agent {} epoch grant {}, opening epoch {}; resending from the"
                        + " acknowledged watermark",
                endpoint,
                welcome.getHubId(),
                welcome.getRegion(),
                agentId,
                Long.toHexString(welcome.getGrantedEpoch()),
                Long.toHexString(buffer.epoch()));
        // Connected: connection problems are over; a lane refusal is not (it stays until that lane is acknowledged).
        ForwarderStatus before = status.current();
        status.link(LinkState.UP, endpoint.toString(), before.lanesRefused().isEmpty() ? "" : before.lastError());
    }

    @Override
    public void lost(HubEndpoint endpoint, String reason, long retryInMillis) {
        int unacked = down(metrics.reconnects, reason);
        log.warn(
                "Lost hub {} ({}); {} batches unacknowledged will be resent; reconnecting in {} ms",
                endpoint,
                reason,
                unacked,
                retryInMillis);
    }

    /**
     * Not a loss: the session moves to the home region's hub, where every lane resends from what was acknowledged. The
     * session logs the move at INFO; this adds the agent's side at DEBUG, so a failover is one line at INFO.
     */
    @Override
    public void redirected(HubEndpoint from, HubEndpoint to, String homeRegion, long retryInMillis) {
        int unacked = down(metrics.redirects, status.current().lastError());
        log.debug(
                "Moving from hub {} to hub {} (region {}); resending {} batches there", from, to, homeRegion, unacked);
    }

    /** The connection is gone (counted in {@code counter}); returns how many batches were in flight on it. */
    private int down(Counter counter, String lastError) {
        counter.increment();
        status.link(LinkState.DOWN, "", lastError);
        return sender.disconnected();
    }

    @Override
    public void attemptFailed(HubEndpoint endpoint, String reason, long retryInMillis) {
        metrics.reconnects.increment();
        log.warn("Cannot use hub {}: {}; trying the next endpoint in {} ms", endpoint, reason, retryInMillis);
        status.link(LinkState.DOWN, "", reason);
    }

    /** The hub fenced this agent: stop for good, keep every record in the buffer, and say so loudly. */
    @Override
    public void fenced(HubEndpoint endpoint, FencedException e) {
        sender.disconnected();
        log.error(
                "FENCED by hub {}: {}. Another edge agent uses the id '{}' and holds a newer epoch grant. This agent"
                        + " stops forwarding; the {} records it holds stay in its buffer. Give every agent its own"
                        + " --agent-id, then restart this one.",
                endpoint,
                e.getMessage(),
                agentId,
                buffer.storedRecords());
        status.link(LinkState.FENCED, "", "fenced: " + e.getMessage());
    }

    /** Not expected: the session retries refusals ({@link HubSessionBuilder#retryRefusals()}). */
    @Override
    public void refused(HubEndpoint endpoint, HubClientException e) {
        sender.disconnected();
        log.error("Hub {} refused agent {} for good: {}", endpoint, agentId, e.getMessage());
        status.link(LinkState.DOWN, "", e.getMessage());
    }

    @Override
    public void resumed() {
        sender.schedulePump(0);
    }

    @Override
    public void batchAck(BatchAck ack) {
        replies.onAck(ack);
    }

    @Override
    public void nack(Nack nack) {
        replies.onNack(nack);
    }

    @Override
    public void throttle(Throttle throttle) {
        replies.onThrottle(throttle);
    }
}
