package io.tributary.edge.mqtt;

import io.netty.channel.EventLoop;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Back-pressure from local subscribers to one publishing connection. A publish that leaves a subscriber's queue past
 * half of {@code mqtt.subscriber-queue} pauses this connection's reads ({@link ReadHolds.Reason#SUBSCRIBER}) until
 * that queue is down to a quarter, so a broker fed faster than a subscriber reads slows its publishers down through
 * TCP instead of reading, routing and dropping what cannot be delivered (as a single-threaded broker does by
 * construction).
 *
 * <p>Bounded: a pause lasts at most {@code mqtt.subscriber-wait}. A subscriber that has not made room by then is
 * marked stalled ({@link QueueRoom#markStalled()}): publishers stop waiting for it, and what does not fit its queue is
 * dropped and counted as before, until it catches up. Only publishes that stay on the gateway wait: telemetry
 * forwarded to the hub is handed to local subscribers after it is stored and never waits for them (though a
 * connection paused for a local publish is paused whole). A connection never waits for its own queue, and a persistent
 * session's stored messages are not counted in it ({@link QueueRoom#take}). Each pause ends
 * in {@code tributary_edge_mqtt_subscriber_waits_total{outcome="room"|"timeout"}}.
 *
 * <p>Threads: {@link #waitFor} on the publisher's event loop (where its publishes are routed); the subscriber wakes
 * it from its own loop through {@link QueueRoom#whenRoom}.
 */
final class SubscriberWait {

    private static final Logger log = LoggerFactory.getLogger(SubscriberWait.class);

    private final EventLoop loop;
    private final ReadHolds holds;
    private final ServerContext server;
    private final long maxNanos;
    private int generation; // of the current pause: a late wake or timeout of an earlier one is ignored
    private ScheduledFuture<?> timeout;

    SubscriberWait(EventLoop loop, ReadHolds holds, ServerContext server) {
        this.loop = loop;
        this.holds = holds;
        this.server = server;
        this.maxNanos = server.config().subscriberWait().toNanos();
    }

    /** Whether publishes of this connection wait for subscribers at all ({@code mqtt.subscriber-wait} above 0). */
    boolean enabled() {
        return maxNanos > 0;
    }

    /** The wait of one publishing connection; null when {@code mqtt.subscriber-wait} is 0 (publishers never wait). */
    static SubscriberWait forConnection(EventLoop loop, ReadHolds holds, ServerContext server) {
        SubscriberWait wait = new SubscriberWait(loop, holds, server);
        return wait.enabled() ? wait : null;
    }

    /**
     * {@code subscriber}'s queue is past half full after this connection's publish: pause reads until it has room
     * again. One pause at a time; a publish read before the pause took effect, or to another full queue meanwhile,
     * waits with it.
     */
    void waitFor(QueueRoom subscriber, String subscriberId) {
        if (holds.holds(ReadHolds.Reason.SUBSCRIBER)) {
            return;
        }
        if (!holds.hold(ReadHolds.Reason.SUBSCRIBER)) {
            return; // closed: its last packets are being passed on, nothing to pause
        }
        int pause = ++generation;
        timeout = loop.schedule(() -> timedOut(pause, subscriber, subscriberId), maxNanos, TimeUnit.NANOSECONDS);
        // always as a task: the wake may come from within this connection's own routing of a publish, and the release
        // passes deferred packets on, which must not nest inside it
        subscriber.whenRoom(() -> loop.execute(() -> room(pause)));
    }

    private void room(int pause) {
        if (pause != generation || !holds.holds(ReadHolds.Reason.SUBSCRIBER)) {
            return;
        }
        timeout.cancel(false);
        holds.release(ReadHolds.Reason.SUBSCRIBER);
        server.metrics().subscriberWait(false);
    }

    private void timedOut(int pause, QueueRoom subscriber, String subscriberId) {
        if (pause != generation || !holds.holds(ReadHolds.Reason.SUBSCRIBER)) {
            return;
        }
        server.metrics().subscriberWait(true);
        // marked before the release: the packets the release passes on must not start another wait for it
        boolean marked = subscriber.markStalled();
        holds.release(ReadHolds.Reason.SUBSCRIBER);
        if (marked) {
            server.clientLog()
                    .warn(
                            log,
                            ClientLog.SLOW_SUBSCRIBER,
                            "Subscriber {} made no room in its queue within mqtt.subscriber-wait ({} ms); publishers no"
                                    + " longer wait for it until it catches up, and what does not fit its queue is"
                                    + " dropped (tributary_edge_mqtt_deliveries_dropped_total{reason=\"queue_full\"})",
                            subscriberId,
                            TimeUnit.NANOSECONDS.toMillis(maxNanos));
        }
    }
}
