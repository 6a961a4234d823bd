package io.tributary.protocol.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ExpiryClockTest {
    private static final long HOUR = 3_600_000L;

    /** Wall and monotonic time set by the test (test-support's MutableClock cannot be used here: it depends on us). */
    private static final class TestClock extends Clock implements Ticker {
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

    private final TestClock clock = new TestClock();
    private final ExpiryClock expiry = new ExpiryClock(clock);

    @Test
    void followsTheWallClock_whileTheyAgree_includingSmallSlews() {
        long start = clock.wall;
        clock.pass(10_000);
        assertThat(expiry.millis()).isEqualTo(start + 10_000);
        clock.wall += 1_500; // NTP slewing or a small step: within the tolerance
        assertThat(expiry.millis()).isEqualTo(clock.wall);
    }

    @Test
    void wallClockSetForward_expiryCountsRealTimeOnly() {
        long start = clock.wall;
        clock.wall += 3 * HOUR;
        assertThat(expiry.millis()).isEqualTo(start);
        clock.pass(60_000);
        assertThat(expiry.millis()).as("a minute really passed").isEqualTo(start + 60_000);
    }

    @Test
    void wallClockSetBack_isFollowed() {
        clock.wall -= 3 * HOUR;
        assertThat(expiry.millis()).isEqualTo(clock.wall);
        clock.pass(1_000);
        assertThat(expiry.millis()).isEqualTo(clock.wall);
    }

    @Test
    void afterAForwardJump_aLaterSetBackIsFollowedAgain() {
        long start = clock.wall;
        clock.wall += 3 * HOUR;
        assertThat(expiry.millis()).isEqualTo(start);
        clock.wall -= 3 * HOUR; // the jump is undone
        clock.pass(5_000);
        assertThat(expiry.millis()).isEqualTo(start + 5_000).isEqualTo(clock.wall);
    }
}
