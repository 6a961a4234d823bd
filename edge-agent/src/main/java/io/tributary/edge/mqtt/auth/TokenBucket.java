package io.tributary.edge.mqtt.auth;

/**
 * A token bucket that may go into debt: {@link #take} always succeeds and returns how long the caller should pause
 * so that the average stays at {@code rate} per second with bursts of at most {@code burst}. Debt rather than refusal
 * because packets already read from the socket are processed anyway; the pause (reads stopped) pays them back. One
 * connection's event loop only (not thread-safe).
 */
public final class TokenBucket {

    private final double ratePerNano;
    private final double burst;
    private double tokens;
    private long lastNanos;

    /** A full bucket at {@code nowNanos}. */
    public TokenBucket(double ratePerSecond, int burst, long nowNanos) {
        if (ratePerSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("rate must be > 0 and burst >= 1");
        }
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.lastNanos = nowNanos;
    }

    /** Takes one token; returns 0 when there was one, else the nanoseconds until the debt is paid back. */
    public long take(long nowNanos) {
        tokens = Math.min(burst, tokens + (nowNanos - lastNanos) * ratePerNano);
        lastNanos = nowNanos;
        tokens -= 1;
        return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / ratePerNano);
    }
}
