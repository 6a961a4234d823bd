package io.tributary.hub.client.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @RepeatedTest(20)
    void delaysDoubleWithJitterInTheUpperHalf_upToTheMax() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000));
        long[] bounds = {100, 200, 400, 800, 1000, 1000, 1000};
        for (long bound : bounds) {
            assertThat(b.nextDelayMillis()).isBetween(bound / 2, bound);
        }
        assertThat(b.attempts()).isEqualTo(bounds.length);
    }

    @Test
    void resetStartsAgainFromTheInitialDelay() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10));
        for (int i = 0; i < 10; i++) {
            b.nextDelayMillis();
        }
        b.reset();
        assertThat(b.attempts()).isZero();
        assertThat(b.nextDelayMillis()).isBetween(50L, 100L);
    }

    @Test
    void manyAttempts_neverOverflow_andStayAtTheMax() {
        Backoff b = new Backoff(Duration.ofMillis(1), Duration.ofSeconds(5));
        for (int i = 0; i < 200; i++) {
            assertThat(b.nextDelayMillis()).isBetween(0L, 5000L);
        }
        assertThat(b.nextDelayMillis()).isBetween(2500L, 5000L);
    }

    @Test
    void aZeroInitialDelay_isOneMillisecond_andAMaxBelowItIsRaised() {
        Backoff b = new Backoff(Duration.ZERO, Duration.ZERO);
        assertThat(b.nextDelayMillis()).isBetween(0L, 1L);
        assertThat(b.nextDelayMillis()).isBetween(0L, 1L);
    }
}
