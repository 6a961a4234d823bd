package io.tributary.hub.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.NackReason;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The hub's own meters (the store adds per-shard ones). Prometheus names: {@code tributary_hub_*}. Thread-safe.
 */
public final class HubMetrics {
    private final MeterRegistry registry;
    private final AtomicInteger connections = new AtomicInteger();
    private final Timer batchAck;
    private final Counter records;
    private final Counter bytes;
    private final Counter duplicates;
    private final Counter throttles;
    private final Counter authFailures;

    public HubMetrics(MeterRegistry registry) {
        this.registry = registry;
        registry.gauge("tributary.hub.connections", connections);
        this.batchAck = Timer.builder("tributary.hub.batch.ack")
                .description("Time from receiving a batch to sending its ack (includes the fsync)")
                .publishPercentiles(0.5, 0.99, 0.999)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        this.records = Counter.builder("tributary.hub.ingest.records")
                .description("Records acknowledged (new and duplicate)")
                .register(registry);
        this.bytes = Counter.builder("tributary.hub.ingest.bytes")
                .description("Batch payload bytes acknowledged")
                .register(registry);
        this.duplicates = Counter.builder("tributary.hub.duplicates.dropped")
                .description("Records received again and not stored twice")
                .register(registry);
        this.throttles = Counter.builder("tributary.hub.throttles")
                .description("Batches answered with Throttle")
                .register(registry);
        this.authFailures = Counter.builder("tributary.hub.auth.failures").register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void connectionOpened() {
        connections.incrementAndGet();
    }

    public void connectionClosed() {
        connections.decrementAndGet();
    }

    public void acked(int recordCount, int payloadBytes, int duplicateRecords, long startNanos) {
        batchAck.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
        records.increment(recordCount);
        bytes.increment(payloadBytes);
        if (duplicateRecords > 0) {
            duplicates.increment(duplicateRecords);
        }
    }

    public void throttled() {
        throttles.increment();
    }

    public void nacked(NackReason reason) {
        registry.counter("tributary.hub.nacks", "reason", reason.name()).increment();
    }

    public void refused(ErrorCode code) {
        registry.counter("tributary.hub.connections.refused", "code", code.name())
                .increment();
    }

    public void authFailure() {
        authFailures.increment();
    }
}
