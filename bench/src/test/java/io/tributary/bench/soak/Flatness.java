package io.tributary.bench.soak;

import java.util.Arrays;

/**
 * The soak run's rule for "this measure stays flat". The samples taken during the warm-up (JIT, pools filling, the
 * stream's disk use growing until retention starts deleting segments) are left out; of the rest, the mean of the last
 * quarter is compared with the mean of the first quarter. The measure is flat when
 *
 * <pre>last-quarter mean &lt;= first-quarter mean x (1 + relative) + absolute</pre>
 *
 * Only growth fails: a measure that shrinks is not a leak. Fewer than 4 samples after the warm-up, or a sample that
 * could not be taken (negative or NaN), is not flat either, so a run too short to judge or a broken sampler fails
 * instead of passing silently.
 */
final class Flatness {
    private Flatness() {}

    /**
     * How much a measure may grow.
     *
     * @param relative fraction of the first-quarter mean, such as 0.2 for 20 %
     * @param absolute slack in the measure's unit (bytes, threads, descriptors), for small or step-wise measures
     */
    record Tolerance(double relative, double absolute) {
        Tolerance {
            if (relative < 0 || absolute < 0) {
                throw new IllegalArgumentException("tolerance must not be negative: " + relative + ", " + absolute);
            }
        }

        @Override
        public String toString() {
            return String.format("+%.0f%% +%,.0f", relative * 100, absolute);
        }
    }

    /** The judgement of one measure; {@code first}, {@code last} and {@code limit} are NaN when it could not judge. */
    record Verdict(String measure, double first, double last, double limit, boolean flat, String reason) {}

    /** Judges {@code values} (one per sample, in time order) after leaving out the first {@code warmup} samples. */
    static Verdict judge(String measure, double[] values, int warmup, Tolerance tolerance) {
        double[] kept = Arrays.copyOfRange(values, Math.min(warmup, values.length), values.length);
        if (kept.length < 4) {
            return new Verdict(
                    measure,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    false,
                    kept.length + " samples after a warm-up of " + warmup + "; at least 4 are needed");
        }
        for (double v : kept) {
            if (Double.isNaN(v) || v < 0) {
                return new Verdict(measure, Double.NaN, Double.NaN, Double.NaN, false, "a sample could not be taken");
            }
        }
        int quarter = kept.length / 4;
        double first = mean(kept, 0, quarter);
        double last = mean(kept, kept.length - quarter, kept.length);
        double limit = first * (1 + tolerance.relative()) + tolerance.absolute();
        boolean flat = last <= limit;
        String reason = String.format(
                "last quarter %,.1f %s first quarter %,.1f %s (limit %,.1f)",
                last, flat ? "within" : "GREW beyond", first, tolerance, limit);
        return new Verdict(measure, first, last, limit, flat, reason);
    }

    private static double mean(double[] v, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += v[i];
        }
        return sum / (to - from);
    }
}
