package io.tributary.protocol.time;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExpiryClockTest {
    private static final long HOUR = 3_600_000L;

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
