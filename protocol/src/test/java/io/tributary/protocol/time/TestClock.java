package io.tributary.protocol.time;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** Wall and monotonic time set by the test (test-support's MutableClock cannot be used here: it depends on us). */
final class TestClock extends Clock implements Ticker {
    long wall = 1_800_000_000_000L;
    long mono;

    void pass(long ms) {
        wall += ms;
        mono += ms;
    }

    @Override
    public long nanos() {
        return mono * 1_000_000L;
    }

    @Override
    public long millis() {
        return wall;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(wall);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
