package io.tributary.sim.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GroupSkewTest {

    private static double[] draw(GroupSkew skew, int n) {
        SplittableRandom random = new SplittableRandom(7);
        double[] shares = new double[skew.groups()];
        for (int i = 0; i < n; i++) {
            shares[skew.next(random)]++;
        }
        for (int g = 0; g < shares.length; g++) {
            shares[g] /= n;
        }
        return shares;
    }

    @Test
    void exponentZero_draws_uniform() {
        double[] shares = draw(new GroupSkew(10, 0), 100_000);
        for (double s : shares) {
            assertThat(s).isCloseTo(0.1, within(0.01));
        }
    }

    @Test
    void exponentOne_draws_followZipfShares() {
        GroupSkew skew = new GroupSkew(10, 1);
        double harmonic = 0;
        for (int k = 1; k <= 10; k++) {
            harmonic += 1.0 / k;
        }
        assertThat(skew.share(0)).isCloseTo(1 / harmonic, within(1e-9));
        double[] shares = draw(skew, 100_000);
        for (int g = 0; g < 10; g++) {
            assertThat(shares[g]).isCloseTo(skew.share(g), within(0.01));
        }
        assertThat(shares[0]).isGreaterThan(shares[1]).isGreaterThan(shares[9] * 5);
    }

    @Test
    void sameSeed_draws_sameSequence() {
        GroupSkew skew = new GroupSkew(5, 1.2);
        SplittableRandom a = new SplittableRandom(3);
        SplittableRandom b = new SplittableRandom(3);
        for (int i = 0; i < 1000; i++) {
            assertThat(skew.next(a)).isEqualTo(skew.next(b));
        }
    }
}
