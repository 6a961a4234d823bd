package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link WriteLoad#run}: counts, the window, the time limit and failures, with senders that complete on a timer. */
class WriteLoadTest {
    private final ScheduledExecutorService acks = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger mostInFlight = new AtomicInteger();
    private final AtomicInteger sent = new AtomicInteger();
    private final ConcurrentLinkedQueue<Integer> closed = new ConcurrentLinkedQueue<>();

    @AfterEach
    void stop() {
        acks.shutdownNow();
    }

    private static WriteLoad load(long rate, long timeLimitMs) {
        return new WriteLoad(4, 100, 100, 2, 3, "lz4", rate, TimeUnit.MILLISECONDS.toNanos(timeLimitMs));
    }

    /** A sender whose batches are acknowledged {@code ackMs} after they are sent, or fail when {@code fail}. */
    private WriteLoad.Sender sender(int thread, long ackMs, boolean fail) {
        return new WriteLoad.Sender() {
            @Override
            public Supplier<CompletableFuture<?>> prepare(int t, long chunk, long firstSeq, int n) {
                assertThat(t).isEqualTo(thread);
                return () -> {
                    sent.incrementAndGet();
                    mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    CompletableFuture<Void> f = new CompletableFuture<>();
                    acks.schedule(
                            () -> {
                                inFlight.decrementAndGet();
                                if (fail) {
                                    f.completeExceptionally(new IllegalStateException("refused"));
                                } else {
                                    f.complete(null);
                                }
                            },
                            ackMs,
                            TimeUnit.MILLISECONDS);
                    return f;
                };
            }

            @Override
            public void close() {
                closed.add(thread);
            }
        };
    }

    @Test
    @Timeout(30)
    void asFastAsAcked_everyRecordAndBatchCounted_windowPerThreadHeld() throws Exception {
        Recorder recorder = new Recorder(3);

        WriteLoad.Outcome outcome = load(0, 10_000).run(10_000, recorder, t -> sender(t, 1, false));

        assertThat(outcome).isEqualTo(new WriteLoad.Outcome(10_000, 100, false));
        Histogram latency = recorder.getIntervalHistogram();
        assertThat(latency.getTotalCount()).isEqualTo(100);
        assertThat(latency.getMinValue()).as("µs from send to ack").isGreaterThanOrEqualTo(900);
        assertThat(mostInFlight.get()).as("2 threads x window 3").isBetween(2, 6);
        assertThat(closed).containsExactlyInAnyOrder(0, 1);
    }

    @Test
    @Timeout(30)
    void paced_offersTheRateAndStopsAtTheTimeLimitWithoutSendingMore() throws Exception {
        Recorder recorder = new Recorder(3);
        long start = System.nanoTime();

        // 2,000 records/s for at most 300 ms: about 600 of the 100,000 records, in batches of 100.
        WriteLoad.Outcome outcome = load(2_000, 300).run(100_000, recorder, t -> sender(t, 1, false));

        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(outcome.timeUp()).isTrue();
        assertThat(outcome.acked()).isBetween(200L, 1_000L).isEqualTo(outcome.batches() * 100);
        assertThat(sent.get())
                .as("a batch prepared when the time was up is not sent")
                .isEqualTo(outcome.batches());
        assertThat(seconds).isBetween(0.25, 5.0);
    }

    @Test
    @Timeout(30)
    void failedBatch_runThrowsWithTheFirstFailure() {
        assertThatThrownBy(() -> load(0, 10_000).run(1_000, new Recorder(3), t -> sender(t, 1, t == 1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("500 records")
                .hasRootCauseMessage("refused");
    }
}
