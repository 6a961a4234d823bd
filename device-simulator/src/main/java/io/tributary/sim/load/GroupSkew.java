package io.tributary.sim.load;

import java.util.SplittableRandom;

/**
 * Chooses the device group of the next publish with a Zipf-like distribution: group {@code k} (0-based) gets a
 * share proportional to {@code 1 / (k + 1)^exponent}. Exponent 0 is uniform; 1 is classic Zipf (with 10 groups the
 * first gets about 34% of the traffic).
 *
 * <p>Threads: immutable apart from the caller-supplied random, which must be confined to the caller's thread.
 */
public final class GroupSkew {

    private final double[] cumulative;

    public GroupSkew(int groups, double exponent) {
        if (groups < 1) {
            throw new IllegalArgumentException("groups must be >= 1: " + groups);
        }
        if (!(exponent >= 0) || Double.isInfinite(exponent)) {
            throw new IllegalArgumentException("skew exponent must be a finite number >= 0: " + exponent);
        }
        cumulative = new double[groups];
        double sum = 0;
        for (int k = 0; k < groups; k++) {
            sum += 1.0 / Math.pow(k + 1, exponent);
            cumulative[k] = sum;
        }
        for (int k = 0; k < groups; k++) {
            cumulative[k] /= sum;
        }
        cumulative[groups - 1] = 1.0;
    }

    public int groups() {
        return cumulative.length;
    }

    /** The expected share of traffic of {@code group}, in [0, 1]. */
    public double share(int group) {
        return group == 0 ? cumulative[0] : cumulative[group] - cumulative[group - 1];
    }

    /** Draws a group. */
    public int next(SplittableRandom random) {
        double u = random.nextDouble();
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > u) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }
}
