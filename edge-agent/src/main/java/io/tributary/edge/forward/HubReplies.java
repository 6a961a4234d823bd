package io.tributary.edge.forward;

import io.micrometer.core.instrument.Counter;
import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.protocol.log.Correlation;
import io.tributary.protocol.v1.BatchAck;
import io.tributary.protocol.v1.Nack;
import io.tributary.protocol.v1.NackReason;
import io.tributary.protocol.v1.Throttle;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's answers to batches. A {@code BatchAck} releases the lane in the buffer up to the end of its acknowledged
 * prefix, so buffer space is freed only below the hub's acknowledged watermark. A retriable {@code Nack} rewinds its
 * lane and retries after the lane's jittered backoff (so a {@code NOT_REPLICATED} batch, stored at home but not yet
 * confirmed by a replica, goes again on the same connection and is answered as a duplicate once replicated); a {@code
 * NOT_HOME} nack rewinds it with no delay, as the session moves to the home's hub at once ({@link HubLink#redirected});
 * a {@code Throttle} rewinds its lane (the session pauses all sending for the time asked). A non-retriable {@code Nack}
 * is never a reason to drop data: it is logged as an error, counted ({@code tributary.edge.forward.errors}), reported
 * in the status and retried every {@link ForwarderConfig#backoffMax()}, until an operator fixes the cause. A batch that
 * cannot even be written on an open connection (a frame over the frame size limit) is treated the same way, and also
 * counted in {@code tributary.edge.forward.write.failures{kind="refused"}}; see {@link BatchSender#writeFailed}.
 *
 * <p>Thread rules: forwarder thread only.
 */
final class HubReplies implements BatchSender.WriteFailures {
    private static final Logger log = LoggerFactory.getLogger(Forwarder.class);

    private final ForwarderConfig config;
    private final DurableBuffer buffer;
    private final ForwarderMetrics metrics;
    private final StatusBoard status;
    private final InFlightWindow window;
    private final BatchSender sender;
    private final Map<String, Counter> nackCounters = new HashMap<>();

    HubReplies(
            ForwarderConfig config,
            DurableBuffer buffer,
            ForwarderMetrics metrics,
            StatusBoard status,
            InFlightWindow window,
            BatchSender sender) {
        this.config = config;
        this.buffer = buffer;
        this.metrics = metrics;
        this.status = status;
        this.window = window;
        this.sender = sender;
    }

    void onAck(BatchAck ack) {
        OutboundBatch b = window.remove(ack.getBatchId());
        if (b == null) {
            return; // a batch abandoned by a rewind; it is (or was) resent under a new id
        }
        metrics.roundTrip.record(System.nanoTime() - b.sentNanos, TimeUnit.NANOSECONDS);
        if (log.isDebugEnabled()) {
            Correlation.addTo(log.atDebug(), Correlation.stored(sender.agentId(), b.frame.getBatch(), ack))
                    .log("batch {} acknowledged by the hub ({} records)", b.batchId, b.records);
        }
        LaneState lane = sender.lane(b.lane);
        LanePosition releaseTo = window.acknowledge(lane, b);
        if (releaseTo != null && releaseTo.isAfter(lane.acked)) {
            lane.acked = releaseTo;
            lane.backoff.reset();
            if (status.laneAccepted(lane.name)) {
                log.info("Hub accepts lane {} again", lane.name);
                status.problem("");
            }
            String name = lane.name;
            buffer.release(name, releaseTo).whenComplete((v, err) -> {
                if (err != null) {
                    // Not lost: the records are read and sent again; the hub de-duplicates them.
                    log.warn("Could not release lane {} up to {}: {}", name, releaseTo, err.getMessage());
                }
            });
        }
        sender.schedulePump(0);
    }

    void onNack(Nack nack) {
        OutboundBatch b = window.remove(nack.getBatchId());
        if (b == null) {
            return;
        }
        String reason = nack.getReason().name().replace("NACK_REASON_", "").toLowerCase(Locale.ROOT);
        nackCounters
                .computeIfAbsent(reason + "/" + nack.getRetriable(), k -> metrics.nacks(reason, nack.getRetriable()))
                .increment();
        LaneState lane = sender.lane(b.lane);
        long delay;
        if (nack.getReason() == NackReason.NACK_REASON_NOT_HOME) {
            delay = 0; // the session moves now; the lane's backoff is for a hub that refuses it
        } else if (nack.getRetriable()) {
            delay = lane.backoff.nextDelayMillis();
            if (log.isDebugEnabled()) {
                Correlation.addTo(log.atDebug(), Correlation.batch(sender.agentId(), b.frame.getBatch()))
                        .log(
                                "Hub refused batch {} of lane {} for now ({}); retrying in {} ms",
                                b.batchId,
                                b.lane,
                                reason,
                                delay);
            }
        } else {
            delay = refuseLane(
                    lane,
                    b,
                    "hub refused lane " + b.lane + " batch up to " + b.last + ": " + nack.getReason() + " "
                            + nack.getMessage());
        }
        retryLater(lane, delay);
    }

    /** A batch could not be written on a connection that stays open: refused for good, as a non-retriable Nack. */
    @Override
    public void refused(long batchId, Throwable cause) {
        OutboundBatch b = window.remove(batchId);
        if (b == null) {
            return; // abandoned by a rewind meanwhile: resent (and failing again, if it must) under a new id
        }
        metrics.writeFailedRefused.increment();
        LaneState lane = sender.lane(b.lane);
        retryLater(
                lane,
                refuseLane(
                        lane,
                        b,
                        "cannot send lane " + b.lane + " batch up to " + b.last + " (" + b.records + " records) to the"
                                + " hub: " + cause.getMessage()));
    }

    /** A batch's write failed because the connection is unusable; the sender closes it and everything is resent. */
    @Override
    public void transport(long batchId, Throwable cause) {
        metrics.writeFailedTransport.increment();
        log.warn(
                "Write of batch {} to the hub failed ({}); closing the connection to resend",
                batchId,
                cause.toString());
    }

    /** Counts, logs and reports a non-retriable refusal of the lane; returns the delay before its retry. */
    private long refuseLane(LaneState lane, OutboundBatch b, String why) {
        metrics.fatalRefusals.increment();
        long delay = config.backoffMax().toMillis();
        Correlation.addTo(log.atError(), Correlation.batch(sender.agentId(), b.frame.getBatch()))
                .log("{}; NOT dropping it: retrying every {} ms until the cause is fixed", why, delay);
        status.laneRefused(lane.name, why);
        return delay;
    }

    private void retryLater(LaneState lane, long delayMs) {
        sender.rewind(lane, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs));
        sender.schedulePump(TimeUnit.MILLISECONDS.toNanos(delayMs));
    }

    void onThrottle(Throttle t) {
        metrics.throttles.increment();
        OutboundBatch b = window.remove(t.getBatchId());
        // The session paused all sending until retry_after already; the lane goes again from its acknowledged position.
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(t.getRetryAfterMs());
        if (b != null) {
            sender.rewind(sender.lane(b.lane), until);
        }
        log.debug("Hub throttled batch {} ({}); pausing {} ms", t.getBatchId(), t.getReason(), t.getRetryAfterMs());
        sender.schedulePump(TimeUnit.MILLISECONDS.toNanos(t.getRetryAfterMs()));
    }
}
