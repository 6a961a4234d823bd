package io.tributary.hub.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.protocol.log.LogRateLimiter;
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
    private final Counter writerRedirects;
    private final LogRateLimiter peerLog;

    public HubMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("tributary.hub.connections", connections, AtomicInteger::get)
                .description("Open protocol connections (agents, producers, consumers, admin, replication)")
                .register(registry);
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
        this.authFailures = Counter.builder("tributary.hub.auth.failures")
                .description("Handshakes refused for a missing or wrong token")
                .register(registry);
        this.writerRedirects = Counter.builder("tributary.hub.writer.redirects")
                .description("Batches answered NOT_HOME because another hub writes their shard (a store several hubs"
                        + " share); also counted in tributary_hub_nacks_total")
                .register(registry);
        // every reason and code registered up front: the series exist (at 0) before the first nack or refusal, so
        // that increase() and the alert rules see the first one
        for (NackReason reason : NackReason.values()) {
            if (reason != NackReason.NACK_REASON_UNSPECIFIED && reason != NackReason.UNRECOGNIZED) {
                nacks(reason);
            }
        }
        for (ErrorCode code : ErrorCode.values()) {
            if (code != ErrorCode.ERROR_CODE_UNSPECIFIED && code != ErrorCode.UNRECOGNIZED) {
                refusals(code);
            }
        }
        for (String category : PeerLog.CATEGORIES) {
            logSuppressed(category);
        }
        this.peerLog = LogRateLimiter.withDefaults(
                PeerLog.CATEGORIES, category -> logSuppressed(category).increment());
    }

    /** The rate limit of log lines peers can cause; categories in {@link PeerLog}. */
    public LogRateLimiter peerLog() {
        return peerLog;
    }

    private Counter logSuppressed(String category) {
        return Counter.builder("tributary.hub.log.suppressed")
                .description("Log lines about misbehaving peers left out by the rate limit, by category")
                .tag("category", category)
                .register(registry);
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

    /** A batch was sent on to the hub that writes its shard; {@link #nacked} counts the nack itself. */
    public void writerRedirect() {
        writerRedirects.increment();
    }

    public void nacked(NackReason reason) {
        nacks(reason).increment();
    }

    public void refused(ErrorCode code) {
        refusals(code).increment();
    }

    private Counter nacks(NackReason reason) {
        return Counter.builder("tributary.hub.nacks")
                .description("Batches refused with a Nack, by reason")
                .tag("reason", reason.name())
                .register(registry);
    }

    private Counter refusals(ErrorCode code) {
        return Counter.builder("tributary.hub.connections.refused")
                .description("Connections closed with an Error frame, by code")
                .tag("code", code.name())
                .register(registry);
    }

    public void authFailure() {
        authFailures.increment();
    }
}
