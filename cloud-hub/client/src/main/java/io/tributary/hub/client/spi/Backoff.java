package io.tributary.hub.client.spi;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: attempt n (from 0) waits a random time in [b/2, b], where b = min(max, initial *
 * 2^n), so delays grow, never collapse to zero, and clients that lost one hub together do not come back in step.
 * {@link HubSession} uses one per link (reset on a good connection); agents may use their own for retries of their
 * own, e.g. per lane after a refusal.
 *
 * <p>Thread rules: not thread-safe; one instance per retry loop, used from one thread at a time.
 */
public final class Backoff {
    private final long initialMillis;
    private final long maxMillis;
    private int attempt;

    public Backoff(Duration initial, Duration max) {
        this.initialMillis = Math.max(1, initial.toMillis());
        this.maxMillis = Math.max(initialMillis, max.toMillis());
    }

    /** The delay before the next attempt, in milliseconds; counts an attempt. */
    public long nextDelayMillis() {
        long cap = initialMillis << Math.min(attempt, 30);
        attempt++;
        long bound = Math.min(maxMillis, cap);
        return bound / 2 + ThreadLocalRandom.current().nextLong(bound / 2 + 1);
    }

    /** Starts again from the initial delay (after a success). */
    public void reset() {
        attempt = 0;
    }

    /** Attempts counted since the last {@link #reset()}. */
    public int attempts() {
        return attempt;
    }
}
