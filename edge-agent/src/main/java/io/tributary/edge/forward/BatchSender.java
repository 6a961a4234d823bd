package io.tributary.edge.forward;

import io.tributary.edge.aggregate.AggregationLanes;
import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.buffer.RawRecord;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.hub.client.spi.HubSession;
import io.tributary.protocol.v1.Frame;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Reads the buffer's lanes and sends their batches on the current connection while the {@link InFlightWindow} has
 * room: round-robin over lanes, one batch per lane per turn, at most {@link ForwarderConfig#maxInFlightPerLane()} per
 * lane, each lane strictly in buffer order. A partial batch lingers up to {@link ForwarderConfig#linger()} for more
 * records. A batch the hub cannot order after the lane's earlier ones (a new epoch, or one after a local gap) waits
 * until the lane has nothing in flight.
 *
 * <p>Loss accounting: in the same step as it reads a lane, the sender tells the buffer what of it is on its way
 * ({@link DurableBuffer#readForDelivery}: acknowledged up to {@link LaneState#acked}, sent up to
 * {@link LaneState#sentUpTo}), so quota reclaim and expiry never count as lost a record that may still reach the hub,
 * and never take a record between its read and its hold.
 * So that reclaim always finds records that are not on their way, the window also stays under half the buffer quota
 * in record bytes ({@link #maxInFlightBytes}; one record more at most).
 *
 * <p>Passes over the lanes ("pumps") are scheduled on the forwarder thread and coalesced: at most one is pending, at
 * the earliest time asked for.
 *
 * <p>Thread rules: forwarder thread only (it reads the buffer and compresses; never a Netty event loop).
 */
final class BatchSender {
    private final ForwarderConfig config;
    private final DurableBuffer buffer;
    private final String agentId;

    /** The agent id batches are sent under (the correlation id {@code agent} in log lines). */
    String agentId() {
        return agentId;
    }

    private final ScheduledExecutorService executor;
    private final InFlightWindow window;
    private final ForwarderMetrics metrics;
    /** Wall clock: records carry their edge receive time on it. */
    private final Clock clock;

    private final long maxInFlightBytes;
    private final Map<String, LaneState> lanes = new HashMap<>();
    private WriteFailures writeFailures;
    private Consumer<String> afterRead = lane -> {};
    /** The session while it is connected, else null. */
    private HubSession session;
    /** The session's {@link HubSession#generation()} when it connected: tells which connection a write went out on. */
    private long generation;

    private long grant;
    private long nextBatchId = 1;
    private int roundRobin;
    private boolean pumpScheduled;
    private long pumpAtNanos = Long.MAX_VALUE;
    private boolean closed;

    BatchSender(
            ForwarderConfig config,
            DurableBuffer buffer,
            String agentId,
            ScheduledExecutorService executor,
            InFlightWindow window,
            ForwarderMetrics metrics,
            Clock clock) {
        this.metrics = metrics;
        this.clock = clock;
        this.config = config;
        this.buffer = buffer;
        this.agentId = agentId;
        this.executor = executor;
        this.window = window;
        this.maxInFlightBytes = Math.max(1, buffer.config().quotaBytes() / 2);
    }

    /** Who handles a batch whose write failed; see {@link #writeFailed}. Forwarder thread. */
    interface WriteFailures {
        /** The connection is unusable; it is being closed, which resends everything in flight. */
        void transport(long batchId, Throwable cause);

        /** The batch cannot be written although the connection is open: a non-retriable refusal of the batch. */
        void refused(long batchId, Throwable cause);
    }

    /** Test hook: called with the lane's name after each read of the buffer that returned records. */
    void afterRead(Consumer<String> hook) {
        this.afterRead = hook;
    }

    /** Set once, before the first connection. */
    void writeFailures(WriteFailures handler) {
        this.writeFailures = handler;
    }

    /**
     * A new connection, holding the epoch grant the buffer stored: every lane resends from what the hub acknowledged
     * (at least the released watermark).
     */
    void connected(HubSession connected, long epochGrant) {
        session = connected;
        generation = connected.generation();
        grant = epochGrant;
        window.clear();
        for (LaneState lane : lanes.values()) {
            lane.resetTo(lane.acked.max(buffer.releasedPosition(lane.name)));
        }
        schedulePump(0);
    }

    /** The connection is gone; returns how many batches were in flight on it (they are resent on the next one). */
    int disconnected() {
        session = null;
        int unacked = window.size();
        window.clear();
        return unacked;
    }

    /** Stops sending for good. */
    void close() {
        closed = true;
        session = null;
    }

    /** The lane's state, or null when nothing of it was sent on any connection yet. */
    LaneState lane(String name) {
        return lanes.get(name);
    }

    /** Abandons the lane's batches in flight and resends from its acknowledged position, not before {@code atNanos}. */
    void rewind(LaneState lane, long atNanos) {
        window.abandon(lane);
        lane.resetTo(lane.acked.max(buffer.releasedPosition(lane.name)));
        lane.retryAtNanos = Math.max(lane.retryAtNanos, atNanos);
    }

    /** Asks for a pass over the lanes after {@code delayNanos}; coalesces with a pending pass that is no later. */
    void schedulePump(long delayNanos) {
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
        if (closed || session == null || !session.isConnected()) {
            return;
        }
        long paused = session.pausedNanos(); // a Throttle: nothing goes before its retry_after
        if (paused > 0) {
            schedulePump(paused);
            return;
        }
        long now = System.nanoTime();
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
        while (progress && windowHasRoom() && session.isWritable()) {
            progress = false;
            for (int i = 0; i < order.size() && windowHasRoom(); i++) {
                LaneState lane = order.get((roundRobin + i) % order.size());
                if (lane.inFlight.size() < config.maxInFlightPerLane() && sendNext(lane, now)) {
                    progress = true;
                }
            }
        }
        if (!session.isWritable()) {
            schedulePump(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private boolean windowHasRoom() {
        return window.size() < config.maxInFlightBatches() && window.bytes() < maxInFlightBytes;
    }

    /** The batch chosen from a read, under the buffer's read lock ({@link #choose}); run null: nothing to send. */
    private static final class Choice {
        BatchAssembler.Run run;
        boolean gap;
    }

    /** Reads the lane after its cursor and sends one batch; false when nothing was sent. */
    private boolean sendNext(LaneState lane, long now) {
        if (now < lane.retryAtNanos) {
            schedulePump(lane.retryAtNanos - now);
            return false;
        }
        int maxBytes = (int) Math.min(config.maxBatchBytes(), maxInFlightBytes - window.bytes());
        Choice choice = new Choice();
        // Read and hold in one step: quota reclaim and expiry cannot take a record between its read and its hold, so
        // nothing read needs checking again (a two-step read-then-hold had to re-read whenever a reclaim came in
        // between, which under sustained quota pressure could repeat without end).
        List<RawRecord> read = buffer.readForDelivery(
                lane.name,
                lane.cursor,
                config.maxBatchRecords(),
                maxBytes,
                lane.acked,
                records -> choose(lane, records, now, maxBytes, choice));
        if (!read.isEmpty()) {
            afterRead.accept(lane.name);
        }
        BatchAssembler.Run run = choice.run;
        if (run == null) {
            return false;
        }
        boolean gap = choice.gap;
        LanePosition last = run.last().position();
        lane.sentUpTo = lane.sentUpTo.max(last);
        lane.partialSinceNanos = 0;
        long id = nextBatchId++;
        Frame frame = Frame.newBuilder()
                .setBatch(BatchAssembler.encode(run, lane.name, config.stream(), config.codec(), agentId, grant)
                        .setBatchId(id)
                        .setGapBefore(gap))
                .build();
        long bytes = 0;
        for (int i = 0; i < run.records().size(); i++) {
            bytes += read.get(i).serializedSize(); // the run is a prefix of the read
        }
        window.add(lane, new OutboundBatch(id, lane.name, last, run.records().size(), bytes, frame, System.nanoTime()));
        long received = read.get(0).edgeReceiveTimeMs();
        if (received > 0) {
            metrics.forwardWait.record(Math.max(0, clock.millis() - received), TimeUnit.MILLISECONDS);
        }
        lane.cursor = last;
        long sentOn = generation;
        session.send(frame).whenComplete((v, err) -> {
            if (err != null) {
                onForwarderThread(() -> writeFailed(sentOn, id, err));
            }
        });
        return true;
    }

    /**
     * What of a read is sent now: the leading run of the next batch, or nothing (nothing read, a partial batch still
     * lingering, or a batch the hub could not order after the lane's batches in flight). Runs under the buffer's read
     * lock, inside {@link DurableBuffer#readForDelivery}: looks at the records only. Returns how far the lane is on
     * its way to the hub once the run is sent ({@link LaneState#sentUpTo} or the run's end), null to send nothing.
     */
    private LanePosition choose(LaneState lane, List<RawRecord> read, long now, int maxBytes, Choice choice) {
        if (read.isEmpty()) {
            lane.partialSinceNanos = 0;
            return null;
        }
        BatchAssembler.Run run = BatchAssembler.leadingRun(read, config.partitionByDevice());
        if (!run.cut() && !isFull(read, maxBytes) && !config.linger().isZero()) {
            if (lane.partialSinceNanos == 0) {
                lane.partialSinceNanos = now;
            }
            long waited = now - lane.partialSinceNanos;
            if (waited < config.linger().toNanos()) {
                schedulePump(config.linger().toNanos() - waited);
                return null;
            }
        }
        boolean gap = BatchAssembler.followsGap(lane.cursor, run);
        if ((gap || BatchAssembler.startsEpoch(lane.cursor, run)) && !lane.inFlight.isEmpty()) {
            // The hub orders a lane's batches by their gap-free sequence; it cannot order this one (a new epoch is
            // a new producer, a declared gap skips the check) after those still in flight, one of which may yet be
            // refused, resent or appended late (overlap path). Send it once they are acknowledged.
            return null;
        }
        choice.run = run;
        choice.gap = gap;
        return lane.sentUpTo.max(run.last().position());
    }

    /**
     * A batch's write failed. Two kinds, told apart by the connection and the cause:
     *
     * <ul>
     *   <li>Transport (an {@link IOException}, or the connection is closed already): the connection is unusable. Netty
     *       closes the channel on a write I/O error itself; closing it here makes sure, so that the normal path runs
     *       (close, reconnect, every lane resent from what the hub acknowledged).
     *   <li>Anything else on a connection that is still open, in practice the frame encoder refusing a frame over the
     *       connection's frame size limit: the same batch would fail again on any connection, and nothing tells the
     *       hub about it, so without handling it stays in flight forever while the status says healthy. It is a
     *       non-retriable refusal of the batch, handled as the hub's non-retriable Nack is
     *       ({@link HubReplies#onWriteFailed}): never dropped, the lane reported refused and retried with backoff.
     * </ul>
     */
    private void writeFailed(long sentOn, long batchId, Throwable error) {
        if (closed || session == null || sentOn != generation) {
            return; // that connection is gone already: its batches are resent on the next one
        }
        Throwable cause = error instanceof HubClientException && error.getCause() != null ? error.getCause() : error;
        if (!session.isConnected() || cause instanceof IOException) {
            writeFailures.transport(batchId, cause);
            session.disconnect();
        } else {
            writeFailures.refused(batchId, cause);
        }
    }

    private void onForwarderThread(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            // the forwarder is closed: what was in flight stays in the buffer and is sent after the next start
        }
    }

    private boolean isFull(Collection<RawRecord> read, int maxBytes) {
        if (read.size() >= config.maxBatchRecords()) {
            return true;
        }
        long bytes = 0;
        int largest = 0;
        for (RawRecord r : read) {
            bytes += r.serializedSize();
            largest = Math.max(largest, r.serializedSize());
        }
        return bytes + largest > maxBytes;
    }
}
