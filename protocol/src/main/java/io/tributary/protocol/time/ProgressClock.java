package io.tributary.protocol.time;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wall time for deciding that a period of wall time is over (an aggregation window plus its grace), which never goes
 * back: it follows the wall clock while the wall clock moves forward, but when the wall clock is set back it keeps
 * counting from where it was at monotonic speed until the wall clock catches up. A clock set back by hours therefore
 * does not hold windows open for hours. The mirror of {@link ExpiryClock}, which never runs ahead.
 *
 * <p>Readings within {@link #TOLERANCE} behind are followed (NTP's slewing), and what is returned never decreases. A
 * set-back is logged at WARN (at most once a minute per process). Thread-safe.
 */
public final class ProgressClock {
    /** How far the wall clock may fall behind the time that passed and still be followed. */
    public static final Duration TOLERANCE = Duration.ofSeconds(2);

    private static final Logger log = LoggerFactory.getLogger(ProgressClock.class);
    private static final AtomicLong lastWarnNanos = new AtomicLong(System.nanoTime() - 120_000_000_000L);

    private final Clock wall;
    private final Ticker ticker;
    private long anchorWall;
    private long anchorTick;
    private long last;

    public ProgressClock(Clock wall) {
        this.wall = wall;
        this.ticker = Ticker.of(wall);
        this.anchorWall = wall.millis();
        this.anchorTick = ticker.monotonicMillis();
        this.last = anchorWall;
    }

    /** The wall clock's time, unless it was set back (then later: where it was plus the time that passed). */
    public synchronized long millis() {
        long now = wall.millis();
        long tick = ticker.monotonicMillis();
        long continued = anchorWall + (tick - anchorTick);
        if (now >= continued - TOLERANCE.toMillis()) {
            anchorWall = now;
            anchorTick = tick;
            last = Math.max(last, now);
            return last;
        }
        anchorWall = continued;
        anchorTick = tick;
        warn(continued - now);
        last = Math.max(last, continued);
        return last;
    }

    private static void warn(long behindMs) {
        long t = System.nanoTime();
        long previous = lastWarnNanos.get();
        if (t - previous >= 60_000_000_000L && lastWarnNanos.compareAndSet(previous, t)) {
            log.warn(
                    "the wall clock is {} ms behind the time that passed (set back?): aggregation windows close on"
                            + " real time instead of waiting for the clock to catch up",
                    behindMs);
        }
    }
}
