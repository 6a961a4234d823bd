package io.tributary.protocol.time;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wall time for deciding that stored data has expired (retention, time to live), which never runs ahead of the time
 * that really passed: it follows the wall clock while the two agree (within {@link #TOLERANCE}, so NTP's slewing is
 * followed) and when the wall clock is set back, but when the wall clock is set forward it keeps counting from where
 * it was at monotonic speed. A clock set forward by hours therefore does not delete hours of data early — the data
 * is kept that much longer instead (until the process restarts and starts from the wall clock again); the jump is
 * logged at WARN (at most once a minute per process).
 *
 * <p>Timestamps written with the data (append and receive times) still come from the wall clock: they are compared
 * with other machines' clocks and must survive a restart.
 *
 * <p>Thread-safe.
 */
public final class ExpiryClock {
    /** How far the wall clock may run ahead of monotonic time between two readings and still be followed. */
    public static final Duration TOLERANCE = Duration.ofSeconds(2);

    private static final Logger log = LoggerFactory.getLogger(ExpiryClock.class);
    private static final AtomicLong lastWarnNanos = new AtomicLong(System.nanoTime() - 120_000_000_000L);

    private final Clock wall;
    private final Ticker ticker;
    private long anchorWall;
    private long anchorTick;

    public ExpiryClock(Clock wall) {
        this.wall = wall;
        this.ticker = Ticker.of(wall);
        this.anchorWall = wall.millis();
        this.anchorTick = ticker.monotonicMillis();
    }

    /** The time to compare expiry deadlines with: the wall clock's, unless it was set forward (then earlier). */
    public synchronized long millis() {
        long now = wall.millis();
        long tick = ticker.monotonicMillis();
        long bound = anchorWall + (tick - anchorTick);
        if (now <= bound + TOLERANCE.toMillis()) {
            anchorWall = now;
            anchorTick = tick;
            return now;
        }
        anchorWall = bound;
        anchorTick = tick;
        warn(now - bound);
        return bound;
    }

    private static void warn(long aheadMs) {
        long t = System.nanoTime();
        long last = lastWarnNanos.get();
        if (t - last >= 60_000_000_000L && lastWarnNanos.compareAndSet(last, t)) {
            log.warn(
                    "the wall clock is {} ms ahead of the time that passed (set forward?): retention and time-to-live"
                            + " count from real time, so data is kept that much longer rather than deleted early",
                    aheadMs);
        }
    }
}
