package io.tributary.hub.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter: attempt n waits a random time in [0, min(max, initial * 2^n)]. Not
 * thread-safe; one per retry loop.
 */
public final class Backoff {
    private final long initialMillis;
    private final long maxMillis;
    private int attempt;

    public Backoff(Duration initial, Duration max) {
        this.initialMillis = Math.max(1, initial.toMillis());
        this.maxMillis = Math.max(initialMillis, max.toMillis());
    }

    /** The delay before the next attempt. */
    public long nextDelayMillis() {
        long cap = initialMillis << Math.min(attempt, 30);
        attempt++;
        long bound = Math.min(maxMillis, cap);
        return bound / 2 + ThreadLocalRandom.current().nextLong(bound / 2 + 1);
    }

    public void reset() {
        attempt = 0;
    }

    public int attempts() {
        return attempt;
    }
}
