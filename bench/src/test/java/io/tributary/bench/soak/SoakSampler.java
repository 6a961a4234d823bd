package io.tributary.bench.soak;

import io.tributary.bench.pipeline.LocalPipeline;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * Takes the soak run's samples: for the edge and the hub, heap after GC, RSS, open descriptors (all, those on files
 * under the data directory, and the others), threads and disk used by the data directory; for the pipeline, the delivered, acknowledged and group-consumed rates since the previous
 * sample, the edge's buffer backlog and the consumer group's lag. Threads: {@link #sample} from one thread at a time;
 * {@link #samples} from any.
 */
final class SoakSampler {
    /** The measures, in CSV column order. */
    static final List<String> MEASURES = List.of(
            "edge_heap_after_gc_bytes",
            "edge_resident_bytes",
            "edge_open_fds",
            "edge_data_fds",
            "edge_threads",
            "edge_disk_bytes",
            "hub_heap_after_gc_bytes",
            "hub_resident_bytes",
            "hub_open_fds",
            "hub_data_fds",
            "hub_threads",
            "hub_disk_bytes",
            "edge_other_fds",
            "hub_other_fds",
            "delivered_records_per_second",
            "acked_records_per_second",
            "group_consumed_records_per_second",
            "edge_buffer_records",
            "group_lag_records");

    private final ProcessProbe edge;
    private final ProcessProbe hub;
    private final LongSupplier delivered;
    private final LongSupplier acked;
    private final LongSupplier consumed;
    private final long startNanos = System.nanoTime();
    private final List<SoakReport.Sample> samples = new CopyOnWriteArrayList<>();
    private long lastNanos = startNanos;
    private long lastDelivered;
    private long lastAcked;
    private long lastConsumed;

    /**
     * @param delivered records the verification has read from the hub so far
     * @param acked records the edge has acknowledged to the devices so far
     * @param consumed records the consumer group has processed so far
     */
    SoakSampler(LocalPipeline pipeline, LongSupplier delivered, LongSupplier acked, LongSupplier consumed) {
        this.edge = new ProcessProbe(
                pipeline.edge().pid(),
                pipeline.dir().resolve("edge"),
                pipeline.edge().metricsPort());
        this.hub = new ProcessProbe(
                pipeline.hub().pid(),
                pipeline.dir().resolve("hub"),
                pipeline.hub().metricsPort());
        this.delivered = delivered;
        this.acked = acked;
        this.consumed = consumed;
        this.lastDelivered = delivered.getAsLong();
        this.lastAcked = acked.getAsLong();
        this.lastConsumed = consumed.getAsLong();
    }

    /** Takes one sample and keeps it; a sampling failure shows as -1 or NaN in its measure, never as an exception. */
    SoakReport.Sample sample() {
        Map<String, Double> v = new LinkedHashMap<>();
        process("edge", edge, v);
        process("hub", hub, v);
        long now = System.nanoTime();
        double seconds = Math.max(1e-3, (now - lastNanos) / 1e9);
        long d = delivered.getAsLong();
        long a = acked.getAsLong();
        long c = consumed.getAsLong();
        v.put("delivered_records_per_second", (d - lastDelivered) / seconds);
        v.put("acked_records_per_second", (a - lastAcked) / seconds);
        v.put("group_consumed_records_per_second", (c - lastConsumed) / seconds);
        v.put("edge_buffer_records", edge.metricSum("tributary_edge_buffer_records"));
        v.put("group_lag_records", hub.metricSum("tributary_group_lag_records"));
        lastNanos = now;
        lastDelivered = d;
        lastAcked = a;
        lastConsumed = c;
        SoakReport.Sample s = new SoakReport.Sample((now - startNanos) / 1e9, v);
        samples.add(s);
        return s;
    }

    private static void process(String role, ProcessProbe p, Map<String, Double> v) {
        v.put(role + "_heap_after_gc_bytes", (double) p.heapAfterGcBytes());
        v.put(role + "_resident_bytes", (double) p.residentBytes());
        long open = p.openFiles();
        long data = p.dataFiles();
        v.put(role + "_open_fds", (double) open);
        v.put(role + "_data_fds", (double) data);
        // The rest (sockets, jars, pipes, logs) must stay flat whatever is retained; -1 when either is unreadable.
        v.put(role + "_other_fds", open < 0 || data < 0 ? -1.0 : (double) (open - data));
        v.put(role + "_threads", (double) p.threads());
        v.put(role + "_disk_bytes", (double) p.diskBytes());
    }

    List<SoakReport.Sample> samples() {
        return List.copyOf(samples);
    }

    /** The values of {@code measure}, one per sample, in time order. */
    double[] series(String measure) {
        return samples.stream()
                .mapToDouble(s -> s.values().getOrDefault(measure, Double.NaN))
                .toArray();
    }
}
