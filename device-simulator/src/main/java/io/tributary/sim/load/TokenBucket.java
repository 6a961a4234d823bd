package io.tributary.sim.load;

import java.util.function.LongSupplier;

/**
 * Paces publishes: each {@link #refill()} adds {@code rate x elapsed} tokens (rate from a {@link RateProfile} at
 * the current time), capped at {@code burstSeconds} worth of the current rate (at least one token), so a stalled
 * tick cannot release an unbounded burst afterwards. The caller spends whole tokens with {@link #consume}; tokens it
 * cannot spend (back-pressure) stay until the cap.
 *
 * <p>Threads: confined to the pacing thread. The clock is injected ({@code nanoTime}-like) for tests.
 */
public final class TokenBucket {

    private final RateProfile profile;
    private final LongSupplier nanoClock;
    private final double burstSeconds;
    private final long startNanos;
    private long lastNanos;
    private double tokens;

    public TokenBucket(RateProfile profile, LongSupplier nanoClock, double burstSeconds) {
        if (!(burstSeconds > 0)) {
            throw new IllegalArgumentException("burstSeconds must be positive: " + burstSeconds);
        }
        this.profile = profile;
        this.nanoClock = nanoClock;
        this.burstSeconds = burstSeconds;
        this.startNanos = nanoClock.getAsLong();
        this.lastNanos = startNanos;
    }

    /** Adds the tokens earned since the previous refill and returns the whole tokens available. */
    public long refill() {
        long now = nanoClock.getAsLong();
        long dt = now - lastNanos;
        if (dt > 0) {
            // The rate at the middle of the step integrates a linear ramp exactly.
            double rate = profile.ratePerSecond(lastNanos - startNanos + dt / 2);
            double cap = Math.max(1.0, rate * burstSeconds);
            tokens = Math.min(cap, tokens + rate * dt / 1e9);
            lastNanos = now;
        }
        return available();
    }

    /** Whole tokens available without refilling. */
    public long available() {
        return (long) Math.floor(tokens);
    }

    /** Spends {@code n} tokens; {@code n} must not exceed {@link #available()}. */
    public void consume(long n) {
        if (n < 0 || n > available()) {
            throw new IllegalArgumentException("cannot consume " + n + " of " + available() + " tokens");
        }
        tokens -= n;
    }

    /** Nanoseconds since the bucket was created. */
    public long elapsedNanos() {
        return nanoClock.getAsLong() - startNanos;
    }
}
