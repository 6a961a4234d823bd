package io.tributary.edge.buffer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The buffer's storage state machine: accepting, or refusing new records because of a {@link StorageFault}, with the
 * schedule of the writer's recovery attempts (exponential backoff from {@link #FIRST_RETRY_MS} to {@link
 * #MAX_RETRY_MS}), the log lines an operator needs (when it went offline and why, each failed retry, when it
 * recovered and after how long) and its meters:
 *
 * <ul>
 *   <li>{@code tributary_edge_buffer_offline{cause}}: 1 while refusing for that cause, else 0;
 *   <li>{@code tributary_edge_buffer_refused_total{reason}}: appends refused while offline, by fault;
 *   <li>{@code tributary_edge_buffer_storage_errors_total{cause}}: failed writes, syncs and reopens;
 *   <li>{@code tributary_edge_buffer_storage_recoveries_total}: times it accepted again after a fault.
 * </ul>
 *
 * <p>Thread rules: the writer thread changes the state; any thread reads {@link #status()} and counts refusals.
 */
final class StorageHealth {

    private static final Logger LOG = LoggerFactory.getLogger(StorageHealth.class);
    static final long FIRST_RETRY_MS = 250;
    static final long MAX_RETRY_MS = 5_000;
    private static final String PREFIX = "tributary.edge.buffer.";

    private final Path directory;
    private final Clock clock;
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final Map<StorageFault, Counter> refused = new EnumMap<>(StorageFault.class);
    private final Map<StorageFault, Counter> errors = new EnumMap<>(StorageFault.class);
    private final Counter recoveries;
    private volatile BufferStatus status = BufferStatus.ACCEPTING;
    private long retryMs;
    private long nextAttemptMs;
    private long offlineAtMs;
    private boolean waitingLogged;

    /** {@code clock} only dates the fault for operators; retries are timed on the monotonic clock. */
    StorageHealth(Path directory, MeterRegistry registry, Clock clock) {
        this.directory = directory;
        this.clock = clock;
        this.registry = registry;
        for (StorageFault f : StorageFault.values()) {
            meters.add(Gauge.builder(PREFIX + "offline", this, h -> h.status.fault() == f ? 1 : 0)
                    .description("1 while the buffer refuses new records because of this storage fault")
                    .tag("cause", f.tag())
                    .register(registry));
            refused.put(
                    f,
                    track(Counter.builder(PREFIX + "refused")
                            .description("appends refused while the buffer's storage was offline, by fault")
                            .tag("reason", f.tag())
                            .register(registry)));
            errors.put(
                    f,
                    track(Counter.builder(PREFIX + "storage.errors")
                            .description("failed writes, syncs and reopens of the buffer log, by fault")
                            .tag("cause", f.tag())
                            .register(registry)));
        }
        recoveries = track(Counter.builder(PREFIX + "storage.recoveries")
                .description("times the buffer accepted records again after a storage fault, without a restart")
                .register(registry));
    }

    private Counter track(Counter c) {
        meters.add(c);
        return c;
    }

    BufferStatus status() {
        return status;
    }

    boolean accepting() {
        return status.fault() == null;
    }

    /** Counts a refused append and returns what it completes with; only while not accepting. */
    AppendOutcome refuse() {
        StorageFault f = status.fault();
        if (f == null) {
            throw new IllegalStateException("refuse() while accepting");
        }
        refused.get(f).increment();
        return f.outcome();
    }

    /** A write, sync or reopen failed: refuse, and try again after the backoff (at once for the first failure). */
    void failed(Throwable error, boolean logOpen) {
        long nowMs = monotonicMs();
        StorageFault f = StorageFault.of(error);
        errors.get(f).increment();
        BufferStatus was = status;
        String cause = String.valueOf(error.getMessage());
        if (was.fault() == null) {
            LOG.error(
                    "Edge buffer {} went OFFLINE ({}): {}. New records are refused (MQTT 5: 0x97, 3.1.1: ack"
                            + " withheld); everything acknowledged is kept and delivered; it recovers on its own"
                            + " (reopening its log with full recovery after a failed write)",
                    directory,
                    f.tag(),
                    cause,
                    error);
            retryMs = 0;
            offlineAtMs = nowMs;
        } else {
            retryMs = retryMs == 0 ? FIRST_RETRY_MS : Math.min(MAX_RETRY_MS, retryMs * 2);
            LOG.warn(
                    "Edge buffer {} still offline ({}): {}; next attempt in {} ms", directory, f.tag(), cause, retryMs);
        }
        status = new BufferStatus(f, logOpen, cause, was.fault() == null ? clock.millis() : was.sinceMs());
        nextAttemptMs = nowMs + retryMs;
        waitingLogged = false;
    }

    /** The log reopened: delivery and releases go on while new records are still refused. */
    void reopened(long records) {
        long nowMs = monotonicMs();
        BufferStatus s = status;
        status = new BufferStatus(s.fault(), true, s.cause(), s.sinceMs());
        retryMs = FIRST_RETRY_MS;
        nextAttemptMs = nowMs + retryMs;
        LOG.info(
                "Edge buffer {} log reopened after {} ({} records recovered): draining and releasing; new records"
                        + " stay refused until {}",
                directory,
                s.fault().tag(),
                records,
                s.fault() == StorageFault.DISK_FULL ? "space returns" : "the disk reserve is back in place");
    }

    /** Space is still short: check again after the backoff; logged once per wait. */
    void waitingForSpace(long freeBytes, long neededBytes) {
        long nowMs = monotonicMs();
        retryMs = Math.min(MAX_RETRY_MS, Math.max(FIRST_RETRY_MS, retryMs * 2));
        nextAttemptMs = nowMs + retryMs;
        if (!waitingLogged) {
            waitingLogged = true;
            LOG.warn(
                    "Edge buffer {} waits for free space: {} bytes free, {} needed to accept records again",
                    directory,
                    freeBytes,
                    neededBytes);
        }
    }

    /** Accepting again. */
    void recovered() {
        long nowMs = monotonicMs();
        BufferStatus s = status;
        status = BufferStatus.ACCEPTING;
        recoveries.increment();
        LOG.info(
                "Edge buffer {} is back ONLINE after {} ms offline ({}): accepting records again",
                directory,
                nowMs - offlineAtMs,
                s.fault().tag());
    }

    /** Milliseconds until the next recovery attempt is due (0 when due; only meaningful while offline). */
    long untilAttemptMs() {
        return Math.max(0, nextAttemptMs - monotonicMs());
    }

    private static long monotonicMs() {
        return System.nanoTime() / 1_000_000;
    }

    void close() {
        meters.forEach(registry::remove);
    }
}
