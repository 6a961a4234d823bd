package io.tributary.protocol.time;

import java.time.Clock;

/**
 * A monotonic time source, for durations: timeouts, liveness, schedules. Timestamps that are stored or compared with
 * other machines' (append times, retention, event times) come from a {@link Clock}; a wall clock may jump by hours
 * (NTP, a gateway without RTC booting at 1970, an operator), and a duration measured on it then expires leases at
 * once or never. Rule: subtract only ticker readings.
 *
 * <p>{@link #of(Clock)} lets a component keep taking one {@code Clock}: in production it gets {@link #SYSTEM}; a test
 * clock that also implements {@code Ticker} (test-support's {@code MutableClock}) moves both, and can jump its wall
 * time alone. Thread-safe.
 */
@FunctionalInterface
public interface Ticker {
    /** {@link System#nanoTime()}. */
    Ticker SYSTEM = System::nanoTime;

    /** Nanoseconds from an arbitrary origin; only differences mean anything. */
    long nanos();

    /**
     * Milliseconds from the same origin as {@link #nanos()}. (Not {@code millis()}: a test clock is a {@link Clock}
     * too, and {@code Clock.millis()} is wall time.)
     */
    default long monotonicMillis() {
        return nanos() / 1_000_000L;
    }

    /** The ticker that goes with {@code clock}: the clock itself when it is one, else {@link #SYSTEM}. */
    static Ticker of(Clock clock) {
        return clock instanceof Ticker t ? t : SYSTEM;
    }
}
