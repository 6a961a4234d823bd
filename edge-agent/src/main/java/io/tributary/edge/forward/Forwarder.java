package io.tributary.edge.forward;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.edge.aggregate.AggregationLanes;
import io.tributary.edge.buffer.BufferedRecord;
import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.spi.HubSession;
import io.tributary.hub.client.spi.HubSessionBuilder;
import io.tributary.protocol.v1.PeerRole;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards the durable buffer to the hub: reads each lane, batches (records, bytes, linger), compresses, keeps a
 * window of unacknowledged batches on one connection and, on each {@code BatchAck}, releases the lane in the buffer up
 * to the end of its acknowledged prefix. Buffer space is therefore freed only below the hub's acknowledged watermark.
 *
 * <p>Delivery: at least once; the hub de-duplicates on record ids. Every new connection resends each lane from the
 * position last acknowledged (at least the buffer's released watermark). Refusals, throttling and retries:
 * {@link HubReplies}. Endpoints, failover and reconnects: the client library's {@link HubSession}, through {@link
 * HubLink}. Batching, fairness across lanes and the
 * in-flight window: {@link BatchSender} and {@link InFlightWindow}. Local lanes ({@link AggregationLanes#isLocal}: raw
 * records kept for the aggregator) are never sent.
 *
 * <p>Thread rules: all state is owned by one forwarder thread, which also reads the buffer and compresses (never a
 * Netty event loop); hub callbacks hop onto it. The collaborators above are confined to that thread. Public methods
 * may be called from any thread.
 */
public final class Forwarder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Forwarder.class);
    private static final long BACKLOG_LOG_AGE_MS = 5_000;

    private final DurableBuffer buffer;
    private final Clock clock;
    private final ForwarderMetrics metrics;
    private final ScheduledExecutorService executor;
    private final StatusBoard status;
    private final BatchSender sender;
    private final HubLink link;
    private final AtomicBoolean wakePending = new AtomicBoolean();

    public Forwarder(
            ForwarderConfig config,
            DurableBuffer buffer,
            ClientResources resources,
            ClientOptions client,
            String agentId,
            MeterRegistry registry,
            Clock clock) {
        this(
                config,
                buffer,
                HubSession.builder(resources, client, PeerRole.PEER_ROLE_AGENT, agentId),
                agentId,
                registry,
                clock);
    }

    /** With its own session settings (tests stage connection races with them). */
    Forwarder(
            ForwarderConfig config,
            DurableBuffer buffer,
            HubSessionBuilder session,
            String agentId,
            MeterRegistry registry,
            Clock clock) {
        this.buffer = buffer;
        this.clock = clock;
        this.metrics = new ForwarderMetrics(registry);
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tributary-forwarder");
            t.setDaemon(true);
            return t;
        });
        this.status = new StatusBoard(metrics);
        InFlightWindow window = new InFlightWindow(metrics);
        this.sender = new BatchSender(config, buffer, agentId, executor, window, metrics, clock);
        HubReplies replies = new HubReplies(config, buffer, metrics, status, window, sender);
        sender.writeFailures(replies);
        this.link = new HubLink(config, session, agentId, buffer, executor, metrics, status, sender, replies);
    }

    /** Test hook, set before {@link #start}: runs on the forwarder thread after each read of a lane that found records. */
    void afterRead(Consumer<String> hook) {
        sender.afterRead(hook);
    }

    /** Starts connecting and forwarding. */
    public void start() {
        executor.execute(link::connect);
        executor.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Asks for a pass over the lanes soon, e.g. after new records were stored. Cheap and coalescing (one pending
     * wake-up at most); any thread.
     */
    public void wakeUp() {
        if (wakePending.compareAndSet(false, true)) {
            try {
                executor.execute(() -> {
                    wakePending.set(false);
                    sender.schedulePump(0);
                });
            } catch (RejectedExecutionException e) {
                // Closed: the record is durable and is sent after the next start. Throwing here would fail the
                // publish's completion and report a stored record as failed.
            }
        }
    }

    /** Link state, endpoint and last problem, for the health endpoint. Any thread. */
    public ForwarderStatus status() {
        return status.current();
    }

    /** Once a second: the age gauge and "backlog drained" log lines. */
    private void tick() {
        try {
            long now = clock.millis();
            long oldest = Long.MAX_VALUE;
            for (String name : buffer.lanes()) {
                if (AggregationLanes.isLocal(name)) {
                    continue;
                }
                LaneState lane = sender.lane(name);
                LanePosition from = lane == null ? buffer.releasedPosition(name) : lane.acked;
                List<BufferedRecord> first = buffer.read(name, from, 1, Integer.MAX_VALUE);
                long age = first.isEmpty() ? 0 : now - first.get(0).record().getEdgeReceiveTimeMs();
                if (!first.isEmpty()) {
                    oldest = Math.min(oldest, first.get(0).record().getEdgeReceiveTimeMs());
                }
                if (lane == null) {
                    continue;
                }
                if (age > BACKLOG_LOG_AGE_MS) {
                    lane.hadBacklog = true;
                } else if (first.isEmpty() && lane.hadBacklog) {
                    lane.hadBacklog = false;
                    log.info("Lane {} backlog drained: everything up to {} acknowledged by the hub", name, lane.acked);
                }
            }
            metrics.oldestUnackedAgeMs.set(oldest == Long.MAX_VALUE ? 0 : Math.max(0, now - oldest));
            sender.schedulePump(0);
        } catch (RuntimeException e) {
            log.warn("Forwarder housekeeping failed", e);
        }
    }

    /** Stops forwarding and closes the connection; unacknowledged records stay in the buffer. */
    @Override
    public void close() {
        try {
            executor.submit(() -> {
                        sender.close();
                        link.close();
                    })
                    .get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("Forwarder did not stop cleanly: {}", e.toString());
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        metrics.close();
    }
}
