package io.tributary.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Recorder;

/**
 * A write load's acknowledgements: records acknowledged and failed, the first failure, and each batch's ack latency
 * (µs) in a {@link Recorder}. Thread-safe: batches complete on client threads.
 */
final class AckTally {
    private final Recorder latency;
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Throwable> firstError = new AtomicReference<>();

    AckTally(Recorder latency) {
        this.latency = latency;
    }

    /**
     * Counts {@code records} as acknowledged (recording the time since {@code sentNanos}) or failed when {@code ack}
     * completes, then releases one permit of {@code window}.
     */
    void track(CompletableFuture<?> ack, int records, long sentNanos, Semaphore window) {
        ack.whenComplete((v, e) -> {
            if (e != null) {
                fail(records, e);
            } else {
                acked.addAndGet(records);
                batches.incrementAndGet();
                latency.recordValue(Math.max(1, (System.nanoTime() - sentNanos) / 1000));
            }
            window.release();
        });
    }

    /** Counts {@code records} (a whole load thread: 1) as failed by {@code cause}. */
    void fail(long records, Throwable cause) {
        failed.addAndGet(records);
        firstError.compareAndSet(null, cause);
    }

    long acked() {
        return acked.get();
    }

    /** Batches acknowledged. */
    long batches() {
        return batches.get();
    }

    /** @throws IllegalStateException when anything failed, with the first failure as its cause */
    void throwIfFailed() {
        if (failed.get() > 0) {
            Throwable cause = firstError.get();
            throw new IllegalStateException(failed.get() + " records (or load threads) failed, first: " + cause, cause);
        }
    }
}
