package io.tributary.protocol.time;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProgressClockTest {
    private static final long HOUR = 3_600_000L;

    private final TestClock clock = new TestClock();
    private final ProgressClock progress = new ProgressClock(clock);

    @Test
    void followsTheWallClock_whileItMovesForward_includingAForwardJump() {
        long start = clock.wall;
        assertThat(progress.millis()).isEqualTo(start);
        clock.pass(1_000);
        assertThat(progress.millis()).isEqualTo(start + 1_000);
        clock.wall += 3 * HOUR;
        assertThat(progress.millis()).isEqualTo(start + 1_000 + 3 * HOUR);
    }

    @Test
    void setBack_keepsCountingRealTime_untilTheWallClockCatchesUp() {
        long start = clock.wall;
        clock.wall -= 3 * HOUR;
        assertThat(progress.millis()).isEqualTo(start);
        clock.pass(10_000);
        assertThat(progress.millis()).isEqualTo(start + 10_000);
        clock.wall = start + 20_000; // caught up (and ahead of where counting would be): follows it again
        assertThat(progress.millis()).isEqualTo(start + 20_000);
    }

    @Test
    void slewedSlightlyBack_withinTolerance_followedButNeverDecreasing() {
        long start = clock.wall;
        clock.pass(1_000);
        assertThat(progress.millis()).isEqualTo(start + 1_000);
        clock.wall -= 500; // within the tolerance: followed, but what is returned does not go back
        assertThat(progress.millis()).isEqualTo(start + 1_000);
        clock.pass(1_000);
        assertThat(progress.millis()).isEqualTo(start + 1_500);
    }
}
