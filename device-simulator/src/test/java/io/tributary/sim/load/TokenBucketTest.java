package io.tributary.sim.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

    private static final long MS = 1_000_000L;
    private final AtomicLong now = new AtomicLong(1_000 * MS);

    private long spendEveryMs(TokenBucket bucket, int ticks) {
        long spent = 0;
        for (int i = 0; i < ticks; i++) {
            now.addAndGet(MS);
            long n = bucket.refill();
            bucket.consume(n);
            spent += n;
        }
        return spent;
    }

    @Test
    void constantRate_oneSecondOfTicks_releasesRate() {
        TokenBucket bucket = new TokenBucket(new RateProfile.Constant(1500), now::get, 0.1);
        assertThat(spendEveryMs(bucket, 1000)).isBetween(1499L, 1500L);
    }

    @Test
    void stalledTick_afterLongPause_burstCappedAtBurstSeconds() {
        TokenBucket bucket = new TokenBucket(new RateProfile.Constant(1000), now::get, 0.1);
        now.addAndGet(5_000 * MS);
        assertThat(bucket.refill()).isEqualTo(100);
    }

    @Test
    void unspentTokens_backPressure_keptUpToCap() {
        TokenBucket bucket = new TokenBucket(new RateProfile.Constant(1000), now::get, 1.0);
        now.addAndGet(300 * MS);
        assertThat(bucket.refill()).isEqualTo(300);
        now.addAndGet(300 * MS);
        assertThat(bucket.refill()).isEqualTo(600);
        assertThatThrownBy(() -> bucket.consume(601)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ramp_zeroToThousandOverTwoSeconds_releasesArea() {
        TokenBucket bucket = new TokenBucket(new RateProfile.Ramp(0, 1000, 2_000 * MS), now::get, 0.1);
        // Area under the ramp: 1/2 * 2 s * 1000/s = 1000; then one more second at 1000/s.
        assertThat(spendEveryMs(bucket, 2000)).isBetween(995L, 1000L);
        assertThat(spendEveryMs(bucket, 1000)).isBetween(999L, 1001L);
    }

    @Test
    void bursty_onOffHalfSecond_releasesHalf() {
        TokenBucket bucket = new TokenBucket(new RateProfile.Bursty(1000, 500 * MS, 500 * MS), now::get, 0.1);
        assertThat(spendEveryMs(bucket, 500)).isBetween(499L, 500L);
        assertThat(spendEveryMs(bucket, 500)).isLessThanOrEqualTo(1L);
        assertThat(spendEveryMs(bucket, 500)).isBetween(499L, 501L);
    }
}
