package io.tributary.testsupport.faultfs;

import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The knobs of the power-cut tests: how many cuts ({@value #CUTS}, default per test: 100 in the normal suite, 1,000
 * with {@code -Ppower-cuts-long}) and the seed ({@value #SEED}, random unless given; always printed, so that a failing
 * run can be repeated with the same cut points and the same choices of what is lost — the threads' interleaving is
 * not repeated).
 */
public final class PowerCuts {

    /** System property: the number of cuts. */
    public static final String CUTS = "tributary.power-cuts";
    /** System property: the seed. */
    public static final String SEED = "tributary.power-cuts.seed";

    private PowerCuts() {}

    /** The number of cuts to run: the property, else {@code defaultCuts}. */
    public static int count(int defaultCuts) {
        return Integer.getInteger(CUTS, defaultCuts);
    }

    /** The seeded random of a test; prints the seed with the line that repeats the run. */
    public static Random random(String test) {
        long seed = Long.getLong(SEED, ThreadLocalRandom.current().nextLong());
        System.out.printf("%s: power-cut seed %d (repeat with -D%s=%d)%n", test, seed, SEED, seed);
        return new Random(seed);
    }
}
