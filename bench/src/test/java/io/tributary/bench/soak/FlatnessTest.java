package io.tributary.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.bench.soak.Flatness.Tolerance;
import io.tributary.bench.soak.Flatness.Verdict;
import org.junit.jupiter.api.Test;

class FlatnessTest {
    private static final Tolerance TEN_PERCENT = new Tolerance(0.10, 0);

    @Test
    void noisyButLevelSeries_isFlat() {
        double[] v = {100, 103, 98, 101, 99, 104, 97, 102};
        Verdict verdict = Flatness.judge("rss", v, 0, TEN_PERCENT);
        assertThat(verdict.flat()).as(verdict.reason()).isTrue();
        assertThat(verdict.first()).isEqualTo(101.5);
        assertThat(verdict.last()).isEqualTo(99.5);
    }

    @Test
    void steadyGrowth_isNotFlat() {
        // +5 % a sample: a leak; the last quarter is well beyond 10 % over the first.
        double[] v = {100, 105, 110, 116, 122, 128, 134, 141};
        Verdict verdict = Flatness.judge("heap", v, 0, TEN_PERCENT);
        assertThat(verdict.flat()).isFalse();
        assertThat(verdict.reason()).contains("GREW");
    }

    @Test
    void warmUpGrowth_isLeftOut() {
        double[] v = {10, 40, 80, 100, 101, 99, 100, 102, 100, 101};
        assertThat(Flatness.judge("disk", v, 3, TEN_PERCENT).flat()).isTrue();
        assertThat(Flatness.judge("disk", v, 0, TEN_PERCENT).flat()).isFalse();
    }

    @Test
    void absoluteSlack_allowsSmallSteps_butNotMore() {
        double[] threads = {40, 40, 40, 40, 42, 42, 42, 42};
        assertThat(Flatness.judge("threads", threads, 0, new Tolerance(0, 2)).flat())
                .isTrue();
        assertThat(Flatness.judge("threads", threads, 0, new Tolerance(0, 1)).flat())
                .isFalse();
    }

    @Test
    void shrinking_isFlat() {
        double[] v = {200, 190, 150, 120, 110, 100, 100, 100};
        assertThat(Flatness.judge("heap", v, 0, TEN_PERCENT).flat()).isTrue();
    }

    @Test
    void tooFewSamplesAfterWarmUp_isNotFlat() {
        Verdict verdict = Flatness.judge("fds", new double[] {1, 1, 1, 1, 1}, 2, TEN_PERCENT);
        assertThat(verdict.flat()).isFalse();
        assertThat(verdict.reason()).contains("3 samples");
    }

    @Test
    void missingSample_isNotFlat() {
        double[] v = {100, 100, -1, 100, 100};
        Verdict verdict = Flatness.judge("fds", v, 0, TEN_PERCENT);
        assertThat(verdict.flat()).isFalse();
        assertThat(verdict.reason()).contains("could not be taken");
        assertThat(Flatness.judge("fds", new double[] {1, Double.NaN, 1, 1}, 0, TEN_PERCENT)
                        .flat())
                .isFalse();
    }

    @Test
    void negativeTolerance_isRefused() {
        assertThatThrownBy(() -> new Tolerance(-0.1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
