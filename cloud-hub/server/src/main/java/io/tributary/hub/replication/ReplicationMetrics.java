package io.tributary.hub.replication;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The replication counters of one hub, on both sides (home: sent; replica: applied, truncated). Thread-safe. */
final class ReplicationMetrics {
    private final Counter sentBatches;
    private final Counter sentRecords;
    private final Counter sentBytes;
    private final Counter appliedBatches;
    private final Counter appliedRecords;
    private final Counter appliedBytes;
    private final Counter truncatedRecords;
    private final Counter restarts;
    private final Counter refusals;
    private final Counter notReplicated;

    ReplicationMetrics(MeterRegistry r) {
        sentBatches = Counter.builder("tributary.replication.sent.batches")
                .description("Batches the home sent to replica regions")
                .register(r);
        sentRecords = Counter.builder("tributary.replication.sent.records")
                .description("Records the home sent to replica regions")
                .register(r);
        sentBytes = Counter.builder("tributary.replication.sent")
                .description("Payload bytes the home sent to replica regions")
                .baseUnit("bytes")
                .register(r);
        appliedBatches = Counter.builder("tributary.replication.applied.batches")
                .description("Batches this hub stored as a replica")
                .register(r);
        appliedRecords = Counter.builder("tributary.replication.applied.records")
                .description("Records this hub stored as a replica")
                .register(r);
        appliedBytes = Counter.builder("tributary.replication.applied")
                .description("Payload bytes this hub stored as a replica")
                .baseUnit("bytes")
                .register(r);
        truncatedRecords = Counter.builder("tributary.replication.truncated.records")
                .description(
                        "Records a former home dropped when it rejoined as a replica: accepted, never replicated, lost"
                                + " (ack level local only)")
                .register(r);
        restarts = Counter.builder("tributary.replication.restarts")
                .description("Replica shards restarted at the home's oldest sequence (the home no longer retained"
                        + " what they lacked)")
                .register(r);
        refusals = Counter.builder("tributary.replication.refusals")
                .description("Replication offers or batches refused (stale generation, unknown region, gap)")
                .register(r);
        notReplicated = Counter.builder("tributary.replication.ack.timeouts")
                .description("Batches refused as NOT_REPLICATED: no replica confirmed them within"
                        + " replication.ack-timeout")
                .register(r);
    }

    void sent(int batches, int records, long bytes) {
        sentBatches.increment(batches);
        sentRecords.increment(records);
        sentBytes.increment(bytes);
    }

    void applied(int batches, long records, long bytes) {
        appliedBatches.increment(batches);
        appliedRecords.increment(records);
        appliedBytes.increment(bytes);
    }

    void truncated(long records) {
        truncatedRecords.increment(records);
    }

    void restarted() {
        restarts.increment();
    }

    void refused() {
        refusals.increment();
    }

    void notReplicated() {
        notReplicated.increment();
    }
}
