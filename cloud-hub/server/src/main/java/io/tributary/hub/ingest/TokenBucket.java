package io.tributary.hub.ingest;

/**
 * A token bucket for per-agent quotas: {@code rate} tokens per second, bursts up to one second's worth. Thread-safe
 * (synchronized; contention is per agent, and an agent's batches arrive on one or a few connections).
 */
final class TokenBucket {
    private final double ratePerNano;
    private final double capacity;
    private double tokens;
    private long lastNanos;

    TokenBucket(long ratePerSecond, long nowNanos) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.capacity = ratePerSecond;
        this.tokens = capacity;
        this.lastNanos = nowNanos;
    }

    /**
     * Takes {@code n} tokens if they are there (a request larger than the capacity is allowed when the bucket is full,
     * so big batches are slowed, not refused forever).
     *
     * @return 0 when taken, otherwise the milliseconds to wait before asking again
     */
    synchronized long tryTake(long n, long nowNanos) {
        // Callers read the clock before taking the lock, so a caller may arrive with an earlier time than the last
        // one: that is no time passing, not negative time that takes tokens away.
        long elapsed = Math.max(0, nowNanos - lastNanos);
        tokens = Math.min(capacity, tokens + elapsed * ratePerNano);
        lastNanos += elapsed;
        if (tokens >= n || tokens >= capacity) {
            tokens -= n;
            return 0;
        }
        double missing = Math.min(n, capacity) - tokens;
        return Math.max(1, (long) Math.ceil(missing / ratePerNano / 1e6));
    }
}
