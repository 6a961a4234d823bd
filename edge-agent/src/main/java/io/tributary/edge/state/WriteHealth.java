package io.tributary.edge.state;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;

/**
 * Whether one of the edge's durable state stores (retained messages, persistent sessions, device registry) can write
 * its journal: failing from a failed commit until the next one that succeeds. The agent's {@code /health} is not
 * green while any store fails. Each failure is also counted in {@code
 * tributary_edge_state_write_failures_total{store}}; the store logs it and refuses (or, for the registry, keeps for
 * the next flush) the changes the commit carried.
 *
 * <p>Thread-safe: stores report from their writer threads, health readers read {@link #status} from any thread.
 */
public final class WriteHealth {

    /**
     * One store's state for health output.
     *
     * @param store the store's name: {@code retained}, {@code sessions}, {@code registry}
     * @param ok false from a failed commit until the next successful one
     * @param failures failed commits since start
     * @param lastError the newest failure's message, empty when there was none
     * @param failingSinceMs wall-clock time of the first failure of the current failing period; 0 when ok
     */
    public record Status(String store, boolean ok, long failures, String lastError, long failingSinceMs) {}

    private final Counter failures;
    private final Clock clock;
    private volatile Status status;

    public WriteHealth(String store, MeterRegistry registry) {
        this(store, registry, Clock.systemUTC());
    }

    public WriteHealth(String store, MeterRegistry registry, Clock clock) {
        this.clock = clock;
        this.failures = Counter.builder("tributary.edge.state.write.failures")
                .description("Commits of an edge state store (retained, sessions, registry) that failed to reach disk;"
                        + " their changes were refused or, for the registry, kept for the next flush")
                .tag("store", store)
                .register(registry);
        this.status = new Status(store, true, 0, "", 0);
    }

    /** A commit failed with {@code error}. */
    public synchronized void failed(Throwable error) {
        failures.increment();
        Status s = status;
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.toString();
        status = new Status(s.store(), false, s.failures() + 1, message, s.ok() ? clock.millis() : s.failingSinceMs());
    }

    /** A commit reached disk: the store is healthy again. */
    public void succeeded() {
        if (!status.ok()) {
            synchronized (this) {
                Status s = status;
                status = new Status(s.store(), true, s.failures(), s.lastError(), 0);
            }
        }
    }

    public Status status() {
        return status;
    }
}
