package io.tributary.edge.forward;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.edge.aggregate.AggregationLanes;
import io.tributary.edge.buffer.BufferedRecord;
import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.hub.client.Backoff;
import io.tributary.hub.client.ClientOptions;
import io.tributary.hub.client.ClientResources;
import io.tributary.hub.client.FrameListener;
import io.tributary.hub.client.HubClientException;
import io.tributary.hub.client.HubConnection;
import io.tributary.hub.client.HubEndpoint;
import io.tributary.protocol.v1.BatchAck;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Nack;
import io.tributary.protocol.v1.PeerRole;
import io.tributary.protocol.v1.Pong;
import io.tributary.protocol.v1.Throttle;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards the durable buffer to the hub: reads each lane, batches (records, bytes, linger), compresses, keeps a
 * window of unacknowledged batches on one connection and, on each {@code BatchAck}, releases the lane in the buffer up
 * to the end of its acknowledged prefix. Buffer space is therefore freed only below the hub's acknowledged watermark.
 *
 * <p>Delivery: at least once; the hub de-duplicates on record ids. Every new connection resends each lane from the
 * position last acknowledged (at least the buffer's released watermark). A retriable {@code Nack} rewinds its lane
 * to that position and retries after the lane's jittered backoff; a {@code Throttle} rewinds its lane and pauses all
 * sending for the time asked. A non-retriable {@code Nack} is never a reason to drop data: it is logged as an error,
 * counted ({@code tributary.edge.forward.errors}), reported by {@link #status()} and retried with backoff up to
 * {@link ForwarderConfig#backoffMax()}, until an operator fixes the cause.
 *
 * <p>Endpoints: tried in order of preference. A failed attempt moves to the next one (wrapping around) after a
 * jittered exponential backoff; a connection that drops restarts at the first, so the agent returns to its
 * preferred hub.
 *
 * <p>Fairness: lanes (device groups) are served round-robin, one batch per lane per turn, each with at most
 * {@link ForwarderConfig#maxInFlightPerLane()} batches in flight. A group with a large backlog after an outage thus
 * drains at full speed while a live group still gets every other turn. Within one lane, records go strictly in
 * buffer order (per-device order), so live records of a lane wait behind that lane's own backlog. A batch the hub
 * cannot order by sequence after the lane's earlier ones (the first of a newer epoch, a new producer to the hub, or one
 * after a local gap) waits until the lane has nothing in flight.
 * Local lanes ({@link AggregationLanes#isLocal}: raw records kept for the aggregator) are never sent.
 *
 * <p>Thread rules: all state is owned by one forwarder thread, which also reads the buffer and compresses (never a
 * Netty event loop). Hub callbacks hop onto it. Public methods may be called from any thread.
 */
public final class Forwarder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Forwarder.class);
    private static final long BACKLOG_LOG_AGE_MS = 5_000;

    private final ForwarderConfig config;
    private final DurableBuffer buffer;
    private final ClientResources resources;
    private final ClientOptions client;
    private final String agentId;
    private final Clock clock;
    private final ForwarderMetrics metrics;
    private final ScheduledExecutorService executor;
    private final Backoff connectBackoff;
    private final java.util.concurrent.atomic.AtomicBoolean wakePending =
            new java.util.concurrent.atomic.AtomicBoolean();

    // Forwarder-thread state.
    private final Map<String, LaneState> lanes = new HashMap<>();
    private final Map<Long, OutboundBatch> inFlight = new HashMap<>();
    private final Map<String, io.micrometer.core.instrument.Counter> nackCounters = new HashMap<>();
    private final java.util.Set<String> lanesInError = new java.util.HashSet<>();
    private HubConnection connection;
    private int endpointIndex;
    private long nextBatchId = 1;
    private long pausedUntilNanos;
    private int roundRobin;
    private boolean pumpScheduled;
    private long pumpAtNanos = Long.MAX_VALUE;
    private boolean closed;
    private volatile ForwarderStatus status;

    public Forwarder(
            ForwarderConfig config,
            DurableBuffer buffer,
            ClientResources resources,
            ClientOptions client,
            String agentId,
            MeterRegistry registry,
            Clock clock) {
        this.config = config;
        this.buffer = buffer;
        this.resources = resources;
        this.client = client;
        this.agentId = agentId;
        this.clock = clock;
        this.metrics = new ForwarderMetrics(registry);
        this.connectBackoff = new Backoff(config.backoffInitial(), config.backoffMax());
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tributary-forwarder");
            t.setDaemon(true);
            return t;
        });
        this.status = new ForwarderStatus(LinkState.DOWN, "", "not started", List.of());
    }

    /** Starts connecting and forwarding. */
    public void start() {
        executor.execute(this::connect);
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
                    schedulePump(0);
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // Closed: the record is durable and is sent after the next start. Throwing here would fail the
                // publish's completion and report a stored record as failed.
            }
        }
    }

    /** Link state, endpoint and last problem, for the health endpoint. Any thread. */
    public ForwarderStatus status() {
        return status;
    }

    // ---- connection ----

    private void connect() {
        if (closed) {
            return;
        }
        List<HubEndpoint> endpoints = client.endpoints();
        HubEndpoint ep = endpoints.get(Math.floorMod(endpointIndex, endpoints.size()));
        setStatus(LinkState.CONNECTING, ep.toString(), status.lastError());
        HubConnection.connect(
                        resources, ep, client, PeerRole.PEER_ROLE_AGENT, agentId, buffer.epoch(), new FrameListener() {
                            @Override
                            public void onFrame(HubConnection c, Frame frame) {
                                executor.execute(() -> onHubFrame(c, frame));
                            }

                            @Override
                            public void onClosed(HubConnection c, String reason) {
                                executor.execute(() -> onDisconnected(c, reason));
                            }
                        })
                .whenComplete((conn, err) -> executor.execute(() -> onConnectResult(ep, conn, err)));
    }

    private void onConnectResult(HubEndpoint ep, HubConnection conn, Throwable err) {
        if (err != null) {
            String why = err instanceof HubClientException ? err.getMessage() : String.valueOf(err);
            metrics.reconnects.increment();
            endpointIndex++;
            long delay = connectBackoff.nextDelayMillis();
            log.warn("Cannot reach hub {}: {}; trying {} in {} ms", ep, why, nextEndpoint(), delay);
            setStatus(LinkState.DOWN, "", why);
            executor.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
            return;
        }
        if (closed) {
            conn.close();
            return;
        }
        connection = conn;
        connectBackoff.reset();
        inFlight.clear();
        metrics.inFlight.set(0);
        for (LaneState lane : lanes.values()) {
            lane.resetTo(lane.acked.max(buffer.releasedPosition(lane.name)));
        }
        log.info(
                "Connected to hub {} ({} region {}) as agent {} epoch {}; resending from the acknowledged watermark",
                ep,
                conn.welcome().getHubId(),
                conn.welcome().getRegion(),
                agentId,
                buffer.epoch());
        setStatus(LinkState.UP, ep.toString(), status.lastError());
        schedulePump(0);
    }

    private HubEndpoint nextEndpoint() {
        return client.endpoints()
                .get(Math.floorMod(endpointIndex, client.endpoints().size()));
    }

    private void onDisconnected(HubConnection c, String reason) {
        if (c != connection) {
            return;
        }
        connection = null;
        metrics.reconnects.increment();
        int unacked = inFlight.size();
        inFlight.clear();
        metrics.inFlight.set(0);
        endpointIndex = 0; // back to the preferred hub
        long delay = connectBackoff.nextDelayMillis();
        log.warn(
                "Lost hub {} ({}); {} batches unacknowledged will be resent; reconnecting in {} ms",
                c.endpoint(),
                reason,
                unacked,
                delay);
        setStatus(LinkState.DOWN, "", reason);
        if (!closed) {
            executor.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        }
    }

    // ---- sending ----

    private void schedulePump(long delayNanos) {
        long at = System.nanoTime() + delayNanos;
        if (pumpScheduled && pumpAtNanos <= at) {
            return;
        }
        pumpScheduled = true;
        pumpAtNanos = at;
        executor.schedule(
                () -> {
                    if (pumpAtNanos == at) {
                        pumpScheduled = false;
                        pumpAtNanos = Long.MAX_VALUE;
                    }
                    pump();
                },
                delayNanos,
                TimeUnit.NANOSECONDS);
    }

    /** Sends batches round-robin across lanes while the window has room. */
    private void pump() {
        if (closed || connection == null || !connection.isOpen()) {
            return;
        }
        long now = System.nanoTime();
        if (now < pausedUntilNanos) {
            schedulePump(pausedUntilNanos - now);
            return;
        }
        for (String name : buffer.lanes()) {
            if (AggregationLanes.isLocal(name)) {
                continue; // raw records kept for aggregation; their aggregates come in another lane
            }
            lanes.computeIfAbsent(name, n -> new LaneState(n, buffer.releasedPosition(n), config));
        }
        List<LaneState> order = new ArrayList<>(lanes.values());
        order.sort((a, b) -> a.name.compareTo(b.name));
        if (order.isEmpty()) {
            return;
        }
        roundRobin = Math.floorMod(roundRobin + 1, order.size());
        boolean progress = true;
        while (progress && inFlight.size() < config.maxInFlightBatches() && connection.isWritable()) {
            progress = false;
            for (int i = 0; i < order.size() && inFlight.size() < config.maxInFlightBatches(); i++) {
                LaneState lane = order.get((roundRobin + i) % order.size());
                if (lane.inFlight.size() < config.maxInFlightPerLane() && sendNext(lane, now)) {
                    progress = true;
                }
            }
        }
        if (!connection.isWritable()) {
            schedulePump(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /** Reads the lane after its cursor and sends one batch; false when nothing was sent. */
    private boolean sendNext(LaneState lane, long now) {
        if (now < lane.retryAtNanos) {
            schedulePump(lane.retryAtNanos - now);
            return false;
        }
        List<BufferedRecord> read =
                buffer.read(lane.name, lane.cursor, config.maxBatchRecords(), config.maxBatchBytes());
        if (read.isEmpty()) {
            lane.partialSinceNanos = 0;
            return false;
        }
        BatchAssembler.Run run = BatchAssembler.leadingRun(read, config.partitionByDevice());
        if (!run.cut() && !isFull(read) && !config.linger().isZero()) {
            if (lane.partialSinceNanos == 0) {
                lane.partialSinceNanos = now;
            }
            long waited = now - lane.partialSinceNanos;
            if (waited < config.linger().toNanos()) {
                schedulePump(config.linger().toNanos() - waited);
                return false;
            }
        }
        boolean gap = BatchAssembler.followsGap(lane.cursor, run);
        if ((gap || BatchAssembler.startsEpoch(lane.cursor, run)) && !lane.inFlight.isEmpty()) {
            // The hub orders a lane's batches by their gap-free sequence; it cannot order this one (a new epoch is
            // a new producer, a declared gap skips the check) after those still in flight, one of which may yet be
            // refused, resent or appended late (overlap path). Send it once they are acknowledged.
            return false;
        }
        lane.partialSinceNanos = 0;
        long id = nextBatchId++;
        Frame frame = Frame.newBuilder()
                .setBatch(BatchAssembler.encode(run, config.stream(), config.codec())
                        .setBatchId(id)
                        .setGapBefore(gap))
                .build();
        LanePosition last =
                LanePosition.of(run.records().get(run.records().size() - 1).getId());
        OutboundBatch b = new OutboundBatch(id, lane.name, last, run.records().size(), frame, System.nanoTime());
        lane.inFlight.addLast(b);
        lane.cursor = last;
        inFlight.put(id, b);
        metrics.inFlight.set(inFlight.size());
        connection.send(frame);
        return true;
    }

    private boolean isFull(List<BufferedRecord> read) {
        if (read.size() >= config.maxBatchRecords()) {
            return true;
        }
        long bytes = 0;
        int largest = 0;
        for (BufferedRecord r : read) {
            bytes += r.serializedSize();
            largest = Math.max(largest, r.serializedSize());
        }
        return bytes + largest > config.maxBatchBytes();
    }

    // ---- hub answers ----

    private void onHubFrame(HubConnection c, Frame frame) {
        if (c != connection) {
            return;
        }
        switch (frame.getBodyCase()) {
            case BATCH_ACK -> onAck(frame.getBatchAck());
            case NACK -> onNack(frame.getNack());
            case THROTTLE -> onThrottle(frame.getThrottle());
            case PING ->
                c.send(Frame.newBuilder()
                        .setPong(Pong.newBuilder()
                                .setNonce(frame.getPing().getNonce())
                                .setSendTimeNanos(frame.getPing().getSendTimeNanos()))
                        .build());
            case ERROR ->
                log.warn(
                        "Hub {} error: {} {}",
                        c.endpoint(),
                        frame.getError().getCode(),
                        frame.getError().getMessage());
            default -> log.debug("Ignoring {} from the hub", frame.getBodyCase());
        }
    }

    private void onAck(BatchAck ack) {
        OutboundBatch b = inFlight.remove(ack.getBatchId());
        if (b == null) {
            return; // a batch abandoned by a rewind; it is (or was) resent under a new id
        }
        metrics.inFlight.set(inFlight.size());
        metrics.roundTrip.record(System.nanoTime() - b.sentNanos, TimeUnit.NANOSECONDS);
        b.acked = true;
        LaneState lane = lanes.get(b.lane);
        LanePosition releaseTo = null;
        // Release only the acknowledged prefix: a later batch's ack does not cover an earlier unacknowledged one.
        while (!lane.inFlight.isEmpty() && lane.inFlight.peekFirst().acked) {
            OutboundBatch done = lane.inFlight.pollFirst();
            metrics.records.increment(done.records);
            metrics.batches.increment();
            releaseTo = done.last;
        }
        if (releaseTo != null && releaseTo.isAfter(lane.acked)) {
            lane.acked = releaseTo;
            lane.backoff.reset();
            if (lanesInError.remove(lane.name) && lanesInError.isEmpty()) {
                log.info("Hub accepts lane {} again", lane.name);
                setStatus(status.state(), status.endpoint(), "");
            }
            String name = lane.name;
            LanePosition pos = releaseTo;
            buffer.release(name, pos).whenComplete((v, err) -> {
                if (err != null) {
                    // Not lost: the records are read and sent again; the hub de-duplicates them.
                    log.warn("Could not release lane {} up to {}: {}", name, pos, err.getMessage());
                }
            });
        }
        schedulePump(0);
    }

    private void onNack(Nack nack) {
        OutboundBatch b = inFlight.remove(nack.getBatchId());
        if (b == null) {
            return;
        }
        String reason = nack.getReason().name().replace("NACK_REASON_", "").toLowerCase(java.util.Locale.ROOT);
        nackCounters
                .computeIfAbsent(reason + "/" + nack.getRetriable(), k -> metrics.nacks(reason, nack.getRetriable()))
                .increment();
        LaneState lane = lanes.get(b.lane);
        long delay;
        if (nack.getRetriable()) {
            delay = lane.backoff.nextDelayMillis();
            log.debug(
                    "Hub refused batch {} of lane {} for now ({}); retrying in {} ms",
                    b.batchId,
                    b.lane,
                    reason,
                    delay);
        } else {
            metrics.fatalRefusals.increment();
            lanesInError.add(lane.name);
            delay = config.backoffMax().toMillis();
            String why = "hub refused lane " + b.lane + " batch up to " + b.last + ": " + nack.getReason() + " "
                    + nack.getMessage();
            log.error("{}; NOT dropping it: retrying every {} ms until the cause is fixed", why, delay);
            setStatus(status.state(), status.endpoint(), why);
        }
        rewind(lane, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay));
        schedulePump(TimeUnit.MILLISECONDS.toNanos(delay));
    }

    private void onThrottle(Throttle t) {
        metrics.throttles.increment();
        OutboundBatch b = inFlight.remove(t.getBatchId());
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(t.getRetryAfterMs());
        pausedUntilNanos = Math.max(pausedUntilNanos, until);
        if (b != null) {
            rewind(lanes.get(b.lane), until);
        }
        log.debug("Hub throttled batch {} ({}); pausing {} ms", t.getBatchId(), t.getReason(), t.getRetryAfterMs());
        schedulePump(TimeUnit.MILLISECONDS.toNanos(t.getRetryAfterMs()));
    }

    /** Abandons the lane's batches in flight and resends from its acknowledged position, not before {@code at}. */
    private void rewind(LaneState lane, long atNanos) {
        for (OutboundBatch ob : lane.inFlight) {
            inFlight.remove(ob.batchId);
        }
        metrics.inFlight.set(inFlight.size());
        lane.resetTo(lane.acked.max(buffer.releasedPosition(lane.name)));
        lane.retryAtNanos = Math.max(lane.retryAtNanos, atNanos);
    }

    // ---- housekeeping ----

    /** Once a second: the age gauge and "backlog drained" log lines. */
    private void tick() {
        try {
            long now = clock.millis();
            long oldest = Long.MAX_VALUE;
            for (String name : buffer.lanes()) {
                if (AggregationLanes.isLocal(name)) {
                    continue;
                }
                LaneState lane = lanes.get(name);
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
            schedulePump(0);
        } catch (RuntimeException e) {
            log.warn("Forwarder housekeeping failed", e);
        }
    }

    private void setStatus(LinkState state, String endpoint, String lastError) {
        metrics.linkState.set(state.gaugeValue());
        status = new ForwarderStatus(state, endpoint, lastError, List.copyOf(lanesInError));
    }

    /** Stops forwarding and closes the connection; unacknowledged records stay in the buffer. */
    @Override
    public void close() {
        try {
            executor.submit(() -> {
                        closed = true;
                        if (connection != null) {
                            connection.close();
                            connection = null;
                        }
                        setStatus(LinkState.DOWN, "", "closed");
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
