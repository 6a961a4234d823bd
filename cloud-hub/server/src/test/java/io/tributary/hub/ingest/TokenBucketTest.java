package io.tributary.hub.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Token-bucket arithmetic with explicit nanosecond times; no clock is read. */
class TokenBucketTest {
    private static final long MS = 1_000_000L;
    private static final long T0 = 5_000_000_000L;

    @Test
    void tryTake_fullBucket_grantsOneSecondsWorth() {
        TokenBucket b = new TokenBucket(100, T0);

        assertThat(b.tryTake(100, T0)).isZero();
    }

    @Test
    void tryTake_emptyBucket_answersTheMillisecondsUntilEnoughTokens() {
        TokenBucket b = new TokenBucket(100, T0);
        b.tryTake(100, T0);

        assertThat(b.tryTake(1, T0)).isEqualTo(10);
        assertThat(b.tryTake(20, T0)).isEqualTo(200);
    }

    @Test
    void tryTake_afterWaiting_isGrantedWhatAccrued() {
        TokenBucket b = new TokenBucket(100, T0);
        b.tryTake(100, T0);

        assertThat(b.tryTake(5, T0 + 50 * MS)).isZero();
        assertThat(b.tryTake(1, T0 + 50 * MS)).isEqualTo(10);
    }

    @Test
    void tryTake_afterLongIdle_burstIsCappedAtOneSecond() {
        TokenBucket b = new TokenBucket(100, T0);
        b.tryTake(100, T0);
        long later = T0 + 60_000 * MS;

        assertThat(b.tryTake(100, later)).isZero();
        assertThat(b.tryTake(1, later)).isEqualTo(10);
    }

    @Test
    void tryTake_requestLargerThanCapacityOnAFullBucket_isGrantedAndPaidBackLater() {
        TokenBucket b = new TokenBucket(100, T0);

        assertThat(b.tryTake(250, T0))
                .as("a big batch is slowed, not refused forever")
                .isZero();
        // 150 tokens in debt plus the one asked for: 1.51 s.
        assertThat(b.tryTake(1, T0)).isEqualTo(1510);
        assertThat(b.tryTake(1, T0 + 1510 * MS)).isZero();
    }

    @Test
    void tryTake_requestLargerThanCapacityOnAPartlyEmptyBucket_waitsUntilFull() {
        TokenBucket b = new TokenBucket(100, T0);
        b.tryTake(40, T0);

        assertThat(b.tryTake(500, T0)).isEqualTo(400);
        assertThat(b.tryTake(500, T0 + 400 * MS)).isZero();
    }

    @Test
    void tryTake_withAnEarlierTimeThanTheLastCall_takesNoTokensAway() {
        // Two connections of one agent read the clock, then race for the bucket's lock.
        TokenBucket b = new TokenBucket(100, T0);
        b.tryTake(50, T0 + 500 * MS);

        assertThat(b.tryTake(50, T0 + 400 * MS)).isZero();
        assertThat(b.tryTake(1, T0 + 500 * MS)).isEqualTo(10);
    }

    @Test
    void tryTake_smallRates_neverAnswerZeroWait() {
        TokenBucket b = new TokenBucket(1, T0);
        b.tryTake(1, T0);

        assertThat(b.tryTake(1, T0 + 999_999_999L)).isEqualTo(1);
    }
}
