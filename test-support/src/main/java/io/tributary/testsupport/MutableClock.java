package io.tributary.testsupport;

import io.tributary.protocol.time.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when a test tells it to; shared by the hub's and the edge agent's tests. It is also the
 * {@link Ticker} of the code under test ({@link Ticker#of}): {@link #advance} moves wall time and monotonic time
 * together, {@link #jump} moves wall time alone, as NTP or an operator does. Millisecond precision. Thread-safe.
 */
public final class MutableClock extends Clock implements Ticker {
    private final AtomicLong millis;
    private final AtomicLong monotonicMillis = new AtomicLong();

    public MutableClock(long startMillis) {
        this.millis = new AtomicLong(startMillis);
    }

    /** Time passes: wall and monotonic time move by {@code d}. */
    public void advance(Duration d) {
        monotonicMillis.addAndGet(d.toMillis());
        millis.addAndGet(d.toMillis());
    }

    /** The wall clock is set: it moves by {@code d} (negative: backwards), monotonic time does not. */
    public void jump(Duration d) {
        millis.addAndGet(d.toMillis());
    }

    @Override
    public long nanos() {
        return monotonicMillis.get() * 1_000_000L;
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /** The code under test only reads instants, so the zone is reported as UTC whatever is asked; time stays shared. */
    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
