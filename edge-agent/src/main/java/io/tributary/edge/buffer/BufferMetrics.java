package io.tributary.edge.buffer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The buffer's meters, all named {@code tributary.edge.buffer.*}: stored records and bytes, quota, age of the oldest
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

    BufferMetrics(
            MeterRegistry registry,
            Clock clock,
            BufferConfig config,
            ChunkIndex index,
            LossLedger ledger,
            BlockingQueue<?> queue) {
        commit = Timer.builder(PREFIX + "commit")
                .description("MapDB commit (fsync) latency of one group commit")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        recordsPerCommit = DistributionSummary.builder(PREFIX + "commit.records")
                .description("appends made durable by one commit")
                .register(registry);
        busy = Counter.builder(PREFIX + "busy")
                .description("appends refused because the append queue was full (retriable)")
                .register(registry);
        stored = Counter.builder(PREFIX + "stored")
                .description("appends made durable")
                .register(registry);
        Gauge.builder(PREFIX + "records", index, ChunkIndex::records)
                .description("records stored, unsent or awaiting release of their chunk")
                .strongReference(true)
                .register(registry);
        Gauge.builder(PREFIX + "bytes", index, ChunkIndex::bytes)
                .description("encoded chunk bytes stored, what the quota counts")
                .baseUnit("bytes")
                .strongReference(true)
                .register(registry);
        Gauge.builder(PREFIX + "quota", config, BufferConfig::quotaBytes)
                .baseUnit("bytes")
                .strongReference(true)
                .register(registry);
        Gauge.builder(PREFIX + "queue.depth", queue, BlockingQueue::size)
                .description("appends waiting for the writer")
                .strongReference(true)
                .register(registry);
        TimeGauge.builder(
                        PREFIX + "oldest.unsent.age",
                        index,
                        TimeUnit.MILLISECONDS,
                        i -> i.oldest()
                                .map(m -> Math.max(0, clock.millis() - m.firstAppendMs()))
                                .orElse(0L))
                .description("age of the oldest stored record")
                .strongReference(true)
                .register(registry);
        for (LossReason reason : LossReason.values()) {
            FunctionCounter.builder(PREFIX + "lost", ledger, l -> l.get(reason))
                    .description("records that will never reach the hub, by reason (persisted)")
                    .tag("reason", reason.tag())
                    .register(registry);
        }
    }
}
