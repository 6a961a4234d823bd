package io.tributary.edge.buffer;

import io.tributary.protocol.v1.Aggregate;
import io.tributary.protocol.v1.ContentType;
import io.tributary.protocol.v1.Record;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rolls raw records up into tumbling-window aggregates, one per (device, metric, field, window), each an
 * {@link Aggregate} in a {@link Record} of content type {@link ContentType#CONTENT_TYPE_AGGREGATE} whose event time
 * is the window start. Records with no numeric value cannot be rolled up and are reported as such.
 *
 * <p>Stateless and thread-safe.
 */
final class RollUp {

    /**
     * @param aggregates the roll-ups, without ids, ordered by window start then first appearance
     * @param rolledUp how many raw records went into them
     * @param unaggregatable how many raw records had no numeric value
     */
    record Result(List<StoredRecord> aggregates, int rolledUp, int unaggregatable) {}

    private record Key(String device, String metric, String field, long windowStart) {}

    private static final class Acc {
        final Record first;
        final Aggregate.Builder agg;
        long expireAtMs;

        Acc(Record first, Key key, long windowMs, double v, long expireAtMs) {
            this.first = first;
            this.expireAtMs = expireAtMs;
            agg = Aggregate.newBuilder()
                    .setWindowStartMs(key.windowStart())
                    .setWindowEndMs(key.windowStart() + windowMs)
                    .setDeviceId(key.device())
                    .setDeviceGroup(first.getDeviceGroup())
                    .setMetric(key.metric())
                    .setField(key.field())
                    .setMin(v)
                    .setMax(v);
        }

        void add(double v, long expiry) {
            agg.setCount(agg.getCount() + 1)
                    .setMin(Math.min(agg.getMin(), v))
                    .setMax(Math.max(agg.getMax(), v))
                    .setSum(agg.getSum() + v)
                    .setLast(v);
            expireAtMs = Math.max(expireAtMs, expiry);
        }
    }

    private RollUp() {}

    static Result of(List<StoredRecord> raws, long windowMs) {
        Map<Key, Acc> groups = new LinkedHashMap<>();
        int rolled = 0;
        int skipped = 0;
        for (StoredRecord sr : raws) {
            Record r = sr.record();
            Map<String, Double> fields = r.getContentType() == ContentType.CONTENT_TYPE_AGGREGATE
                    ? Map.of()
                    : NumericFields.of(r.getPayload().toByteArray());
            if (fields.isEmpty()) {
                skipped++;
                continue;
            }
            rolled++;
            long windowStart = Math.floorDiv(r.getEventTimeMs(), windowMs) * windowMs;
            for (Map.Entry<String, Double> f : fields.entrySet()) {
                Key key = new Key(r.getDeviceId(), r.getMetric(), f.getKey(), windowStart);
                groups.computeIfAbsent(key, k -> new Acc(r, k, windowMs, f.getValue(), sr.expireAtMs()))
                        .add(f.getValue(), sr.expireAtMs());
            }
        }
        List<StoredRecord> out = new ArrayList<>(groups.size());
        groups.values().stream()
                .sorted(Comparator.comparingLong(a -> a.agg.getWindowStartMs()))
                .forEach(a -> out.add(new StoredRecord(toRecord(a), a.expireAtMs)));
        return new Result(out, rolled, skipped);
    }

    private static Record toRecord(Acc a) {
        return Record.newBuilder()
                .setDeviceId(a.agg.getDeviceId())
                .setDeviceGroup(a.first.getDeviceGroup())
                .setMetric(a.agg.getMetric())
                .setEventTimeMs(a.agg.getWindowStartMs())
                .setEdgeReceiveTimeMs(a.first.getEdgeReceiveTimeMs())
                .setContentType(ContentType.CONTENT_TYPE_AGGREGATE)
                .setPayload(a.agg.build().toByteString())
                .setPartitionKey(a.first.getPartitionKey())
                .setTopic(a.first.getTopic())
                .build();
    }
}
