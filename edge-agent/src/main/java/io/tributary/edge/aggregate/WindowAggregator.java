package io.tributary.edge.aggregate;

import io.tributary.edge.buffer.NumericFields;
import io.tributary.protocol.v1.Aggregate;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.RecordId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Tumbling-window aggregation of durable raw records, per (device, metric, numeric field): count, min, max, sum, last
 * (mean = sum / count). A pure function of its input, so that replaying the same raw records after a crash yields the
 * same aggregates with the same ids:
 *
 * <ul>
 *   <li>a record belongs to the window of its {@code edge_receive_time_ms} (set once, durably, at the edge; a device
 *       clock could move records between windows across replays);
 *   <li>the aggregates of one window of group G get ids {@code (agent, lane "G#agg", epoch = window start ms,
 *       sequence 0..n-1)} in (device, metric, field) order: one gap-free run per window, which the hub de-duplicates.
 * </ul>
 *
 * <p>Not thread-safe: one instance per lane, on one thread.
 */
public final class WindowAggregator {

    /** The lane suffix of aggregate records. */
    public static final String LANE_SUFFIX = "#agg";

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

    private final String agentId;
    private final String group;
    private final long windowMs;
    private final TreeMap<Long, TreeMap<Key, Aggregate.Builder>> windows = new TreeMap<>();

    public WindowAggregator(String agentId, String group, long windowMs) {
        if (windowMs < 1) {
            throw new IllegalArgumentException("window must be at least 1 ms");
        }
        this.agentId = agentId;
        this.group = group;
        this.windowMs = windowMs;
    }

    /** The start of the window a record belongs to. */
    public long windowStart(Record r) {
        return Math.floorDiv(r.getEdgeReceiveTimeMs(), windowMs) * windowMs;
    }

    /** Folds a raw record in; returns false when it has no numeric value (nothing to aggregate). */
    public boolean add(Record r) {
        Map<String, Double> fields = NumericFields.of(r.getPayload().toByteArray());
        if (fields.isEmpty()) {
            return false;
        }
        long start = windowStart(r);
        TreeMap<Key, Aggregate.Builder> w = windows.computeIfAbsent(start, s -> new TreeMap<>());
        for (Map.Entry<String, Double> f : fields.entrySet()) {
            double v = f.getValue();
            Aggregate.Builder a = w.computeIfAbsent(
                    new Key(r.getDeviceId(), r.getMetric(), f.getKey()),
                    k -> Aggregate.newBuilder()
                            .setWindowStartMs(start)
                            .setWindowEndMs(start + windowMs)
                            .setDeviceId(k.device())
                            .setDeviceGroup(group)
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

    /** Removes and returns, oldest window first, the aggregate records of every window ending at or before {@code t}. */
    public List<Record> closeUpTo(long timeMs) {
        List<Record> out = new ArrayList<>();
        while (!windows.isEmpty() && windows.firstKey() + windowMs <= timeMs) {
            Map.Entry<Long, TreeMap<Key, Aggregate.Builder>> w = windows.pollFirstEntry();
            long seq = 0;
            for (Aggregate.Builder a : w.getValue().values()) {
                out.add(Record.newBuilder()
                        .setId(RecordId.newBuilder()
                                .setAgentId(agentId)
                                .setLane(group + LANE_SUFFIX)
                                .setAgentEpoch(w.getKey())
                                .setSequence(seq++))
                        .setDeviceId(a.getDeviceId())
                        .setDeviceGroup(group)
                        .setMetric(a.getMetric())
                        .setEventTimeMs(w.getKey())
                        .setEdgeReceiveTimeMs(w.getKey() + windowMs)
                        .setContentType(ContentType.CONTENT_TYPE_AGGREGATE)
                        .setPayload(a.build().toByteString())
                        .build());
            }
        }
        return out;
    }

    /** Windows still open. */
    public int openWindows() {
        return windows.size();
    }
}
