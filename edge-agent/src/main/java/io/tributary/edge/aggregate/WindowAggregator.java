package io.tributary.edge.aggregate;

import io.tributary.edge.buffer.LanePosition;
import io.tributary.edge.buffer.NumericFields;
import io.tributary.protocol.v1.Aggregate;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Record;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Tumbling-window aggregation of one raw lane, read in lane order: per (device, metric, numeric field) count, min, max,
 * sum and last (mean = sum / count), in windows of the records' {@code edge_receive_time_ms} (stamped once, durably,
 * at the edge; device clocks are not trusted).
 *
 * <p>Windows only move forward along the lane: a record stamped in a window before the lane's current one (receive
 * times are stamped on several event loops, so a lane may hold a record stamped a few milliseconds before its
 * predecessor; or it arrived after its window was closed) counts in the current window instead and is reported by
 * {@link #late()}. Counts stay exact; only a window's boundary is that fuzzy. This is what makes the "aggregated up to"
 * position a prefix of the lane: when windows close, every record up to the last position of the last closed window is
 * in an emitted aggregate, and every record after it is in an open window, never in an emitted one. A caller that
 * persists that position with the aggregates (atomically) and, after a crash, feeds a fresh instance the records after
 * it, neither loses nor double-counts a record.
 *
 * <p>Not thread-safe: one instance per lane, on one thread.
 */
public final class WindowAggregator {

    /** Windows closed by one call: their aggregates (without ids) and the lane position they cover up to. */
    public record Closed(List<Record> aggregates, Optional<LanePosition> upTo, int windows, long records) {
        static final Closed NONE = new Closed(List.of(), Optional.empty(), 0, 0);
    }

    private record Key(String device, String metric, String field) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = device.compareTo(o.device);
            if (c == 0) {
                c = metric.compareTo(o.metric);
            }
            return c != 0 ? c : field.compareTo(o.field);
        }
    }

    private static final class Window {
        final TreeMap<Key, Aggregate.Builder> aggregates = new TreeMap<>();
        LanePosition last = LanePosition.BEFORE_FIRST;
        long records;
    }

    private final long windowMs;
    private final TreeMap<Long, Window> windows = new TreeMap<>();
    private long floor = Long.MIN_VALUE;
    private long late;

    public WindowAggregator(long windowMs) {
        if (windowMs < 1) {
            throw new IllegalArgumentException("window must be at least 1 ms");
        }
        this.windowMs = windowMs;
    }

    /** The start of the window a record's receive time falls in. */
    public long windowStart(Record r) {
        return Math.floorDiv(r.getEdgeReceiveTimeMs(), windowMs) * windowMs;
    }

    /**
     * Folds in the lane's next record (positions must grow). Returns false when it has no numeric value: it is then
     * only counted as consumed, in the current window, so that the "aggregated up to" position can pass it.
     */
    public boolean add(Record r, LanePosition position) {
        long start = windowStart(r);
        if (start < floor) {
            late++;
            start = floor;
        }
        floor = start;
        Window w = windows.computeIfAbsent(start, s -> new Window());
        w.last = position;
        Map<String, Double> fields = r.getContentType() == ContentType.CONTENT_TYPE_AGGREGATE
                ? Map.of()
                : NumericFields.of(r.getPayload().toByteArray());
        if (fields.isEmpty()) {
            return false;
        }
        w.records++;
        for (Map.Entry<String, Double> f : fields.entrySet()) {
            double v = f.getValue();
            long windowStart = start;
            Key key = new Key(r.getDeviceId(), r.getMetric(), f.getKey());
            Aggregate.Builder a = w.aggregates.computeIfAbsent(
                    key,
                    k -> Aggregate.newBuilder()
                            .setWindowStartMs(windowStart)
                            .setWindowEndMs(windowStart + windowMs)
                            .setDeviceId(k.device())
                            .setDeviceGroup(r.getDeviceGroup())
                            .setMetric(k.metric())
                            .setField(k.field())
                            .setMin(v)
                            .setMax(v));
            a.setCount(a.getCount() + 1)
                    .setMin(Math.min(a.getMin(), v))
                    .setMax(Math.max(a.getMax(), v))
                    .setSum(a.getSum() + v)
                    .setLast(v);
        }
        return true;
    }

    /**
     * Removes and returns, oldest window first, the aggregates of every window ending at or before {@code timeMs},
     * in (device, metric, field) order within a window. Later records never go into a closed window.
     */
    public Closed closeUpTo(long timeMs) {
        if (windows.isEmpty() || windows.firstKey() + windowMs > timeMs) {
            return Closed.NONE;
        }
        List<Record> out = new ArrayList<>();
        LanePosition upTo = LanePosition.BEFORE_FIRST;
        int closed = 0;
        long records = 0;
        while (!windows.isEmpty() && windows.firstKey() + windowMs <= timeMs) {
            Map.Entry<Long, Window> e = windows.pollFirstEntry();
            long start = e.getKey();
            Window w = e.getValue();
            for (Aggregate.Builder a : w.aggregates.values()) {
                out.add(Record.newBuilder()
                        .setDeviceId(a.getDeviceId())
                        .setDeviceGroup(a.getDeviceGroup())
                        .setMetric(a.getMetric())
                        .setEventTimeMs(start)
                        .setEdgeReceiveTimeMs(start + windowMs)
                        .setContentType(ContentType.CONTENT_TYPE_AGGREGATE)
                        .setPayload(a.build().toByteString())
                        .build());
            }
            upTo = upTo.max(w.last);
            closed++;
            records += w.records;
            floor = Math.max(floor, start + windowMs);
        }
        return new Closed(out, Optional.of(upTo), closed, records);
    }

    /** Closes every window before the current one: no record can go into them any more. */
    public Closed closeFinished() {
        return floor == Long.MIN_VALUE ? Closed.NONE : closeUpTo(floor);
    }

    /** The end of the oldest open window, if any. */
    public OptionalLong oldestOpenEnd() {
        return windows.isEmpty() ? OptionalLong.empty() : OptionalLong.of(windows.firstKey() + windowMs);
    }

    /** Windows still open. */
    public int openWindows() {
        return windows.size();
    }

    /** Records counted in a later window than their receive time's (see the class comment). */
    public long late() {
        return late;
    }

    public long windowMs() {
        return windowMs;
    }
}
