package io.tributary.edge.buffer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The buffer's meters, all named {@code tributary.edge.buffer.*}: stored records and bytes, bytes on disk, quota, age of the oldest
 * unsent record, append queue depth, commit latency and records per commit, appends refused as busy, and the loss
 * ledger by {@code reason} tag. Gauges read the live {@link ChunkIndex} and {@link LossLedger}.
 *
 * <p>Thread rules: thread-safe (Micrometer meters are).
 */
final class BufferMetrics {

    private static final String PREFIX = "tributary.edge.buffer.";

    final Timer commit;
    final DistributionSummary recordsPerCommit;
    final Counter busy;
    final Counter stored;
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    BufferMetrics(
            MeterRegistry registry,
            Clock clock,
            BufferConfig config,
            ChunkIndex index,
            LossLedger ledger,
            BlockingQueue<?> queue,
            BufferStore store) {
        this.registry = registry;
        commit = track(Timer.builder(PREFIX + "commit")
                .description("Latency of one group commit of the buffer log (write + fdatasync)")
                .publishPercentiles(0.5, 0.99)
                .register(registry));
        recordsPerCommit = track(DistributionSummary.builder(PREFIX + "commit.records")
                .description("appends made durable by one commit")
                .register(registry));
        busy = track(Counter.builder(PREFIX + "busy")
                .description("appends refused because the append queue was full (retriable)")
                .register(registry));
        stored = track(Counter.builder(PREFIX + "stored")
                .description("appends made durable")
                .register(registry));
        track(Gauge.builder(PREFIX + "records", index, ChunkIndex::records)
                .description("records stored, unsent or awaiting release of their chunk")
                .strongReference(true)
                .register(registry));
        track(Gauge.builder(PREFIX + "bytes", index, ChunkIndex::bytes)
                .description("encoded chunk bytes stored, what the quota counts")
                .baseUnit("bytes")
                .strongReference(true)
                .register(registry));
        track(Gauge.builder(PREFIX + "disk.bytes", store, BufferStore::diskBytes)
                .description("bytes of the buffer's segment files, dead entries not yet reclaimed included")
                .baseUnit("bytes")
                .strongReference(true)
                .register(registry));
        track(Gauge.builder(PREFIX + "quota", config, BufferConfig::quotaBytes)
                .description("the buffer's disk quota (buffer.quota); the overflow policy applies beyond it")
                .baseUnit("bytes")
                .strongReference(true)
                .register(registry));
        track(Gauge.builder(PREFIX + "queue.depth", queue, BlockingQueue::size)
                .description("appends waiting for the writer")
                .strongReference(true)
                .register(registry));
        track(TimeGauge.builder(
                        PREFIX + "oldest.unsent.age",
                        index,
                        TimeUnit.MILLISECONDS,
                        i -> i.oldest()
                                .map(m -> Math.max(0, clock.millis() - m.firstAppendMs()))
                                .orElse(0L))
                .description("age of the oldest stored record")
                .strongReference(true)
                .register(registry));
        for (LossReason reason : LossReason.values()) {
            track(FunctionCounter.builder(PREFIX + "lost", ledger, l -> l.get(reason))
                    .description("records that will never reach the hub, by reason (persisted)")
                    .tag("reason", reason.tag())
                    .register(registry));
        }
    }

    private <M extends Meter> M track(M meter) {
        meters.add(meter);
        return meter;
    }

    /** Removes this buffer's meters, so that a buffer reopened in the same process registers fresh ones. */
    void close() {
        meters.forEach(registry::remove);
    }
}
