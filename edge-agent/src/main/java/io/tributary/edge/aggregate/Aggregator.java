package io.tributary.edge.aggregate;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.edge.buffer.AppendedAll;
import io.tributary.edge.buffer.BufferedRecord;
import io.tributary.edge.buffer.DurableBuffer;
import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.buffer.PendingRecord;
import io.tributary.protocol.time.ProgressClock;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the durable raw lanes ({@link AggregationLanes}) into window aggregates, exactly once across crashes.
 *
 * <p>Per raw lane it reads the records in lane order after the lane's persisted "aggregated up to" marker (a
 * {@link DurableBuffer#marker} named like the lane) into a {@link WindowAggregator}. A window closes when a record of
 * a later window has been read, or when the lane is read to its end and the clock ({@link ProgressClock}: the wall
 * clock, but counting on at real speed after it is set back) is past the window's end plus
 * {@code grace} (which covers the time between a publish's receive stamp and its commit). The aggregates of every
 * window closed in one pass go to the lanes {@code <base>#agg} in ONE buffer commit that also moves each lane's
 * marker to the last record of its closed windows ({@link DurableBuffer#append(List, Map)}); only after that commit
 * are those raw records released. So:
 *
 * <ul>
 *   <li>a crash before the commit: nothing emitted, the marker has not moved; the restarted aggregator re-reads the
 *       same records and rebuilds the windows from them (records are never lost: they were durable before their
 *       publish was acknowledged, and are released only after the aggregate holding them is durable);
 *   <li>a crash after it: the aggregates have their ids (given once, by the buffer; the forwarder resends and the hub
 *       de-duplicates by id) and the marker has moved past every record they count, so none is counted twice.
 * </ul>
 *
 * <p>A pass whose commit is refused (buffer busy or full) is kept and retried as is before anything else.
 *
 * <p>Thread rules: one thread of its own; {@link #start}, {@link #wakeUp} and {@link #close} from any thread.
 */
public final class Aggregator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Aggregator.class);
    private static final int READ_RECORDS = 1024;
    private static final int READ_BYTES = 1 << 20;
    private static final int READS_PER_LANE_AND_PASS = 16;

    private static final class LaneState {
        final AggregationLanes.RawLane lane;
        final WindowAggregator windows;
        LanePosition cursor;

        LaneState(AggregationLanes.RawLane lane, LanePosition cursor) {
            this.lane = lane;
            this.windows = new WindowAggregator(lane.windowMs());
            this.cursor = cursor;
        }
    }

    /** One pass's output, kept until the buffer has committed it. */
    private record Emit(List<PendingRecord> aggregates, Map<String, LanePosition> markers, int windows, long records) {}

    private final DurableBuffer buffer;
    private final Duration grace;
    private final Duration ttl;
    /** When windows are due: never back, so a wall clock set back by hours does not hold them open for hours. */
    private final ProgressClock clock;

    private final Runnable onEmitted;
    private final AggregatorMetrics metrics;
    private final Map<String, LaneState> lanes = new HashMap<>();
    private final Semaphore wake = new Semaphore(0);
    private final long tickMs;
    private final Thread thread;
    private volatile boolean closed;
    private Emit pending;

    /**
     * @param grace how long after a window's end it stays open for records still on their way to the disk
     * @param ttl time to live of the aggregate records ({@link Duration#ZERO}: forever)
     * @param onEmitted called on the aggregator thread after each durable emit, e.g. to wake the forwarder
     */
    public Aggregator(
            DurableBuffer buffer,
            Duration grace,
            Duration ttl,
            Clock clock,
            MeterRegistry registry,
            Runnable onEmitted) {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative: " + grace);
        }
        this.buffer = buffer;
        this.grace = grace;
        this.ttl = ttl;
        this.clock = new ProgressClock(clock);
        this.onEmitted = onEmitted;
        this.metrics = new AggregatorMetrics(registry);
        this.tickMs = Math.max(10, Math.min(500, grace.toMillis() / 2));
        this.thread = new Thread(this::run, "tributary-aggregator");
        thread.setDaemon(true);
    }

    public Aggregator start() {
        thread.start();
        return this;
    }

    /** Asks for a pass now rather than at the next tick. */
    public void wakeUp() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    private void run() {
        while (!closed) {
            try {
                pass();
            } catch (RuntimeException e) {
                // the buffer went offline or a lane could not be read: nothing was consumed, retry at the next tick
                log.warn("Aggregation pass failed; retrying", e);
            }
            try {
                wake.tryAcquire(tickMs, TimeUnit.MILLISECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Reads what is new, closes what is due, and commits it. Package-private for tests. */
    void pass() {
        if (pending != null && !commit(pending)) {
            return;
        }
        for (String name : buffer.lanes()) {
            if (!lanes.containsKey(name)) {
                AggregationLanes.parseRaw(name)
                        .ifPresent(raw -> lanes.put(name, new LaneState(raw, buffer.marker(name))));
            }
        }
        long now = clock.millis();
        List<PendingRecord> aggregates = new ArrayList<>();
        Map<String, LanePosition> markers = new LinkedHashMap<>();
        int windows = 0;
        long records = 0;
        long lag = 0;
        for (Map.Entry<String, LaneState> e : lanes.entrySet()) {
            LaneState s = e.getValue();
            boolean drained = read(e.getKey(), s);
            List<WindowAggregator.Closed> closed = new ArrayList<>();
            closed.add(s.windows.closeFinished());
            if (drained) {
                closed.add(s.windows.closeUpTo(now - grace.toMillis()));
            }
            String target = AggregationLanes.aggregates(s.lane.base());
            for (WindowAggregator.Closed c : closed) {
                c.aggregates().forEach(r -> aggregates.add(new PendingRecord(target, r, ttl)));
                c.upTo().ifPresent(p -> markers.merge(e.getKey(), p, LanePosition::max));
                windows += c.windows();
                records += c.records();
            }
            long oldestEnd = s.windows.oldestOpenEnd().orElse(Long.MAX_VALUE);
            if (oldestEnd != Long.MAX_VALUE) {
                lag = Math.max(lag, now - grace.toMillis() - oldestEnd);
            }
        }
        metrics.lagMs.set(Math.max(0, lag));
        if (!markers.isEmpty()) {
            commit(new Emit(aggregates, markers, windows, records));
        }
    }

    /** Reads the lane's new records into its windows; true when it read to the lane's end. */
    private boolean read(String name, LaneState s) {
        for (int i = 0; i < READS_PER_LANE_AND_PASS; i++) {
            List<BufferedRecord> batch = buffer.read(name, s.cursor, READ_RECORDS, READ_BYTES);
            if (batch.isEmpty()) {
                return true;
            }
            long lateBefore = s.windows.late();
            for (BufferedRecord r : batch) {
                if (!s.windows.add(r.record(), r.position())) {
                    metrics.unaggregatable.increment();
                }
                s.cursor = r.position();
            }
            metrics.late.increment(s.windows.late() - lateBefore);
        }
        return false;
    }

    /** Appends the aggregates and moves the markers in one commit, then releases the raw records they cover. */
    private boolean commit(Emit emit) {
        AppendedAll result;
        try {
            result = buffer.append(emit.aggregates(), emit.markers()).join();
        } catch (CompletionException e) {
            result = null;
        }
        if (result == null || !result.isStored()) {
            if (pending == null) {
                log.warn(
                        "Aggregates of {} windows not stored ({}); retrying",
                        emit.windows(),
                        result == null ? "error" : result.outcome());
            }
            pending = emit;
            return false;
        }
        pending = null;
        emit.markers().forEach(buffer::release); // a crash before this: the reader starts after the marker anyway
        metrics.windows.increment(emit.windows());
        metrics.aggregates.increment(emit.aggregates().size());
        metrics.records.increment(emit.records());
        if (!emit.aggregates().isEmpty()) {
            onEmitted.run();
        }
        return true;
    }

    @Override
    public void close() {
        closed = true;
        wake.release();
        if (thread.isAlive()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        metrics.close();
    }
}
