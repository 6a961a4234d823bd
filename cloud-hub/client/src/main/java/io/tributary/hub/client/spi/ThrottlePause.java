package io.tributary.hub.client.spi;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link HubSession}'s throttle pause: until when it sends nothing (a {@code Throttle}'s {@code retry_after_ms}, or
 * {@link HubSession#pause}; a longer pause already in place stays), and the timer that ends it.
 *
 * <p>Thread rules: every method must be called on the session's <em>session thread</em>; the timer runs on the
 * session's executor.
 */
final class ThrottlePause {
    private final ScheduledExecutorService executor;
    private final Runnable resumed;
    private long pausedUntilNanos;
    private ScheduledFuture<?> resumeTimer;

    /** @param resumed runs on the executor when a pause ends */
    ThrottlePause(ScheduledExecutorService executor, Runnable resumed) {
        this.executor = executor;
        this.resumed = resumed;
    }

    /** How much longer the pause lasts, in nanoseconds; 0 when not paused. */
    long pausedNanos() {
        return Math.max(0, pausedUntilNanos - System.nanoTime());
    }

    /** Pauses for {@code millis}, unless a longer pause is in place; {@code resumed} runs after it. */
    void pause(long millis) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, millis));
        if (until <= pausedUntilNanos) {
            return;
        }
        pausedUntilNanos = until;
        if (resumeTimer != null) {
            resumeTimer.cancel(false);
        }
        resumeTimer = executor.schedule(
                () -> {
                    resumeTimer = null;
                    resumed.run();
                },
                Math.max(0, millis),
                TimeUnit.MILLISECONDS);
    }

    /** Cancels the timer: the session stopped. */
    void cancel() {
        if (resumeTimer != null) {
            resumeTimer.cancel(false);
            resumeTimer = null;
        }
    }
}
